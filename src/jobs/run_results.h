#pragma once
/// What a run leaves behind (docs/run-results.md): the one definition of results.json, written by
/// `tad train` and `tad eval`, read by `tad bench scaling` and `tad report`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "eval/classification_report.h"
#include "eval/confusion_matrix.h"
#include "tree/model.h"
#include "tree/parameters.h"

namespace tad::jobs {

inline constexpr std::string_view kRunResultsSchema = "tad.run/1";

/// A confusion matrix and its figures (eval/: Spark MulticlassMetrics definitions).
struct Evaluation {
  ConfusionMatrix matrix{std::vector<std::string>{}};
  ClassificationReport report;

  static Result<Evaluation> FromCounts(const std::vector<std::string>& classes, std::vector<int64_t> counts);
};

struct DatasetSummary {
  std::string path;
  std::string fingerprint;
  int64_t rows = 0;
  // Training runs: the split's sizes.
  std::optional<int64_t> train_rows;
  std::optional<int64_t> test_rows;
  // Evaluation runs: rows counted and which ("test" or "all").
  std::optional<int64_t> evaluated_rows;
  std::optional<std::string> split;
  // Evaluation runs: the fingerprint of the data the model was trained on (from the model file).
  std::optional<std::string> model_fingerprint;
  // What one row is: "packets" or "flows" (tad extract's datasets; absent for other data).
  std::optional<std::string> row_kind;
};

struct Timing {
  std::optional<double> load_seconds;
  std::optional<double> train_seconds;
  std::optional<double> evaluate_seconds;
  double total_seconds = 0;
  std::optional<double> predict_rows_per_second;
};

/// Per executor, by rank.
struct Communication {
  std::vector<uint64_t> bytes_sent_per_executor;
  std::vector<double> comm_seconds_per_executor;
  std::vector<double> compute_seconds_per_executor;
  std::vector<uint64_t> bytes_per_level;
};

struct ModelSummary {
  std::string path;
  std::string hash;  // HashBytes of the model file, 16 hex digits
  int64_t trees = 0;
  int64_t nodes = 0;   // over all trees
  int64_t leaves = 0;  // over all trees
  int32_t depth = 0;   // of the deepest tree
  std::vector<std::pair<std::string, double>> feature_importances;  // in the model's feature order

  static ModelSummary Of(const Model& model, const std::string& path, std::string_view model_text);
};

/// Training runs only: which rows were held out together (--split-by) and why.
struct SplitSummary {
  std::string by;  // row, flow or file
  std::string reason;
};

/// Training runs only: the machine and its executors.
struct Placement {
  int cores = 0;
  bool oversubscribed = false;
  std::vector<std::string> hosts;  // by rank
};

struct RunResults {
  std::string job;
  std::string command;
  DatasetSummary dataset;
  /// The parameters as the parameter table writes them (tree/parameters.h owns their names).
  nlohmann::ordered_json parameters;
  std::optional<SplitSummary> split;
  int executors = 1;
  int threads = 1;
  std::optional<Placement> placement;
  Timing timing;
  std::optional<Communication> communication;
  Evaluation evaluation;
  ModelSummary model;
  std::optional<std::string> metrics_file;  // telemetry's final metrics, beside results.json

  /// The results.json text (keys in a fixed order, two-space indent, final newline).
  std::string ToJson() const;
  /// Parses and checks a results.json; `source` names it in messages.
  static Result<RunResults> FromJson(std::string_view text, const std::string& source);
};

/// results.json's "parameters": those the classifier uses (the model file's set, plus
/// "classifier") and the features.
nlohmann::ordered_json ParametersJson(const TreeParameters& parameters, const std::vector<std::string>& features);

}  // namespace tad::jobs
