#include "telemetry/executor_report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <type_traits>

#include "common/hostname.h"
#include "telemetry/process_stats.h"

namespace tad::telemetry {

static_assert(std::is_trivially_copyable_v<ExecutorReport>, "sent as raw bytes between ranks of one build");

std::string ExecutorReport::host_name() const { return std::string(host, strnlen(host, sizeof(host))); }

double UnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ExecutorReport CollectLocalReport(const ExecutorWork& work, const Communicator& communicator) {
  ExecutorReport report;
  report.rank = communicator.rank();
  report.pid = static_cast<int32_t>(getpid());
  report.machine_cores = MachineCores();
  report.work = work;
  const ProcessStats stats = ReadProcessStats();
  report.cpu_seconds = stats.cpu_seconds;
  report.resident_bytes = stats.resident_bytes;
  report.resident_anon_bytes = stats.resident_anon_bytes;
  report.resident_file_bytes = stats.resident_file_bytes;
  report.virtual_bytes = stats.virtual_bytes;
  report.bytes_sent = communicator.bytes_sent();
  report.reduction_wait_seconds = communicator.seconds_in_collectives();
  report.machine_memory_bytes = MachineMemoryBytes();
  report.unix_seconds = UnixSeconds();
  const std::string host = Hostname();
  std::memcpy(report.host, host.data(), std::min(host.size(), sizeof(report.host) - 1));
  return report;
}

std::vector<std::byte> EncodeReport(const ExecutorReport& report) {
  std::vector<std::byte> bytes(sizeof(ExecutorReport));
  std::memcpy(bytes.data(), &report, sizeof(ExecutorReport));
  return bytes;
}

Result<ExecutorReport> DecodeReport(std::span<const std::byte> bytes) {
  if (bytes.size() != sizeof(ExecutorReport)) {
    return Status::InvalidData(
        fmt::format("executor report of {} bytes, expected {}", bytes.size(), sizeof(ExecutorReport)));
  }
  ExecutorReport report;
  std::memcpy(&report, bytes.data(), sizeof(ExecutorReport));
  report.host[sizeof(report.host) - 1] = '\0';
  return report;
}

Result<std::vector<ExecutorReport>> GatherReports(const ExecutorReport& local, Communicator& communicator) {
  const std::vector<std::byte> mine = EncodeReport(local);
  const auto all = communicator.AllGather(mine);
  std::vector<ExecutorReport> reports;
  reports.reserve(all.size());
  for (size_t r = 0; r < all.size(); ++r) {
    Result<ExecutorReport> report = DecodeReport(all[r]);
    if (!report.ok()) return report.status().WithContext(fmt::format("from executor {}", r));
    reports.push_back(*report);
  }
  return reports;
}

}  // namespace tad::telemetry
