#include "cli/command.h"

namespace tad::cli {

// Placeholder until the bench issue lands: refuses to run rather than pretend.
CommandRunner AddBenchCommand(CLI::App& app) {
  app.add_subcommand("bench", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad bench: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
