#pragma once
/// What training tells the outside world while it runs. The trainer calls these hooks at the same
/// points on every rank (they may be collective: the telemetry implementation gathers every
/// executor's figures to the driver inside them), so an implementation must be called on all ranks
/// or none. Tree code knows only this interface; telemetry/ implements it.

#include <cstdint>
#include <string>

namespace tad {

enum class TrainingPhase { kStarting, kLoading, kBinning, kTraining, kEvaluating, kFinished, kFailed };

inline const char* TrainingPhaseName(TrainingPhase phase) {
  switch (phase) {
    case TrainingPhase::kStarting: return "starting";
    case TrainingPhase::kLoading: return "loading";
    case TrainingPhase::kBinning: return "binning";
    case TrainingPhase::kTraining: return "training";
    case TrainingPhase::kEvaluating: return "evaluating";
    case TrainingPhase::kFinished: return "finished";
    case TrainingPhase::kFailed: return "failed";
  }
  return "unknown";
}

/// This rank's cumulative work so far. A task is one executor's pass over its rows for one tree
/// level, or the loading of one row group.
struct ExecutorWork {
  uint64_t tasks_completed = 0;
  uint64_t tasks_failed = 0;
  uint64_t tasks_active = 0;
  double task_seconds = 0;          // wall time spent in tasks
  uint64_t rows_read = 0;
  uint64_t bytes_read = 0;          // bytes of column data read from Parquet
  uint64_t binned_bytes_held = 0;   // memory held by this rank's binned feature matrix
};

/// Where the tree stands; the same on every rank.
struct TreeProgress {
  int32_t tree_index = 0;   // 0 for a single decision tree
  int32_t trees_total = 1;
  int32_t level = 0;        // depth just completed
  int32_t max_depth = 0;
  int64_t nodes = 0;
  int64_t leaves = 0;
  int32_t trees_done = 0;    // trees complete (a forest grows all its trees level by level)
  int32_t rounds_done = 0;   // boosting rounds complete (0 for other classifiers)
  int32_t rounds_total = 0;  // boosting rounds to run (0 for other classifiers)
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  /// Phase changes (same on all ranks).
  virtual void OnPhase(TrainingPhase phase) { (void)phase; }
  /// Called by all ranks together once when loading has read every row group, and once per tree level.
  virtual void OnProgress(const ExecutorWork& local_work, const TreeProgress& tree) {
    (void)local_work;
    (void)tree;
  }
};

}  // namespace tad
