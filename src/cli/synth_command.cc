#include "cli/command.h"

namespace tad::cli {

// Placeholder until the synth issue lands: refuses to run rather than pretend.
CommandRunner AddSynthCommand(CLI::App& app) {
  app.add_subcommand("synth", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad synth: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
