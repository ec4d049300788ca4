#include "telemetry/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "cluster/local_communicator.h"
#include "telemetry/executor_report.h"
#include "telemetry/pushgateway.h"

namespace tad::telemetry {
namespace {

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LocalCommunicator communicator;
    metrics_.SetPhase(TrainingPhase::kTraining);
    metrics_.Update({CollectLocalReport(ExecutorWork{}, communicator)}, TreeProgress{0, 1, 2, 5, 7, 4});
    server_ = ValueOrThrow(MetricsServer::Start("127.0.0.1", 0, metrics_));
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_connection_timeout(2, 0);
    client_->set_read_timeout(5, 0);
  }
  JobMetrics metrics_{"http-job"};
  std::unique_ptr<MetricsServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, ServesEveryEndpointWithTheExpositionContentType) {
  const auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(Contains(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4"));
  EXPECT_TRUE(Contains(metrics->body, "tad_tree_level{job=\"http-job\"} 2\n"));

  for (const char* path : {"/metrics/executors/prometheus", "/metrics/executors/prometheus/"}) {
    const auto executors = client_->Get(path);
    ASSERT_TRUE(executors) << path;
    EXPECT_EQ(executors->status, 200);
    EXPECT_TRUE(Contains(executors->body, "metrics_executor_JVMHeapMemory_bytes{application_id=\"http-job\""));
  }
  const auto driver = client_->Get("/metrics/prometheus/");
  ASSERT_TRUE(driver);
  EXPECT_EQ(driver->status, 200);
  EXPECT_TRUE(Contains(driver->body, "metrics_spark_http_job_driver_jvm_heap_used_Value{type=\"gauges\"} "));

  const auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(Contains(page->get_header_value("Content-Type"), "text/html"));
  EXPECT_TRUE(Contains(page->body, "http-equiv=\"refresh\""));
  EXPECT_TRUE(Contains(page->body, "<strong id=\"phase\">training</strong>"));

  const auto missing = client_->Get("/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpServerTest, AnswersOtherMethodsWith405) {
  const auto post = client_->Post("/metrics", "x=1", "application/x-www-form-urlencoded");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  const auto put = client_->Put("/metrics", "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  const auto del = client_->Delete("/");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
}

// Sends raw bytes and returns what comes back (empty if the server just closed the connection).
std::string RawExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "connect failed";
  }
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) reply.append(buffer, static_cast<size_t>(n));
  close(fd);
  return reply;
}

TEST_F(HttpServerTest, RejectsOversizedRequestsAndKeepsServing) {
  const std::string long_uri = "GET /metrics?" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string reply = RawExchange(server_->port(), long_uri);
  EXPECT_FALSE(Contains(reply, "200 OK")) << reply.substr(0, 200);
  const std::string huge_header =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + std::string(100000, 'b') + "\r\n\r\n";
  EXPECT_FALSE(Contains(RawExchange(server_->port(), huge_header), "200 OK"));
  const std::string with_body =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n" +
      std::string(100000, 'c');
  EXPECT_TRUE(Contains(RawExchange(server_->port(), with_body), "413"));
  // Still serving afterwards.
  const auto after = client_->Get("/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, ASilentClientIsDroppedByTheReadTimeout) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  timeval timeout{15, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const auto start = std::chrono::steady_clock::now();
  char byte;
  const ssize_t n = recv(fd, &byte, 1, 0);  // the server closes after its 5 s read timeout
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  EXPECT_LE(n, 0);
  EXPECT_LT(waited, 10.0);
}

TEST(PushgatewayTest, BuildsTheGroupingKeyPath) {
  const auto client = PushgatewayClient::Create("http://127.0.0.1:9091/", "tad train", "host:4040");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->path(), "/metrics/job/tad%20train/instance/host%3A4040");
  const auto prefixed = PushgatewayClient::Create("http://gw:80/push", "j", "i");
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->path(), "/push/metrics/job/j/instance/i");
  EXPECT_FALSE(PushgatewayClient::Create("https://gw", "j", "i").ok());
  EXPECT_FALSE(PushgatewayClient::Create("http://", "j", "i").ok());
}

TEST(PushgatewayTest, PutsTheTextAndReportsFailures) {
  httplib::Server gateway;
  std::mutex mutex;
  std::string method;
  std::string path;
  std::string body;
  gateway.Put(R"(/metrics/job/.*)", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex);
    method = request.method;
    path = request.path;
    body = request.body;
    response.status = 200;
  });
  const int port = gateway.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { gateway.listen_after_bind(); });
  const auto client = PushgatewayClient::Create("http://127.0.0.1:" + std::to_string(port), "j", "i");
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(client->Push("tad_x 1\n").ok());
  gateway.stop();
  thread.join();
  EXPECT_EQ(method, "PUT");
  EXPECT_EQ(path, "/metrics/job/j/instance/i");
  EXPECT_EQ(body, "tad_x 1\n");
  // Nobody listening any more: an error, quickly.
  EXPECT_FALSE(client->Push("tad_x 1\n").ok());
}

}  // namespace
}  // namespace tad::telemetry
