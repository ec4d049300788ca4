#include "cli/command.h"

namespace tad::cli {

// Placeholder until the report issue lands: refuses to run rather than pretend.
CommandRunner AddReportCommand(CLI::App& app) {
  app.add_subcommand("report", "(not built yet)");
  return [] {
    std::fprintf(stderr, "tad report: not built yet\n");
    return kExitFailure;
  };
}

}  // namespace tad::cli
