#include "jobs/predict.h"

#include "common/elapsed.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "dataset/prediction_writer.h"
#include "jobs/prediction.h"
#include "tree/model.h"

namespace tad::jobs {

Result<PredictSummary> Predict(const PredictOptions& options) {
  const auto start = SteadyClock::now();
  Scoring scoring;
  TAD_RETURN_IF_ERROR(OpenScoring(options.model, options.dataset, options.threads, scoring));
  const Model& model = scoring.model;
  const int threads = scoring.threads;
  DuckDatabase& db = *scoring.db;
  const ParquetDataset& dataset = *scoring.dataset;
  std::vector<std::string> probability_columns;
  if (options.probabilities) {
    for (const auto& name : model.classes) probability_columns.push_back("probability_" + name);
  }
  auto writer = PredictionWriter::Create(db, options.out, options.overwrite, probability_columns);
  if (!writer.ok()) return writer.status();

  PredictSummary summary;
  for (const auto& group : dataset.row_groups()) {
    LoadedRows rows;
    TAD_RETURN_IF_ERROR(ReadRowGroup(db, dataset, group, model.features, model.parameters.seed, rows));
    const auto predict_start = SteadyClock::now();
    const std::vector<int32_t> predicted = PredictClasses(model, rows.values.data(), rows.rows(), threads);
    const std::vector<double> probabilities =
        options.probabilities ? PredictProbabilities(model, rows.values.data(), rows.rows(), threads)
                              : std::vector<double>{};
    summary.predict_seconds += SecondsSince(predict_start);
    const size_t classes = model.classes.size();
    for (int64_t r = 0; r < rows.rows(); ++r) {
      (*writer)->Append(group.relative, group.first_row + r,
                        model.classes[static_cast<size_t>(predicted[static_cast<size_t>(r)])],
                        options.probabilities ? probabilities.data() + static_cast<size_t>(r) * classes : nullptr);
    }
    summary.rows += rows.rows();
  }
  TAD_RETURN_IF_ERROR((*writer)->Finish());
  summary.seconds = SecondsSince(start);
  return summary;
}

}  // namespace tad::jobs
