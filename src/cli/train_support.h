#pragma once
/// What `tad train` and `tad eval` share: the evaluation figures from a confusion matrix (Spark's
/// weighted metrics), the seed's table, and the results JSON (docs/run-results.md).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tree/model.h"

namespace tad::cli {

struct ClassFigures {
  std::string name;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;
};

/// Spark MulticlassMetrics: weights are the true-label supports; a class never predicted has
/// precision 0.
struct Evaluation {
  std::vector<std::string> classes;
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
  double accuracy = 0;
  double weighted_precision = 0;
  double weighted_recall = 0;
  double weighted_f1 = 0;
  std::vector<ClassFigures> per_class;
};

Evaluation Evaluate(const std::vector<std::string>& classes, const std::vector<int64_t>& confusion_flat);

/// Seconds as the seed's table shows them ("0.84 s", "12.6 min").
std::string FormatSeconds(double seconds);

/// Prints the seed's table row, then per-class figures and the confusion matrix, to stdout.
void PrintEvaluation(int executors, double train_seconds, double total_seconds, const Evaluation& evaluation,
                     bool with_training_time);

nlohmann::ordered_json EvaluationJson(const Evaluation& evaluation);
nlohmann::ordered_json ModelSummaryJson(const Model& model, const std::string& path, const std::string& hash);

/// The original command line, for results.json (set by main).
std::string CommandLineText();

/// Writes `text` to `path` (write-then-rename), or stdout for "-".
void WriteTextOutput(const std::string& path, const std::string& text, bool overwrite);

}  // namespace tad::cli
