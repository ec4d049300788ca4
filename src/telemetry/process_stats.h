#pragma once
/// What the operating system says about this process and machine (Linux /proc), for the
/// per-executor CPU and memory series.

#include <cstdint>
#include <string>

namespace tad::telemetry {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system time of this process
  uint64_t resident_bytes = 0;    // VmRSS
  uint64_t resident_anon_bytes = 0;  // RssAnon: heap, stacks, private allocations
  uint64_t resident_file_bytes = 0;  // RssFile + RssShmem: mapped libraries and files
  uint64_t virtual_bytes = 0;     // VmSize
};

/// Reads /proc/self/stat and /proc/self/status; zeros where they cannot be read.
ProcessStats ReadProcessStats();

/// Physical memory of this machine in bytes, and its online cores.
uint64_t MachineMemoryBytes();
int32_t MachineCores();

}  // namespace tad::telemetry
