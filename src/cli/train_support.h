#pragma once
/// What `tad train` and `tad eval` share: the evaluation figures from a confusion matrix (Spark's
/// weighted metrics), the seed's table, and the results JSON (docs/run-results.md).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/classification_report.h"
#include "eval/confusion_matrix.h"
#include "tree/model.h"

namespace tad::cli {

/// A confusion matrix and its figures (eval/: Spark MulticlassMetrics definitions).
struct Evaluation {
  ConfusionMatrix matrix;
  ClassificationReport report;
};

Evaluation Evaluate(const std::vector<std::string>& classes, const std::vector<int64_t>& confusion_flat);

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
