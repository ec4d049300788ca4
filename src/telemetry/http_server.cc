#include "telemetry/http_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <exception>

namespace tad::telemetry {
namespace {

constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";
constexpr size_t kMaxBody = 0;  // GET requests carry no body

// Exceptions end at the HTTP boundary as a 500 with one line; training never sees them.
template <typename Render>
httplib::Server::Handler Serve(Render render, const char* content_type) {
  return [render, content_type](const httplib::Request&, httplib::Response& response) {
    try {
      response.set_content(render(), content_type);
    } catch (const std::exception& e) {
      response.status = 500;
      response.set_content(fmt::format("error: {}\n", e.what()), "text/plain");
    }
  };
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address, int port,
                                                           const JobMetrics& metrics) {
  const JobMetrics* m = &metrics;
  return Listen(address, port, [m](httplib::Server& server) {
    server.Get("/", Serve([m] { return m->RenderStatusPage(); }, "text/html; charset=utf-8"));
    server.Get("/metrics", Serve([m] { return m->RenderTad(); }, kExpositionType));
    server.Get("/metrics/", Serve([m] { return m->RenderTad(); }, kExpositionType));
    server.Get(R"(/metrics/executors/prometheus/?)", Serve([m] { return m->RenderSparkExecutors(); }, kExpositionType));
    server.Get(R"(/metrics/prometheus/?)", Serve([m] { return m->RenderSparkDriver(); }, kExpositionType));
  });
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address, int port,
                                                           const Registry& registry) {
  const Registry* r = &registry;
  return Listen(address, port, [r](httplib::Server& server) {
    server.Get(R"(/metrics/?)", Serve([r] { return r->Render(); }, kExpositionType));
  });
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Listen(const std::string& address, int port,
                                                            const std::function<void(httplib::Server&)>& add_routes) {
  std::unique_ptr<MetricsServer> self(new MetricsServer());
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server->set_read_timeout(5, 0);
  server->set_write_timeout(5, 0);
  // One request per connection: a kept-alive connection holds its worker while it idles, and
  // Prometheus keeps one open per scrape job (tad, spark, spark-exec: three), so with keep-alive two
  // of them held both workers and the third job's scrapes all timed out (prometheus_test.sh).
  server->set_keep_alive_max_count(1);
  server->set_payload_max_length(kMaxBody);
  // httplib's default also sets SO_REUSEPORT, which would let a second job bind the same port and
  // steal half the scrapes; keep SO_REUSEADDR only (restarts within TIME_WAIT).
  server->set_socket_options([](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.set_header("Allow", "GET, HEAD");
      response.set_content("only GET is served here\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool has_body = (request.has_header("Content-Length") && request.get_header_value("Content-Length") != "0") ||
                          request.has_header("Transfer-Encoding");
    if (has_body) {
      response.status = 413;
      response.set_header("Connection", "close");
      response.set_content("requests here carry no body\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  add_routes(*server);

  int bound = 0;
  if (port == 0) {
    bound = server->bind_to_any_port(address);
  } else {
    bound = server->bind_to_port(address, port) ? port : -1;
  }
  if (bound <= 0) {
    return Status::IoError(fmt::format("cannot serve metrics on {}:{}: the address is in use or not ours (pass "
                                       "--metrics-port 0 to turn the endpoint off)",
                                       address, port));
  }
  self->port_ = bound;
  httplib::Server* raw = server.get();
  self->server_ = std::move(server);
  self->thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() before the accept loop runs would be lost (and the destructor would wait forever).
  for (int i = 0; i < 5000 && !raw->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return self;
}

MetricsServer::~MetricsServer() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tad::telemetry
