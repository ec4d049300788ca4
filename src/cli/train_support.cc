#include "cli/train_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

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

Evaluation Evaluate(const std::vector<std::string>& classes, const std::vector<int64_t>& confusion_flat) {
  ConfusionMatrix matrix = ValueOrThrow(ConfusionMatrix::FromCounts(classes, confusion_flat));
  ClassificationReport report = ClassificationReport::From(matrix);
  return Evaluation{std::move(matrix), std::move(report)};
}

void PrintEvaluation(int executors, double train_seconds, double total_seconds, const Evaluation& e,
                     bool with_training_time) {
  SeedTableRow row;
  row.executors = executors;
  if (with_training_time) row.train_seconds = train_seconds;
  row.total_seconds = total_seconds;
  std::printf("%s\n%s\n%s", FormatSeedTable(row, e.report).c_str(), FormatPerClassTable(e.report).c_str(),
              FormatConfusionMatrix(e.matrix).c_str());
  std::fflush(stdout);
}

nlohmann::ordered_json EvaluationJson(const Evaluation& e) { return tad::EvaluationJson(e.matrix, e.report); }

nlohmann::ordered_json ModelSummaryJson(const Model& model, const std::string& path, const std::string& hash) {
  const DecisionTree& tree = model.trees.front();
  nlohmann::ordered_json importances = nlohmann::ordered_json::object();
  const auto values = model.FeatureImportances();
  for (size_t f = 0; f < model.features.size(); ++f) importances[model.features[f]] = values[f];
  return {{"path", path},
          {"hash", hash},
          {"nodes", tree.nodes.size()},
          {"leaves", tree.leaves()},
          {"depth", tree.depth()},
          {"feature_importances", importances}};
}

void WriteTextOutput(const std::string& path, const std::string& text, bool overwrite) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  auto output = ValueOrThrow(AtomicOutput::Create(path, overwrite));
  {
    std::ofstream out(output.temp_path(), std::ios::binary);
    out << text;
    if (!out.flush()) throw Error(Status::IoError("cannot write " + path));
  }
  ThrowIfError(output.Commit());
}

}  // namespace tad::cli
