#pragma once
/// The figures of a classifier on labelled rows, with Spark MLlib's MulticlassMetrics definitions
/// (the seed's numbers come from it):
/// - accuracy: correct rows / all rows;
/// - per class: precision tp/(tp+fp), 0 for a class never predicted; recall tp/support, 0 for a
///   class with no rows; F1 their harmonic mean, 0 when both are 0;
/// - weighted precision/recall/F1: the per-class figures weighted by the true-label supports
///   (so weighted recall equals accuracy).
/// With no rows at all, every figure is 0.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/confusion_matrix.h"

namespace tad {

struct ClassMetrics {
  std::string name;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  int64_t support = 0;
};

struct ClassificationReport {
  double accuracy = 0;
  double weighted_precision = 0;
  double weighted_recall = 0;
  double weighted_f1 = 0;
  std::vector<ClassMetrics> per_class;  // in the matrix's class order

  static ClassificationReport From(const ConfusionMatrix& matrix);
};

/// Seconds as the seed's table shows them: "0.84 s", "12.6 min", "1 h 13 min".
std::string FormatDuration(double seconds);

/// One run's row of the seed's table, with its header:
///   | executors | training time | total time | accuracy | precision | recall | F1 |
/// Without `train_seconds` (tad eval) the executors and training-time columns are left out.
struct SeedTableRow {
  int executors = 1;
  std::optional<double> train_seconds;
  double total_seconds = 0;
};
std::string FormatSeedTable(const SeedTableRow& row, const ClassificationReport& report);

/// Fixed-width per-class table: class, precision, recall, F1, support.
std::string FormatPerClassTable(const ClassificationReport& report);

/// Fixed-width confusion matrix, rows: true class, columns: predicted (numbered as in the rows).
std::string FormatConfusionMatrix(const ConfusionMatrix& matrix);

/// The `metrics`, `per_class` and `confusion_matrix` fields of docs/run-results.md.
nlohmann::ordered_json EvaluationJson(const ConfusionMatrix& matrix, const ClassificationReport& report);

}  // namespace tad
