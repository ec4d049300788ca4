#include "telemetry/pushgateway.h"

#include <fmt/format.h>
#include <httplib.h>

namespace tad::telemetry {

std::string EncodePathSegment(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.' || c == '~';
    out += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  return out;
}

Result<PushgatewayClient> PushgatewayClient::Create(const std::string& url, const std::string& job,
                                                    const std::string& instance) {
  if (!url.starts_with("http://")) {
    return Status::InvalidArgument(fmt::format("--pushgateway {}: expected http://HOST:PORT", url));
  }
  const size_t slash = url.find('/', 7);
  PushgatewayClient client;
  client.origin_ = url.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (client.origin_.size() <= 7) return Status::InvalidArgument(fmt::format("--pushgateway {}: no host", url));
  if (job.empty()) return Status::InvalidArgument("the Pushgateway needs a job name");
  client.path_ = fmt::format("{}/metrics/job/{}/instance/{}", prefix, EncodePathSegment(job),
                             EncodePathSegment(instance.empty() ? "unknown" : instance));
  return client;
}

Status PushgatewayClient::Push(const std::string& text) const {
  httplib::Client client(origin_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  client.set_write_timeout(5, 0);
  const auto response = client.Put(path_.c_str(), text, "text/plain; version=0.0.4");
  if (!response) {
    return Status::IoError(
        fmt::format("pushing metrics to {}{}: {}", origin_, path_, httplib::to_string(response.error())));
  }
  if (response->status / 100 != 2) {
    return Status::IoError(fmt::format("pushing metrics to {}{}: HTTP {} {}", origin_, path_, response->status,
                                       response->body.substr(0, 200)));
  }
  return Status::Ok();
}

}  // namespace tad::telemetry
