// tad: packet captures in, a trained traffic classifier out.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/train_options.h"
#include "common/atomic_output.h"
#include "common/status.h"

#ifndef TAD_VERSION
#define TAD_VERSION "0.0.0"
#endif

namespace {

// Training touches its large arrays (rows, bins, histograms, test rows) page by page, and each
// first touch of a 4 KiB page is a page fault; on a virtual machine those faults took a third of
// loading and made prediction 4x slower (docs/training.md). glibc backs large allocations with
// transparent huge pages when its tunable glibc.malloc.hugetlb=1 is set, and tunables are read only
// when a process starts: so tad sets it and executes itself again, once, before doing anything.
// TAD_NO_HUGEPAGES=1, or a GLIBC_TUNABLES that already names the tunable, leaves things as they are.
void ReexecWithHugePages(char** argv) {
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = current ? current : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos || std::getenv("TAD_NO_HUGEPAGES")) return;
  const std::string value = tunables.empty() ? "glibc.malloc.hugetlb=1" : tunables + ":glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // execv returns only when it failed: go on with ordinary pages.
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tad::cli;
  ReexecWithHugePages(argv);
  tad::InstallInterruptCleanup();
  SetCommandLine(argc, argv);  // train re-launches itself under mpirun with it

  CLI::App app{"tad: traffic application detection. Packet captures in, a trained traffic classifier out."};
  app.set_version_flag("--version", std::string("tad ") + TAD_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<CommandRunner> runners;
  runners.push_back(AddSynthCommand(app));
  runners.push_back(AddExtractCommand(app));
  runners.push_back(AddTrainCommand(app));
  runners.push_back(AddEvalCommand(app));
  runners.push_back(AddPredictCommand(app));
  runners.push_back(AddBenchCommand(app));
  runners.push_back(AddReportCommand(app));
  runners.push_back(AddExportCommand(app));
  runners.push_back(AddClassifyCommand(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tad: %s\nRun 'tad --help' or 'tad <command> --help' for usage.\n", e.what());
    return kExitUsage;
  }

  try {
    // Exactly one subcommand parsed; runners are in the order the subcommands were added.
    CLI::App* chosen = app.get_subcommands().front();
    const auto all = app.get_subcommands({});
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i] == chosen) return runners[i]();
    }
    std::fprintf(stderr, "tad: no command chosen\n");
    return kExitUsage;
  } catch (const tad::Error& e) {
    std::fprintf(stderr, "tad: error: %s\n", e.what());
    return ExitCodeFor(e.status());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tad: error: %s\n", e.what());
    return kExitFailure;
  }
}
