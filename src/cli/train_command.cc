#include "cli/command.h"

namespace tad::cli {

// Placeholder until the train issue lands: refuses to run rather than pretend.
CommandRunner AddTrainCommand(CLI::App& app) {
  app.add_subcommand("train", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad train: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
