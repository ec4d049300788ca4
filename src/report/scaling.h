#pragma once
/// The scaling study: the same training at several executor counts, repeated, summarised as the
/// seed's table (medians, with min–max when repeated), CSV of every run, and JSON (`tad.scaling/1`)
/// that `tad report` reads back.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_results.h"
#include "common/status.h"

namespace tad::report {

/// Parses "1-7", "1,2,4", "2" or "1-3,8" into ascending distinct counts, each in [1, 1024].
Result<std::vector<int>> ParseExecutorCounts(const std::string& spec);

/// Median (mean of the middle two for an even count), min and max. All zero for no values.
struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};
Spread SpreadOf(std::vector<double> values);

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

/// "12.3 s", "4.1 min", "1 h 13 min".
std::string FormatSeconds(double seconds);
/// "812 B", "3.4 KiB", "1.2 MiB".
std::string FormatBytes(double bytes);

/// The seed's table (executors, training time, total time, accuracy, precision, recall, F1) plus
/// comm/compute, bytes sent, model hash and a note on oversubscription, then one line that says
/// whether every run produced the same model.
std::string ScalingMarkdown(const ScalingStudy& study);

/// One line per run, with a header.
std::string ScalingCsv(const ScalingStudy& study);

nlohmann::json ScalingToJson(const ScalingStudy& study);
Result<ScalingStudy> ScalingFromJson(const nlohmann::json& json);

}  // namespace tad::report
