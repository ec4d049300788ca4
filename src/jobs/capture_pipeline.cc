#include "jobs/capture_pipeline.h"

#include <algorithm>
#include <cstdint>

namespace tad::jobs {

PacketCounts& PacketCounts::operator+=(const PacketCounts& other) {
  packets += other.packets;
  ip_packets += other.ip_packets;
  non_ip += other.non_ip;
  unsupported_link += other.unsupported_link;
  malformed += other.malformed;
  truncated_transport += other.truncated_transport;
  truncated_files += other.truncated_files;
  later_fragments += other.later_fragments;
  return *this;
}

void ProcessInFileOrder(size_t count, int threads, const std::function<void(size_t index, int worker)>& process,
                        const std::function<void(size_t index)>& take) {
  const size_t window = 2 * static_cast<size_t>(std::max(1, threads));
  std::mutex mutex;
  std::condition_variable changed;  // an index was processed or taken, or the run stops
  std::vector<bool> processed(count, false);
  std::vector<std::exception_ptr> errors(count);
  size_t next = 0;                // the next index to process
  size_t taken = 0;               // indexes taken so far
  size_t stop_after = SIZE_MAX;   // the first index that failed: none after it is started
  bool cancelled = false;         // `take` failed
  auto work = [&](int worker) {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return cancelled || next >= count || next > stop_after || next < taken + window; });
      if (cancelled || next >= count || next > stop_after) return;
      const size_t index = next++;
      lock.unlock();
      std::exception_ptr error;
      try {
        process(index, worker);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error) {
        errors[index] = error;
        stop_after = std::min(stop_after, index);
      }
      processed[index] = true;
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (int worker = 0; worker < std::max(1, threads); ++worker) workers.emplace_back(work, worker);
  std::exception_ptr failure;
  try {
    std::unique_lock lock(mutex);
    // Every index before the first that failed has been started, so each one waited for comes.
    while (taken < count) {
      changed.wait(lock, [&] { return processed[taken]; });
      if (errors[taken]) {
        failure = errors[taken];
        break;
      }
      lock.unlock();
      take(taken);
      lock.lock();
      ++taken;
      changed.notify_all();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  {
    std::lock_guard lock(mutex);
    cancelled = true;
    changed.notify_all();
  }
  for (std::thread& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace tad::jobs
