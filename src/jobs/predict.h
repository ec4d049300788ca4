#pragma once
/// `tad predict` as a library function: the predicted class of every row of a dataset, written
/// with the row's file and row number to one Parquet file.

#include <cstdint>
#include <string>

#include "common/status.h"

namespace tad::jobs {

struct PredictOptions {
  std::string dataset;
  std::string model;
  std::string out;
  bool overwrite = false;
  bool probabilities = false;  // also one column per class, probability_<class>
  int threads = 0;             // 0: all cores
};

struct PredictSummary {
  int64_t rows = 0;
  double seconds = 0;          // the whole job
  double predict_seconds = 0;  // the model alone
};

Result<PredictSummary> Predict(const PredictOptions& options);

}  // namespace tad::jobs
