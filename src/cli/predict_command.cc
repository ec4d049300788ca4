#include "cli/command.h"

namespace tad::cli {

// Placeholder until the predict issue lands: refuses to run rather than pretend.
CommandRunner AddPredictCommand(CLI::App& app) {
  app.add_subcommand("predict", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad predict: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
