#pragma once
/// Reading captures on several threads, shared by `tad extract` and `tad classify`: one capture
/// dissected in file order (DissectCapture), optionally on a thread of its own a few thousand
/// packets ahead of the caller's work on each packet (DissectCaptureAhead), and captures processed
/// in parallel with their results taken in file order (ProcessInFileOrder).

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "capture/capture_files.h"
#include "capture/dissector.h"
#include "capture/packet_source.h"
#include "common/status.h"
#include "jobs/progress.h"

namespace tad::jobs {

/// Packet counts, of one capture or summed over many.
struct PacketCounts {
  uint64_t packets = 0;
  uint64_t ip_packets = 0;
  uint64_t non_ip = 0;
  uint64_t unsupported_link = 0;
  uint64_t malformed = 0;
  uint64_t truncated_transport = 0;
  uint64_t truncated_files = 0;
  uint64_t later_fragments = 0;  // flows: fragments without a transport header, in no flow
  PacketCounts& operator+=(const PacketCounts& other);
};

/// Reads and dissects one capture (the format has been checked already), handing the features of
/// each IP packet to `on_packet` in file order (index, time and length set; the flow columns not
/// yet) and counting the records that give none. A corrupt block is an InvalidData error unless
/// `skip_invalid`; then, as for a capture cut short, the records before it are kept and `warning`
/// says so.
template <typename OnPacket>
void DissectCapture(const CaptureFile& file, bool skip_invalid, ProgressSink& progress, PacketCounts& counts,
                    std::string& warning, OnPacket&& on_packet) {
  PacketSource source = ValueOrThrow(PacketSource::Open(file.path.string()));
  RawPacket raw;
  PacketFeatures row;
  int64_t index = 0;
  uint64_t pending_bytes = 0;
  uint64_t advanced = 0;
  for (;;) {
    const NextResult next = source.Next(raw);
    if (next == NextResult::kEnd) break;
    if (next == NextResult::kCorrupt) {
      // A block that contradicts itself is bad input like a file that is not a capture.
      if (!skip_invalid) throw Error(Status::InvalidData(source.error()));
      ++counts.truncated_files;
      warning = fmt::format("{} (kept the {} complete records before it)", source.error(), index);
      break;
    }
    if (next == NextResult::kTruncated) {
      ++counts.malformed;
      ++counts.truncated_files;
      warning = fmt::format("{}: {} (kept the {} complete records before it)", file.source_file, source.error(),
                            index);
      break;
    }
    ++index;
    pending_bytes += raw.bytes.size() + 16;
    if ((index & 0xffff) == 0) {
      progress.Advance(pending_bytes);
      advanced += pending_bytes;
      pending_bytes = 0;
    }
    bool transport_truncated = false;
    const DissectResult result = Dissect(raw.bytes, raw.wire_len, raw.link_type, row, transport_truncated);
    if (result != DissectResult::kOk) {
      if (result == DissectResult::kNotIp) ++counts.non_ip;
      if (result == DissectResult::kUnsupportedLink) ++counts.unsupported_link;
      if (result == DissectResult::kMalformed) ++counts.malformed;
      continue;
    }
    if (transport_truncated) ++counts.truncated_transport;
    ++counts.ip_packets;
    row.packet_index = index;
    row.timestamp_ns = raw.timestamp_ns;
    row.frame_len = static_cast<int32_t>(raw.wire_len);
    on_packet(row);
  }
  counts.packets = static_cast<uint64_t>(index);
  if (file.size > advanced) progress.Advance(file.size - advanced);
}

/// DissectCapture on a thread of its own, a few thousand packets ahead of `on_packet`, which runs
/// on the calling thread in the same order: the two halves of one capture's work (reading and
/// dissecting; what the caller does with each packet) on two cores when there are fewer captures
/// than threads. `counts` and `warning` belong to the dissecting thread until this returns.
template <typename OnPacket>
void DissectCaptureAhead(const CaptureFile& file, bool skip_invalid, ProgressSink& progress, PacketCounts& counts,
                         std::string& warning, OnPacket&& on_packet) {
  constexpr size_t kBatch = 4096;
  constexpr size_t kAhead = 4;  // batches
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::vector<PacketFeatures>> ready;
  std::vector<std::vector<PacketFeatures>> spare;
  bool done = false;
  bool stop = false;  // the consumer failed
  std::exception_ptr error;
  std::thread dissector([&] {
    std::vector<PacketFeatures> batch;
    auto hand_on = [&] {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return ready.size() < kAhead || stop; });
      if (stop) throw Error(Status::Cancelled("reading the capture was cancelled"));
      ready.push_back(std::move(batch));
      batch = spare.empty() ? std::vector<PacketFeatures>() : std::move(spare.back());
      if (!spare.empty()) spare.pop_back();
      batch.clear();
      changed.notify_all();
    };
    try {
      DissectCapture(file, skip_invalid, progress, counts, warning, [&](const PacketFeatures& row) {
        batch.push_back(row);
        if (batch.size() == kBatch) hand_on();
      });
      if (!batch.empty()) hand_on();
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex);
    done = true;
    changed.notify_all();
  });
  try {
    for (;;) {
      std::vector<PacketFeatures> batch;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !ready.empty() || done; });
        if (ready.empty()) break;
        batch = std::move(ready.front());
        ready.pop_front();
        changed.notify_all();
      }
      for (PacketFeatures& row : batch) on_packet(row);
      std::lock_guard lock(mutex);
      spare.push_back(std::move(batch));
    }
  } catch (...) {
    {
      std::lock_guard lock(mutex);
      stop = true;
      changed.notify_all();
    }
    dissector.join();
    throw;
  }
  dissector.join();
  if (error) std::rethrow_exception(error);
}

/// Runs `process(index, worker)` for every index in [0, count) on `threads` worker threads
/// (`worker` in [0, threads): state a worker keeps from one index to the next), taking indexes in
/// order, and `take(index)` on the calling thread for each index in order, once its process has
/// returned: results in file order whatever the thread count. At most 2 * `threads` indexes are
/// processed and not yet taken, which bounds the results held. An exception from process(i)
/// starts no index after i; every index before it is still taken, then it is rethrown: the same
/// input always gives the same error. An exception from `take` is rethrown once the workers have
/// finished what they were doing.
void ProcessInFileOrder(size_t count, int threads, const std::function<void(size_t index, int worker)>& process,
                        const std::function<void(size_t index)>& take);

}  // namespace tad::jobs
