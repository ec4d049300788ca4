#pragma once
/// `tad bench scaling` as a library function: the seed's scaling study. Each training is its own
/// `tad train` process (its own MPI job, as a user would start it), run R times per executor count;
/// the study is written to OUT/scaling.json (the runs under OUT/runs/) and returned for report/'s
/// tables and charts.

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "jobs/scaling_study.h"

namespace tad::jobs {

/// Told before each training starts.
struct ScalingRunStart {
  int executors = 0;
  int repeat = 0;   // 1-based
  int repeats = 0;  // per executor count
  bool oversubscribed = false;  // more executors than this host's cores
};

struct BenchScalingOptions {
  std::string dataset;
  std::string executors = "1-7";  // ParseExecutorCounts
  int repeat = 1;
  std::string out = "scaling";
  bool overwrite = false;
  std::string tad_binary;  // the program run as `tad train`; empty: this executable
  std::vector<std::string> train_arguments;  // passed to every `tad train`
  std::function<void(const ScalingRunStart&)> on_run_start;  // may be empty
};

/// A training that fails ends the study with an error naming its log file.
Result<ScalingStudy> BenchScaling(const BenchScalingOptions& options);

}  // namespace tad::jobs
