#include "cluster/collectives.h"

#include <fmt/format.h>

#include <algorithm>

namespace tad {

std::vector<std::string> AllGatherStrings(Communicator& communicator, const std::string& text) {
  const auto all =
      communicator.AllGather(std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  std::vector<std::string> strings;
  strings.reserve(all.size());
  for (const auto& bytes : all) strings.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return strings;
}

Status AgreeOnStatus(Communicator& communicator, const Status& local) {
  // Code as one byte, the host, a NUL, then the message; empty when this rank is fine.
  std::string mine;
  if (!local.ok()) mine = std::string(1, static_cast<char>(local.code())) + Hostname() + '\0' + local.message();
  const auto all = AllGatherStrings(communicator, mine);
  const auto failed = std::count_if(all.begin(), all.end(), [](const std::string& text) { return !text.empty(); });
  for (size_t rank = 0; rank < all.size(); ++rank) {
    if (all[rank].empty()) continue;
    const std::string& text = all[rank];
    const auto code = static_cast<StatusCode>(text[0]);
    const size_t host_end = text.find('\0', 1);
    const std::string host = text.substr(1, host_end - 1);
    const std::string what = text.substr(host_end + 1);
    const std::string message =
        communicator.size() > 1 ? fmt::format("executor {} (host {}): {}", rank, host, what) : what;
    // What every rank refuses is the user's request; what only some refuse is their input.
    const bool everywhere = failed == static_cast<std::ptrdiff_t>(all.size());
    switch (code) {
      case StatusCode::kInvalidArgument:
        return everywhere ? Status::InvalidArgument(message) : Status::InvalidData(message);
      case StatusCode::kIoError: return Status::IoError(message);
      case StatusCode::kNotFound: return Status::NotFound(message);
      case StatusCode::kInternal: return Status::Internal(message);
      default: return Status::InvalidData(message);
    }
  }
  return Status::Ok();
}

}  // namespace tad
