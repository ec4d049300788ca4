#pragma once
/// The driver's HTTP endpoint, on its own thread: GET only (anything else gets 405), bounded
/// requests (8 KiB of headers, no body), read/write timeouts and a pool of two worker threads, so
/// that scrapers, however many, cannot slow training down.
///
///   /                               status page (job, phase, executors, progress)
///   /metrics                        tad_* metrics
///   /metrics/executors/prometheus   Spark executor metric names (docs/metrics.md)
///   /metrics/prometheus/            Spark driver metric names

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "telemetry/job_metrics.h"
#include "telemetry/metrics.h"

namespace httplib {
class Server;
}

namespace tad::telemetry {

class MetricsServer {
 public:
  /// Binds `address:port` (port 0: any free port, see port()) and starts serving `metrics`, which
  /// must outlive the server.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address, int port, const JobMetrics& metrics);
  /// Serves `registry` (which must outlive the server) at /metrics alone: `tad classify --interface`.
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& address, int port, const Registry& registry);
  ~MetricsServer();  // stops serving and joins the thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }

 private:
  MetricsServer() = default;
  /// Binds and starts the server thread with the routes `add_routes` declares.
  static Result<std::unique_ptr<MetricsServer>> Listen(const std::string& address, int port,
                                                       const std::function<void(httplib::Server&)>& add_routes);
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tad::telemetry
