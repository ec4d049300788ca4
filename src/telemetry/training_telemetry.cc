#include "telemetry/training_telemetry.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/atomic_output.h"
#include "telemetry/executor_report.h"
#include "common/hostname.h"
#include "common/progress.h"
#include "telemetry/process_stats.h"

namespace tad::telemetry {

/// Gathers at every progress point; the driver keeps the result.
class TrainingTelemetry::Observer : public TrainingObserver {
 public:
  Observer(Communicator& communicator, JobMetrics& metrics) : communicator_(communicator), metrics_(metrics) {}

  void OnPhase(TrainingPhase phase) override {
    if (!communicator_.is_driver()) return;
    metrics_.SetPhase(phase);
    phase_ = phase;
    // A line on a terminal while the job loads and trains, so a long run does not look stuck; it
    // is cleared before the results are printed.
    progress_.reset();
    if (phase == TrainingPhase::kLoading || phase == TrainingPhase::kBinning || phase == TrainingPhase::kTraining) {
      progress_ = std::make_unique<ProgressBar>(TrainingPhaseName(phase), 0, "steps", StderrIsTerminal());
    }
  }

  void OnProgress(const ExecutorWork& local_work, const TreeProgress& tree) override {
    last_work_ = local_work;
    last_progress_ = tree;
    if (progress_ && phase_ == TrainingPhase::kTraining) {
      progress_->SetLabel(fmt::format("training: tree {} of {}, level {} of {}", tree.tree_index + 1, tree.trees_total,
                                      tree.level, tree.max_depth));
    }
    if (progress_) progress_->Advance(1);
    Gather();
  }

  /// Collective.
  void Gather() {
    Result<std::vector<ExecutorReport>> reports =
        GatherReports(CollectLocalReport(last_work_, communicator_), communicator_);
    if (!communicator_.is_driver()) return;
    if (!reports.ok()) {
      fmt::print(stderr, "tad[rank 0] telemetry: {}\n", reports.status().message());
      return;
    }
    metrics_.Update(std::move(reports).value(), last_progress_);
  }

 private:
  Communicator& communicator_;
  JobMetrics& metrics_;
  ExecutorWork last_work_;
  TreeProgress last_progress_;
  TrainingPhase phase_ = TrainingPhase::kStarting;
  std::unique_ptr<ProgressBar> progress_;  // the driver's, on a terminal
};

TrainingTelemetry::TrainingTelemetry(const TelemetryOptions& options, Communicator& communicator)
    : options_(options), communicator_(communicator), metrics_(options.job_name) {
  observer_ = std::make_unique<Observer>(communicator_, metrics_);
}

Result<std::unique_ptr<TrainingTelemetry>> TrainingTelemetry::Start(const TelemetryOptions& options,
                                                                    Communicator& communicator) {
  std::unique_ptr<TrainingTelemetry> self(new TrainingTelemetry(options, communicator));
  Status status;
  if (options.port < 0 || options.port > 65535) {
    status = Status::InvalidArgument(fmt::format("--metrics-port {}: expected 0 to 65535", options.port));
  } else if (options.linger_seconds < 0) {
    status = Status::InvalidArgument("--metrics-linger must be 0 or more seconds");
  } else if (!options.pushgateway_url.empty() && options.push_interval_seconds <= 0) {
    status = Status::InvalidArgument("--push-interval must be more than 0 seconds");
  } else if (communicator.is_driver()) {
    if (options.port != 0) {
      // Like Spark's UI: when the port is taken (another job on this host), try the next ones;
      // when all are taken, train without an endpoint rather than not train.
      Status bind_status;
      for (int attempt = 0; attempt <= options.port_retries && options.port + attempt <= 65535; ++attempt) {
        Result<std::unique_ptr<MetricsServer>> server =
            MetricsServer::Start(options.address, options.port + attempt, self->metrics_);
        if (server.ok()) {
          self->server_ = std::move(server).value();
          // Say where: the user who wants to watch the job needs the address, not the default.
          const int port = self->server_->port();
          const std::string moved = attempt > 0 ? fmt::format("port {} is in use; ", options.port) : "";
          fmt::print(stderr, "tad[rank 0] telemetry: {}serving metrics on port {}: http://{}:{}/metrics (status page /)\n",
                     moved, port, Hostname(), port);
          break;
        }
        bind_status = server.status();
      }
      if (!self->server_) {
        fmt::print(stderr, "tad[rank 0] telemetry: {}; training goes on without a metrics endpoint\n",
                   bind_status.message());
      }
    }
    if (status.ok() && !options.pushgateway_url.empty()) {
      // The port actually served (it may have moved from a taken one), so the pushed series and
      // the scraped ones name the same endpoint.
      const std::string instance =
          self->server_ ? fmt::format("{}:{}", Hostname(), self->server_->port()) : Hostname();
      Result<PushgatewayClient> client = PushgatewayClient::Create(options.pushgateway_url, options.job_name, instance);
      if (client.ok()) {
        self->pushgateway_ = std::move(client).value();
      } else {
        status = client.status();
      }
    }
  }
  // The driver's outcome decides for everyone, so no rank is left waiting in a collective.
  std::vector<int64_t> failed = {status.ok() ? 0 : (status.code() == StatusCode::kInvalidArgument ? 1 : 2)};
  communicator.AllReduceMax(failed);
  if (failed[0] != 0) {
    if (!status.ok()) return status;
    return Status(failed[0] == 1 ? Status::InvalidArgument("telemetry options rejected on the driver")
                                 : Status::IoError("the driver could not start telemetry"));
  }
  if (self->pushgateway_) self->pusher_ = std::thread([raw = self.get()] { raw->PushLoop(); });
  return self;
}

TrainingTelemetry::~TrainingTelemetry() {
  StopPusher();
  if (pushgateway_ && !finished_) Push();  // a failed run still leaves its last figures behind
  server_.reset();
}

TrainingObserver* TrainingTelemetry::observer() { return observer_.get(); }

void TrainingTelemetry::RecordQuality(double accuracy, double precision, double recall, double f1) {
  if (communicator_.is_driver()) metrics_.SetQuality(ModelQuality{accuracy, precision, recall, f1});
}

void TrainingTelemetry::Push() {
  const Status status = pushgateway_->Push(metrics_.RenderAll());
  if (!status.ok() && !push_failure_logged_) {
    push_failure_logged_ = true;  // once: a gateway that is down must not flood the log
    fmt::print(stderr, "tad[rank 0] telemetry: {} (training goes on)\n", status.message());
  }
}

void TrainingTelemetry::PushLoop() {
  const auto interval = std::chrono::duration<double>(options_.push_interval_seconds);
  std::unique_lock lock(push_mutex_);
  while (!stopping_) {
    lock.unlock();
    Push();
    lock.lock();
    push_wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

void TrainingTelemetry::StopPusher() {
  {
    std::lock_guard lock(push_mutex_);
    stopping_ = true;
  }
  push_wake_.notify_all();
  if (pusher_.joinable()) pusher_.join();
}

Status TrainingTelemetry::Finish(const std::string& run_dir) {
  observer_->Gather();
  if (!communicator_.is_driver()) return Status::Ok();
  finished_ = true;
  StopPusher();
  Status status;
  if (!run_dir.empty()) {
    const std::filesystem::path path = std::filesystem::path(run_dir) / kMetricsFileName;
    std::error_code error;
    std::filesystem::create_directories(run_dir, error);
    status = WriteFileAtomically(path, metrics_.RenderAll(), true);
  }
  if (pushgateway_) Push();
  if (server_ && options_.linger_seconds > 0) {
    fmt::print(stderr, "tad[rank 0] telemetry: serving metrics on port {} for {} more seconds\n", server_->port(),
               options_.linger_seconds);
    std::this_thread::sleep_for(std::chrono::duration<double>(options_.linger_seconds));
  }
  return status;
}

}  // namespace tad::telemetry
