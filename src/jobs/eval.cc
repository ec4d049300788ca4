#include "jobs/eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "common/elapsed.h"
#include "common/hash.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "jobs/prediction.h"
#include "tree/model.h"

namespace tad::jobs {

Result<RunResults> Eval(const EvalOptions& options) {
  const auto start = SteadyClock::now();
  std::string model_text;
  {
    std::ifstream in(options.model, std::ios::binary);
    model_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  Scoring scoring;
  TAD_RETURN_IF_ERROR(OpenScoring(options.model, options.dataset, options.threads, scoring));
  const Model& model = scoring.model;
  const int threads = scoring.threads;
  DuckDatabase& db = *scoring.db;
  const ParquetDataset& dataset = *scoring.dataset;
  TAD_RETURN_IF_ERROR(dataset.CheckColumns(model.features));

  const size_t num_classes = model.classes.size();
  std::vector<int64_t> confusion(num_classes * num_classes, 0);
  for (const auto& group : dataset.row_groups()) {
    LoadedRows rows;
    TAD_RETURN_IF_ERROR(
        ReadRowGroup(db, dataset, group, model.features, model.parameters.seed, rows, model.parameters.split_by));
    std::vector<int32_t> class_of_label;
    for (const auto& name : rows.label_names) {
      auto found = std::lower_bound(model.classes.begin(), model.classes.end(), name);
      if (found == model.classes.end() || *found != name) {
        return Status::InvalidData(fmt::format("{}: label '{}' is not one of the model's classes", group.relative, name));
      }
      class_of_label.push_back(static_cast<int32_t>(found - model.classes.begin()));
    }
    const std::vector<int32_t> predicted = PredictClasses(model, rows.values.data(), rows.rows(), threads);
    for (int64_t r = 0; r < rows.rows(); ++r) {
      if (!options.all_rows && !IsTestRow(rows.split_key[static_cast<size_t>(r)], model.parameters.test_fraction)) continue;
      const size_t truth = static_cast<size_t>(class_of_label[static_cast<size_t>(rows.labels[static_cast<size_t>(r)])]);
      ++confusion[truth * num_classes + static_cast<size_t>(predicted[static_cast<size_t>(r)])];
    }
  }
  int64_t evaluated_rows = 0;
  for (int64_t count : confusion) evaluated_rows += count;

  RunResults results;
  auto evaluation = Evaluation::FromCounts(model.classes, std::move(confusion));
  if (!evaluation.ok()) return evaluation.status();
  results.evaluation = std::move(*evaluation);
  results.job = "tad-eval";
  results.command = options.command;
  results.dataset = {options.dataset, dataset.fingerprint(), dataset.total_rows(), {}, {}, evaluated_rows,
                     options.all_rows ? "all" : "test", model.training_data.fingerprint};
  results.parameters = ParametersJson(model.parameters, model.features);
  results.executors = 1;
  results.threads = threads;
  results.model = ModelSummary::Of(model, options.model, model_text);
  results.timing.total_seconds = SecondsSince(start);
  return results;
}

}  // namespace tad::jobs
