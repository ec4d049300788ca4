#pragma once
/// One executor's figures as it sends them to the driver: a fixed-size record, gathered over the
/// communicator at every progress point.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cluster/communicator.h"
#include "common/status.h"
#include "tree/training_observer.h"

namespace tad::telemetry {

struct ExecutorReport {
  int32_t rank = 0;
  int32_t pid = 0;
  int32_t machine_cores = 0;
  int32_t reserved = 0;
  ExecutorWork work;
  double cpu_seconds = 0;
  uint64_t resident_bytes = 0;
  uint64_t resident_anon_bytes = 0;
  uint64_t resident_file_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t bytes_sent = 0;
  double reduction_wait_seconds = 0;  // seconds inside collectives, waiting for the others included
  uint64_t machine_memory_bytes = 0;
  double unix_seconds = 0;            // when this report was taken
  char host[64] = {};

  std::string host_name() const;
};

/// This process's report now: `work` from the trainer, the rest from /proc and the communicator.
ExecutorReport CollectLocalReport(const ExecutorWork& work, const Communicator& communicator);

std::vector<std::byte> EncodeReport(const ExecutorReport& report);
/// Fails unless `bytes` holds exactly one record.
Result<ExecutorReport> DecodeReport(std::span<const std::byte> bytes);

/// Collective: every rank sends its report; every rank gets all of them, by rank.
Result<std::vector<ExecutorReport>> GatherReports(const ExecutorReport& local, Communicator& communicator);

double UnixSeconds();

}  // namespace tad::telemetry
