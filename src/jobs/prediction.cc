#include "jobs/prediction.h"

namespace tad::jobs {

std::vector<int32_t> PredictClasses(const Model& model, const float* values, int64_t rows, int threads) {
  const CompiledTree tree(model.trees.front());
  std::vector<int32_t> predicted(static_cast<size_t>(rows));
  tree.PredictBatch(values, rows, static_cast<int32_t>(model.features.size()), predicted.data(), threads);
  return predicted;
}

}  // namespace tad::jobs
