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
  Evaluation e;
  e.classes = classes;
  const size_t n = classes.size();
  e.confusion.assign(n, std::vector<int64_t>(n, 0));
  int64_t total = 0;
  int64_t correct = 0;
  std::vector<int64_t> predicted(n, 0);
  std::vector<int64_t> support(n, 0);
  for (size_t t = 0; t < n; ++t) {
    for (size_t p = 0; p < n; ++p) {
      const int64_t count = confusion_flat[t * n + p];
      e.confusion[t][p] = count;
      total += count;
      support[t] += count;
      predicted[p] += count;
      if (t == p) correct += count;
    }
  }
  e.accuracy = total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0;
  for (size_t c = 0; c < n; ++c) {
    ClassFigures figures;
    figures.name = classes[c];
    figures.support = support[c];
    const double tp = static_cast<double>(e.confusion[c][c]);
    figures.precision = predicted[c] ? tp / static_cast<double>(predicted[c]) : 0.0;
    figures.recall = support[c] ? tp / static_cast<double>(support[c]) : 0.0;
    const double sum = figures.precision + figures.recall;
    figures.f1 = sum > 0 ? 2 * figures.precision * figures.recall / sum : 0.0;
    if (total) {
      const double weight = static_cast<double>(support[c]) / static_cast<double>(total);
      e.weighted_precision += weight * figures.precision;
      e.weighted_recall += weight * figures.recall;
      e.weighted_f1 += weight * figures.f1;
    }
    e.per_class.push_back(figures);
  }
  return e;
}

std::string FormatSeconds(double seconds) {
  if (seconds < 60) return fmt::format("{:.2f} s", seconds);
  if (seconds < 3600) return fmt::format("{:.1f} min", seconds / 60);
  return fmt::format("{} h {} min", static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60) % 60);
}

void PrintEvaluation(int executors, double train_seconds, double total_seconds, const Evaluation& e,
                     bool with_training_time) {
  if (with_training_time) {
    std::printf("| executors | training time | total time | accuracy | precision | recall | F1 |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    std::printf("| %d | %s | %s | %.4f | %.4f | %.4f | %.4f |\n\n", executors, FormatSeconds(train_seconds).c_str(),
                FormatSeconds(total_seconds).c_str(), e.accuracy, e.weighted_precision, e.weighted_recall,
                e.weighted_f1);
  } else {
    std::printf("| total time | accuracy | precision | recall | F1 |\n|---|---|---|---|---|\n");
    std::printf("| %s | %.4f | %.4f | %.4f | %.4f |\n\n", FormatSeconds(total_seconds).c_str(), e.accuracy,
                e.weighted_precision, e.weighted_recall, e.weighted_f1);
  }
  size_t width = 5;
  for (const auto& name : e.classes) width = std::max(width, name.size());
  const int w = static_cast<int>(width);
  std::printf("%-*s  %9s  %9s  %9s  %10s\n", w, "class", "precision", "recall", "F1", "support");
  for (const auto& c : e.per_class) {
    std::printf("%-*s  %9.4f  %9.4f  %9.4f  %10lld\n", w, c.name.c_str(), c.precision, c.recall, c.f1,
                static_cast<long long>(c.support));
  }
  std::printf("\nconfusion matrix (rows: true class, columns: predicted, in class order above)\n");
  size_t cell = 4;
  for (const auto& row : e.confusion) {
    for (int64_t v : row) cell = std::max(cell, std::to_string(v).size());
  }
  for (size_t t = 0; t < e.classes.size(); ++t) {
    std::printf("%-*s", w, e.classes[t].c_str());
    for (int64_t v : e.confusion[t]) std::printf(" %*lld", static_cast<int>(cell), static_cast<long long>(v));
    std::printf("\n");
  }
  std::fflush(stdout);
}

nlohmann::ordered_json EvaluationJson(const Evaluation& e) {
  nlohmann::ordered_json out;
  out["metrics"] = {{"accuracy", e.accuracy},
                    {"weighted_precision", e.weighted_precision},
                    {"weighted_recall", e.weighted_recall},
                    {"weighted_f1", e.weighted_f1}};
  nlohmann::ordered_json per_class = nlohmann::ordered_json::array();
  for (const auto& c : e.per_class) {
    per_class.push_back(
        {{"class", c.name}, {"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1}, {"support", c.support}});
  }
  out["per_class"] = per_class;
  out["confusion_matrix"] = {{"labels", e.classes}, {"matrix", e.confusion}};
  return out;
}

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
