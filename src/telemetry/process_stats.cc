#include "telemetry/process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tad::telemetry {
namespace {

// "VmRSS:	  12345 kB" → bytes.
uint64_t StatusKilobytes(const std::string& text, const std::string& key) {
  const size_t at = text.find("\n" + key + ":");
  if (at == std::string::npos) return 0;
  std::istringstream line(text.substr(at + key.size() + 2, 64));
  uint64_t kilobytes = 0;
  line >> kilobytes;
  return kilobytes * 1024;
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    uint64_t utime = 0;
    uint64_t stime = 0;
    // state(3) ... utime is field 14, stime 15 (1-based over the whole line).
    for (int index = 3; index <= 15 && fields >> field; ++index) {
      if (index == 14) utime = std::stoull(field);
      if (index == 15) stime = std::stoull(field);
    }
    const long ticks = sysconf(_SC_CLK_TCK);
    if (ticks > 0) stats.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks);
  }
  std::ifstream status_file("/proc/self/status");
  const std::string status =
      "\n" + std::string((std::istreambuf_iterator<char>(status_file)), std::istreambuf_iterator<char>());
  stats.resident_bytes = StatusKilobytes(status, "VmRSS");
  stats.virtual_bytes = StatusKilobytes(status, "VmSize");
  stats.resident_anon_bytes = StatusKilobytes(status, "RssAnon");
  stats.resident_file_bytes = StatusKilobytes(status, "RssFile") + StatusKilobytes(status, "RssShmem");
  return stats;
}

uint64_t MachineMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) : 0;
}

int32_t MachineCores() {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int32_t>(cores) : 1;
}

}  // namespace tad::telemetry
