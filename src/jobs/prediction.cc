#include "jobs/prediction.h"

#include "jobs/threads.h"

namespace tad::jobs {

Status OpenScoring(const std::string& model_path, const std::string& dataset_path, int threads, Scoring& scoring) {
  auto model = Model::Load(model_path);
  if (!model.ok()) return model.status();
  scoring.model = std::move(*model);
  scoring.threads = threads > 0 ? threads : DefaultThreads(1);
  auto db = DuckDatabase::OpenInMemory(scoring.threads);
  if (!db.ok()) return db.status();
  scoring.db.emplace(std::move(*db));
  auto dataset = ParquetDataset::Open(*scoring.db, dataset_path, scoring.model.parameters.label);
  if (!dataset.ok()) return dataset.status();
  scoring.dataset.emplace(std::move(*dataset));
  return scoring.dataset->CheckFeatures(scoring.model.features);
}

std::vector<int32_t> PredictClasses(const Model& model, const float* values, int64_t rows, int threads) {
  const CompiledModel compiled(model);
  std::vector<int32_t> predicted(static_cast<size_t>(rows));
  compiled.PredictBatch(values, rows, static_cast<int32_t>(model.features.size()), predicted.data(), threads);
  return predicted;
}

std::vector<double> PredictProbabilities(const Model& model, const float* values, int64_t rows, int threads) {
  const CompiledModel compiled(model);
  std::vector<double> probabilities(static_cast<size_t>(rows) * model.classes.size());
  compiled.PredictProbabilities(values, rows, static_cast<int32_t>(model.features.size()), probabilities.data(),
                                threads);
  return probabilities;
}

}  // namespace tad::jobs
