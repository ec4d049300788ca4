#include "cli/train_support.h"

#include <fmt/format.h>

#include <cstdio>

#include "cli/command.h"
#include "cli/train_options.h"
#include "common/atomic_output.h"
#include "common/status.h"

namespace tad::cli {

namespace {
std::vector<std::string>& StoredCommandLine() {
  static std::vector<std::string> arguments;
  return arguments;
}
}  // namespace

void SetCommandLine(int argc, char** argv) {
  StoredCommandLine().assign(argv, argv + argc);
}

const std::vector<std::string>& CommandLine() { return StoredCommandLine(); }

std::string CommandLineText() {
  std::string text;
  for (const auto& argument : CommandLine()) {
    if (!text.empty()) text += ' ';
    text += argument.find_first_of(" \t'\"") == std::string::npos ? argument : "'" + argument + "'";
  }
  return text;
}

void PrintEvaluation(std::FILE* out, int executors, double train_seconds, double total_seconds,
                     const jobs::Evaluation& e, bool with_training_time) {
  SeedTableRow row;
  row.executors = executors;
  if (with_training_time) row.train_seconds = train_seconds;
  row.total_seconds = total_seconds;
  if (e.matrix.total() == 0) {
    std::fprintf(out, "no test rows: nothing was held out (--test-fraction 0 or an empty split), so there are no "
                      "figures; tad eval --all-rows scores the model on every row\n");
    std::fflush(out);
    return;
  }
  std::fprintf(out, "%s\n%s\n%s", FormatSeedTable(row, e.report).c_str(), FormatPerClassTable(e.report).c_str(),
               FormatConfusionMatrix(e.matrix).c_str());
  std::fflush(out);
}

std::FILE* HumanOutput(const std::string& json_path) { return json_path == "-" ? stderr : stdout; }

void WriteTextOutput(const std::string& path, const std::string& text, bool overwrite) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  ThrowIfError(WriteFileAtomically(path, text, overwrite));
}

}  // namespace tad::cli
