#pragma once
/// The scaling study's data: the same training at several executor counts, repeated; each run's
/// figures from its results.json, their medians and spreads per count, and the study's one
/// definition of scaling.json (`tad.scaling/1`), which `tad report` reads back. Tables and charts
/// of it are report/'s.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobs/run_results.h"

namespace tad::jobs {

inline constexpr std::string_view kScalingSchema = "tad.scaling/1";

/// Parses "1-7", "1,2,4", "2" or "1-3,8" into ascending distinct counts, each in [1, 1024].
Result<std::vector<int>> ParseExecutorCounts(const std::string& spec);

/// Median (mean of the middle two for an even count), min and max. All zero for no values.
struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};
Spread SpreadOf(std::vector<double> values);

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

/// The figures of one run; what results.json leaves out reads as zero.
RunSummary SummariseRun(const RunResults& results);

struct ScalingRun {
  int repeat = 0;  // 1-based
  std::string run_dir;
  double wall_seconds = 0;  // the whole job as bench saw it: launch, MPI start-up, teardown
  RunSummary summary;
};

struct ScalingPoint {
  int executors = 0;
  std::vector<ScalingRun> runs;
  bool oversubscribed = false;
  Spread train_seconds, total_seconds, wall_seconds, accuracy, precision, recall, f1, comm_seconds, compute_seconds,
      bytes_sent;
  std::vector<std::string> hashes;  // distinct, in order of first appearance
  double speedup = 0;               // median training time at the smallest count × that count / this median
  double efficiency = 0;            // speedup / executors
  double total_speedup = 0;         // the same of total time (load, training, evaluation): what a user waits for
  double total_efficiency = 0;      // total_speedup / executors
};

struct ScalingStudy {
  std::string dataset;
  int cores = 0;
  int repeat = 1;
  std::vector<std::string> train_arguments;  // passed through to every `tad train`
  std::vector<ScalingPoint> points;          // ascending executors
  bool same_model = true;                    // every run wrote a model with the same hash
  std::vector<std::string> model_hashes;     // distinct, over all runs
};

/// Fills every point's spreads, hashes, speedup and efficiency, and the study's same_model, from
/// the runs. Call after adding runs.
void Summarise(ScalingStudy& study);

nlohmann::json ScalingToJson(const ScalingStudy& study);
Result<ScalingStudy> ScalingFromJson(const nlohmann::json& json);

}  // namespace tad::jobs
