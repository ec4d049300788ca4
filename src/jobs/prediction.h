#pragma once
/// The one way the jobs predict classes for rows of raw feature values (train's test split, eval,
/// predict), so that a model kind with another predictor changes this file only.

#include <cstdint>
#include <vector>

#include "tree/model.h"

namespace tad::jobs {

/// Class indices for `rows` rows of `model.features.size()` values each, row-major.
std::vector<int32_t> PredictClasses(const Model& model, const float* values, int64_t rows, int threads);

}  // namespace tad::jobs
