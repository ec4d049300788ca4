// tad: packet captures in, a trained traffic classifier out.
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "cli/train_options.h"
#include "cluster/launcher.h"
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
// Only the commands that hold a dataset in memory do: for the others (extract and classify stream
// captures, the rest are short) a second start of the process, dynamic linking included, cost more
// than huge pages saved. TAD_NO_HUGEPAGES=1, or a GLIBC_TUNABLES that already names the tunable,
// leaves things as they are.
bool HoldsADataset(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string_view command = argv[1];
  return command == "train" || command == "eval" || command == "predict";
}

// Whether this process only starts mpirun and waits: `train --executors N` (N > 1) outside MPI.
// Its ranks hold the data and inherit the tunable from its environment, so it need not start twice.
bool OnlyStartsMpirun(int argc, char** argv) {
  if (tad::RunningUnderMpi()) return false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view argument = argv[i];
    constexpr std::string_view kOption = "--executors";
    const char* value = nullptr;
    if (argument == kOption && i + 1 < argc) value = argv[i + 1];
    if (argument.size() > kOption.size() && argument.starts_with(kOption) && argument[kOption.size()] == '=') {
      value = argv[i] + kOption.size() + 1;
    }
    if (value) return std::atoi(value) > 1;
  }
  return false;
}

void ReexecWithHugePages(int argc, char** argv) {
  if (!HoldsADataset(argc, argv)) return;
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::string tunables = current ? current : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos || std::getenv("TAD_NO_HUGEPAGES")) return;
  const std::string value = tunables.empty() ? "glibc.malloc.hugetlb=1" : tunables + ":glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 || OnlyStartsMpirun(argc, argv)) return;
  execv("/proc/self/exe", argv);
  // execv returns only when it failed: go on with ordinary pages.
}

// The option a CLI11 ConversionError ("Could not convert: --threads = abc") is about, with the
// type it expects, e.g. "--threads: 'abc' is not an integer".
std::string ConversionText(const CLI::App& app, const std::string& message) {
  static const std::regex kConversion(R"(Could not convert: (\S+) = (.*))");
  std::smatch match;
  if (!std::regex_search(message, match, kConversion)) return {};
  const std::string name = match[1].str();
  std::string expected = "a valid value";
  for (const CLI::App* command : app.get_subcommands()) {
    for (const CLI::App* scope : {command, &app}) {
      const CLI::Option* option = scope->get_option_no_throw(name);
      if (!option) continue;
      const std::string type = option->get_type_name();
      if (type.rfind("UINT", 0) == 0) expected = "a whole number of 0 or more";
      else if (type.rfind("INT", 0) == 0) expected = "an integer";
      else if (type.rfind("FLOAT", 0) == 0) expected = "a number";
    }
  }
  return fmt::format("{}: '{}' is not {}", name, match[2].str(), expected);
}

// One line for any command-line error: CLI11's own text (which can run over lines) flattened,
// a conversion error naming the option and the type it expects, an unknown command listed
// against the commands there are.
std::string ParseErrorText(const CLI::App& app, int argc, char** argv, const CLI::ParseError& error) {
  std::string message = error.what();
  if (const std::string conversion = ConversionText(app, message); !conversion.empty()) return conversion;
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    bool known = false;
    for (const CLI::App* command : app.get_subcommands({})) {
      names.push_back(command->get_name());
      known = known || command->get_name() == argv[1];
    }
    if (!known) return fmt::format("unknown command '{}'; the commands are {}", argv[1], fmt::join(names, ", "));
  }
  std::replace(message.begin(), message.end(), '\n', ' ');
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tad::cli;
  ReexecWithHugePages(argc, argv);
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
    std::fprintf(stderr, "tad: error: %s (see 'tad --help' or 'tad COMMAND --help')\n",
                 ParseErrorText(app, argc, argv, e).c_str());
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
