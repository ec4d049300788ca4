#pragma once
/// The one way the jobs predict classes for rows of raw feature values (train's test split, eval,
/// predict), so that a model kind with another predictor changes this file only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "tree/model.h"

namespace tad::jobs {

/// What eval and predict start from: a model file and the dataset to score with it.
struct Scoring {
  Model model;
  int threads = 1;
  std::optional<DuckDatabase> db;
  std::optional<ParquetDataset> dataset;
};

/// Loads the model, opens the dataset (its label column named by the model) and checks that it has
/// the model's features, numeric (ParquetDataset::CheckFeatures); `threads` 0 means all cores.
Status OpenScoring(const std::string& model_path, const std::string& dataset_path, int threads, Scoring& scoring);

/// Class indices for `rows` rows of `model.features.size()` values each, row-major.
std::vector<int32_t> PredictClasses(const Model& model, const float* values, int64_t rows, int threads);
/// Each row's probability of every class, row-major (rows x classes).
std::vector<double> PredictProbabilities(const Model& model, const float* values, int64_t rows, int threads);

}  // namespace tad::jobs
