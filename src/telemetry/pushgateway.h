#pragma once
/// Pushes metrics text to a Prometheus Pushgateway: PUT /metrics/job/<job>/instance/<instance>
/// (the group is replaced each time), with short timeouts so a slow gateway cannot stall training.

#include <string>

#include "common/status.h"

namespace tad::telemetry {

class PushgatewayClient {
 public:
  /// `url`: http://host:port, optionally with a path prefix. Fails on anything else.
  static Result<PushgatewayClient> Create(const std::string& url, const std::string& job, const std::string& instance);

  Status Push(const std::string& text) const;
  /// The request path, e.g. /metrics/job/tad-train/instance/host-4040.
  const std::string& path() const { return path_; }

 private:
  std::string origin_;  // scheme://host:port
  std::string path_;
};

/// Percent-encodes a grouping-key value for the URL path.
std::string EncodePathSegment(const std::string& text);

}  // namespace tad::telemetry
