#include "cli/command.h"

namespace tad::cli {

// Placeholder until the eval issue lands: refuses to run rather than pretend.
CommandRunner AddEvalCommand(CLI::App& app) {
  app.add_subcommand("eval", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad eval: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
