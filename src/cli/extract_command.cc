#include "cli/command.h"

namespace tad::cli {

// Placeholder until the extract issue lands: refuses to run rather than pretend.
CommandRunner AddExtractCommand(CLI::App& app) {
  app.add_subcommand("extract", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad extract: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
