#pragma once
/// Telemetry of one training job, the entry point for `tad train`: the observer the trainer calls
/// (it gathers every executor's figures to the driver), the driver's HTTP endpoint, periodic and
/// final pushes to a Pushgateway, and the final metrics file in the run folder. Only the driver
/// (rank 0) serves, pushes and writes; every rank must create it and call Finish.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cluster/communicator.h"
#include "common/status.h"
#include "telemetry/http_server.h"
#include "telemetry/job_metrics.h"
#include "telemetry/pushgateway.h"
#include "tree/training_observer.h"

namespace tad::telemetry {

struct TelemetryOptions {
  std::string address = "0.0.0.0";  // --metrics-address
  int port = 4040;                   // --metrics-port; 0 turns the endpoint off
  int port_retries = 16;             // as Spark: port taken → try the next ones, then go on without
  double linger_seconds = 0;         // --metrics-linger: keep serving this long after training
  std::string pushgateway_url;       // --pushgateway: empty for none
  double push_interval_seconds = 5;  // --push-interval
  std::string job_name = "tad-train";
};

/// The file Finish writes into the run folder.
inline constexpr const char* kMetricsFileName = "metrics.prom";

class TrainingTelemetry {
 public:
  /// Collective: every rank calls it; if the driver cannot bind its port (or the Pushgateway URL
  /// is malformed) every rank gets the error.
  static Result<std::unique_ptr<TrainingTelemetry>> Start(const TelemetryOptions& options, Communicator& communicator);
  /// Stops the pusher (after one last push if Finish never ran) and the server.
  ~TrainingTelemetry();
  TrainingTelemetry(const TrainingTelemetry&) = delete;
  TrainingTelemetry& operator=(const TrainingTelemetry&) = delete;

  /// What to hand to the trainer; its OnProgress is collective.
  TrainingObserver* observer();
  /// Driver only (a no-op elsewhere): the model's quality on the test split.
  void RecordQuality(double accuracy, double precision, double recall, double f1);
  /// Collective: a last gather of every executor's figures; then the driver writes
  /// RUN_DIR/metrics.prom (when run_dir is not empty), pushes once more and lingers.
  Status Finish(const std::string& run_dir);

  /// The port served (the driver only; 0 when off).
  int port() const { return server_ ? server_->port() : 0; }
  const JobMetrics& metrics() const { return metrics_; }

 private:
  class Observer;
  TrainingTelemetry(const TelemetryOptions& options, Communicator& communicator);
  void PushLoop();
  void StopPusher();
  void Push();

  TelemetryOptions options_;
  Communicator& communicator_;
  JobMetrics metrics_;
  std::unique_ptr<Observer> observer_;
  std::unique_ptr<MetricsServer> server_;
  std::optional<PushgatewayClient> pushgateway_;
  std::thread pusher_;
  std::mutex push_mutex_;
  std::condition_variable push_wake_;
  bool stopping_ = false;
  bool push_failure_logged_ = false;
  bool finished_ = false;
};

}  // namespace tad::telemetry
