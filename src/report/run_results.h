#pragma once
/// Reads what a training run leaves behind (docs/run-results.md, docs/model-format.md) into the
/// figures the scaling table and the report need. Missing optional fields read as zero; missing
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

/// One node of a `tad.model/1` tree. A leaf has no feature (feature < 0).
struct TreeNode {
  int id = 0;
  int depth = 0;
  std::vector<uint64_t> counts;
  int feature = -1;
  double threshold = 0;
  int left = -1;
  int right = -1;
  int prediction = -1;
  bool leaf() const { return feature < 0; }
  uint64_t rows() const;
};

struct TreeModel {
  std::vector<std::string> features;
  std::vector<std::string> classes;
  std::vector<TreeNode> nodes;  // indexed by id
};

/// Reads the first tree of a `tad.model/1` object and checks its links (every child exists, no
/// cycles, every prediction names a class).
Result<TreeModel> ParseTreeModel(const nlohmann::json& model);

}  // namespace tad::report
