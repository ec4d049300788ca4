#pragma once
/// Reads what a training run leaves behind (docs/run-results.md) into the figures the scaling table and the report need. Missing optional fields read as zero; missing
/// required ones are an InvalidData error that names the field.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tad::report {

/// One training run, as one row of the scaling study sees it.
struct RunSummary {
  int executors = 0;
  int cores = 0;
  bool oversubscribed = false;
  double train_seconds = 0;
  double total_seconds = 0;
  double accuracy = 0;
  double precision = 0;  // weighted, as Spark computes it
  double recall = 0;
  double f1 = 0;
  double comm_seconds = 0;     // mean over executors
  double compute_seconds = 0;  // mean over executors
  uint64_t bytes_sent = 0;     // sum over executors
  std::string model_hash;
};

/// `results` is the object of a `tad.run/1` results.json.
Result<RunSummary> SummariseRun(const nlohmann::json& results);

}  // namespace tad::report
