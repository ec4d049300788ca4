#pragma once
/// The driver's view of a training job: the latest report of every executor, the phase, the tree's
/// progress and the final quality, rendered as the three metric endpoints and the status page.
/// Updated by the training thread, read by the HTTP thread; every method is thread-safe.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/executor_report.h"
#include "tree/training_observer.h"

namespace tad::telemetry {

struct ModelQuality {
  double accuracy = 0;
  double precision = 0;  // weighted, as Spark's MulticlassMetrics
  double recall = 0;
  double f1 = 0;
};

class JobMetrics {
 public:
  explicit JobMetrics(std::string job_name);

  void SetPhase(TrainingPhase phase);
  void Update(std::vector<ExecutorReport> reports, const TreeProgress& progress);
  void SetQuality(const ModelQuality& quality);

  /// `/metrics`: the tad_* families (Prometheus naming conventions, clean under promtool).
  std::string RenderTad() const;
  /// `/metrics/executors/prometheus`: Spark's executor metric names (docs/metrics.md).
  std::string RenderSparkExecutors() const;
  /// `/metrics/prometheus/`: Spark's driver metric names.
  std::string RenderSparkDriver() const;
  /// All three, for the Pushgateway and the metrics file (distinct names, so they do not clash).
  std::string RenderAll() const;
  /// `/`: job, phase, progress and a table of executors; refreshes itself.
  std::string RenderStatusPage() const;

  const std::string& job_name() const { return job_name_; }
  TrainingPhase phase() const;

 private:
  struct State {
    TrainingPhase phase = TrainingPhase::kStarting;
    double start_unix_seconds = 0;
    double phase_unix_seconds = 0;
    std::vector<ExecutorReport> reports;
    TreeProgress progress;
    int64_t progress_updates = 0;
    std::optional<ModelQuality> quality;
  };
  State Copy() const;

  const std::string job_name_;
  mutable std::mutex mutex_;
  State state_;
};

/// `tad-train` → `tad_train`: a job name as it appears inside a Spark driver metric name.
std::string MetricNamePart(const std::string& text);
/// HTML-escapes text for the status page.
std::string EscapeHtml(const std::string& text);

}  // namespace tad::telemetry
