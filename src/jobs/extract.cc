#include "jobs/extract.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "capture/capture_files.h"
#include "capture/dissector.h"
#include "capture/flow_tracker.h"
#include "capture/packet_source.h"
#include "common/atomic_output.h"
#include "common/elapsed.h"
#include "common/hash.h"
#include "dataset/parquet_writer.h"
#include "jobs/threads.h"

namespace tad::jobs {
namespace {

namespace fs = std::filesystem;

FlowRules RulesOf(const ExtractOptions& options) {
  return {static_cast<int64_t>(options.idle_timeout_s * 1e9), static_cast<int64_t>(options.active_timeout_s * 1e9),
          options.splt};
}

using InputFile = CaptureFile;

std::vector<InputFile> ListInputs(const fs::path& input) {
  std::error_code ec;
  if (!fs::is_directory(input, ec)) {
    throw Error(Status::InvalidArgument(fmt::format("{}: not a directory", input.string())));
  }
  std::vector<fs::path> categories;
  for (const auto& entry : fs::directory_iterator(input, ec)) {
    if (entry.is_directory()) categories.push_back(entry.path());
  }
  if (ec) throw Error(Status::IoError(fmt::format("{}: {}", input.string(), ec.message())));
  std::sort(categories.begin(), categories.end());
  std::vector<InputFile> files;
  for (const fs::path& dir : categories) {
    for (InputFile& file : ValueOrThrow(ListFilesBelow(dir, input))) {
      file.category = dir.filename().string();
      files.push_back(std::move(file));
    }
  }
  return files;
}

/// Rows of one capture in file order: packet rows, or (--flows) flow rows in the order flows end.
struct RowBatch {
  std::vector<PacketFeatures> packets;
  std::vector<FlowRecord> flows;
  size_t size() const { return packets.size() + flows.size(); }
};
constexpr size_t kBatchRows = 4096;

/// Reads and dissects one capture (the format has been checked already), handing its rows in file
/// order to `emit` a batch at a time. Runs on a reader thread: touches nothing shared but the
/// thread-safe progress bar.
template <typename Emit>
void ReadFile(const InputFile& file, const ExtractOptions& options, FlowTracker& flows, ProgressSink& progress,
              PacketCounts& counts, std::string& warning, Emit&& emit) {
  PacketSource source = ValueOrThrow(PacketSource::Open(file.path.string()));
  flows.Clear();
  const uint64_t file_hash = HashBytes(file.source_file, options.seed);
  const bool sampling = options.sample < 1.0;
  // Sampling keeps a row by its identity: the packet's record number, or the flow's number.
  auto sampled_out = [&](int64_t index) {
    return sampling && UnitInterval(HashCombine(file_hash, static_cast<uint64_t>(index))) >= options.sample;
  };
  std::vector<FlowRecord> ended;
  RawPacket raw;
  PacketFeatures row;
  RowBatch batch;
  auto take_ended = [&] {
    for (FlowRecord& flow : ended) {
      if (!sampled_out(flow.flow_index)) batch.flows.push_back(std::move(flow));
    }
    ended.clear();
  };
  auto emit_if_full = [&](size_t at_least) {
    if (batch.size() < at_least) return;
    emit(std::move(batch));
    batch = RowBatch();
  };
  int64_t index = 0;
  uint64_t pending_bytes = 0;
  uint64_t advanced = 0;
  for (;;) {
    const NextResult next = source.Next(raw);
    if (next == NextResult::kEnd) break;
    if (next == NextResult::kCorrupt) {
      // A block that contradicts itself is bad input like a file that is not a capture.
      if (!options.skip_invalid) throw Error(Status::InvalidData(source.error()));
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
    if ((index & 0xfff) == 0) {
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
    flows.Observe(row, ended);  // flow state advances over every packet, sampled or not
    if (options.flows) {
      if (row.later_fragment) ++counts.later_fragments;
      take_ended();
    } else if (!sampled_out(index)) {
      batch.packets.push_back(row);
    }
    emit_if_full(kBatchRows);
  }
  flows.Finish(ended);
  take_ended();
  emit_if_full(1);
  counts.packets = static_cast<uint64_t>(index);
  if (file.size > advanced) progress.Advance(file.size - advanced);
}

/// Reader threads take the captures in order, each into its own slot; the writer (the calling
/// thread) drains the slots in file order. Files are independent (a flow never crosses files), so
/// each reader has its own flow tracker, and the writer sees the same rows in the same order as
/// with one thread: the dataset does not depend on the thread count. A slot holds at most
/// kMaxQueued batches, so memory stays bounded however far readers run ahead; the writer always
/// drains the lowest unfinished file, so the reader of that file never waits forever.
class ParallelExtract {
 public:
  ParallelExtract(const std::vector<InputFile>& files, const ExtractOptions& options, ProgressSink& progress,
                  int threads)
      : files_(files), options_(options), progress_(progress), slots_(files.size()) {
    for (int i = 0; i < threads; ++i) readers_.emplace_back([this] { ReadLoop(); });
  }
  ~ParallelExtract() {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;  // readers blocked on a full slot (the writer gave up) stop too
    }
    room_.notify_all();
    for (std::thread& reader : readers_) reader.join();
  }
  ParallelExtract(const ParallelExtract&) = delete;
  ParallelExtract& operator=(const ParallelExtract&) = delete;

  /// Hands file `index`'s rows to `row` in order, then returns its counts and warning; rethrows
  /// what ended the reading of that file.
  template <typename OnRow, typename OnFlow>
  PacketCounts Drain(size_t index, std::string& warning, OnRow&& on_row, OnFlow&& on_flow) {
    Slot& slot = slots_[index];
    for (;;) {
      RowBatch batch;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !slot.batches.empty() || slot.done; });
        if (slot.batches.empty()) break;
        batch = std::move(slot.batches.front());
        slot.batches.pop_front();
      }
      room_.notify_all();
      for (const PacketFeatures& row : batch.packets) on_row(row);
      for (const FlowRecord& flow : batch.flows) on_flow(flow);
    }
    if (slot.error) std::rethrow_exception(slot.error);
    warning = std::move(slot.warning);
    return slot.counts;
  }

 private:
  static constexpr size_t kMaxQueued = 8;

  struct Slot {
    std::deque<RowBatch> batches;
    bool done = false;
    PacketCounts counts;
    std::string warning;
    std::exception_ptr error;
  };

  void ReadLoop() {
    FlowTracker flows(RulesOf(options_), options_.flows);
    for (;;) {
      const size_t index = next_file_.fetch_add(1);
      if (index >= files_.size()) return;
      Slot& slot = slots_[index];
      PacketCounts counts;
      std::string warning;
      std::exception_ptr error;
      try {
        ReadFile(files_[index], options_, flows, progress_, counts, warning, [&](RowBatch&& batch) {
          std::unique_lock lock(mutex_);
          room_.wait(lock, [&] { return slot.batches.size() < kMaxQueued || cancelled_; });
          if (cancelled_) throw Error(Status::Cancelled("extract cancelled"));
          slot.batches.push_back(std::move(batch));
          lock.unlock();
          ready_.notify_all();
        });
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        slot.counts = counts;
        slot.warning = std::move(warning);
        slot.error = error;
        slot.done = true;
        if (cancelled_) return;
      }
      ready_.notify_all();
    }
  }

  const std::vector<InputFile>& files_;
  const ExtractOptions& options_;
  ProgressSink& progress_;
  std::vector<Slot> slots_;
  std::atomic<size_t> next_file_{0};
  std::mutex mutex_;
  std::condition_variable ready_;  // a slot got a batch or is done
  std::condition_variable room_;   // a slot has room again, or the run is cancelled
  bool cancelled_ = false;
  std::vector<std::thread> readers_;
};

ExtractSummary RunExtract(const ExtractOptions& options, ProgressSink& progress) {
  if (!(options.sample > 0.0 && options.sample <= 1.0)) {
    throw Error(Status::InvalidArgument(fmt::format("--sample must be in (0, 1], got {}", options.sample)));
  }
  if (!(options.idle_timeout_s > 0) || !(options.active_timeout_s > 0) || options.idle_timeout_s > 1e9 ||
      options.active_timeout_s > 1e9) {
    throw Error(Status::InvalidArgument("--idle-timeout and --active-timeout must be in (0, 1e9] seconds"));
  }
  const auto start = SteadyClock::now();
  std::vector<InputFile> files = ListInputs(options.input_dir);
  if (files.empty()) {
    throw Error(Status::InvalidArgument(fmt::format("{}: no category sub-folders with files", options.input_dir)));
  }

  // Every file is checked before anything is written: a bad one ends the run with no dataset.
  ExtractSummary summary;
  std::vector<SkippedFile> skipped;
  const std::vector<InputFile> captures = ValueOrThrow(KeepCaptures(std::move(files), options.skip_invalid, skipped));
  for (const SkippedFile& file : skipped) {
    progress.Warn("skipped " + file.reason);
    summary.invalid.push_back(file.source_file);
  }
  for (const InputFile& file : captures) summary.bytes += file.size;

  AtomicOutput output = ValueOrThrow(AtomicOutput::Create(options.out_dir, options.overwrite));
  // One DuckDB thread: a parallel partitioned COPY interleaves the rows of its table in whatever
  // order its threads finish, so the same input would not always give the same files. The readers
  // are where the parallelism is.
  // Flushes of two Parquet row groups (DuckDB's 122,880 rows each): the writer's chunks stay small
  // enough to be reused hot from flush to flush, which measured faster than flushes of 2^20 rows.
  // Flow rows are about six times as wide as packet rows: flushes of a sixth as many rows keep the
  // writer's buffered chunks (its memory) about the same size.
  const uint64_t flush_rows = options.flows ? 2 * 122880 / 6 : 2 * 122880;
  auto writer = ValueOrThrow(ParquetDatasetWriter::Create(
      output.temp_path(), options.flows ? FlowColumns(options.splt) : PacketColumns(), flush_rows, 1));
  writer->RecordFlowOptions({options.flows ? FeatureRows::kFlows : FeatureRows::kPackets, options.idle_timeout_s,
                             options.active_timeout_s, options.flows ? options.splt : 0});
  // More readers than files would have nothing to do.
  const int requested = options.threads > 0 ? options.threads : HostCores();
  const int threads = std::max(1, std::min(requested, static_cast<int>(captures.size())));
  progress.Start("extract", summary.bytes, "bytes");
  {
    ParallelExtract readers(captures, options, progress, threads);
    for (size_t i = 0; i < captures.size(); ++i) {
      const InputFile& file = captures[i];
      progress.SetLabel(file.source_file);
      writer->SetSource(file.source_file, file.category);
      CategorySummary& category = summary.categories[file.category];
      ++category.files;
      std::string warning;
      auto append = [&](const auto& row) {
        ThrowIfError(writer->Append(row));
        ++category.rows;
      };
      const PacketCounts counts = readers.Drain(i, warning, append, append);
      // Warnings come out in file order, whichever reader got there first.
      if (!warning.empty()) progress.Warn(warning);
      category.packets += counts.packets;
      summary.counts += counts;
      ++summary.files;
    }
    ThrowIfError(writer->Finish());
  }
  progress.Finish();
  for (const auto& [name, c] : summary.categories) summary.rows += c.rows;
  ThrowIfError(output.Commit());
  summary.seconds = SecondsSince(start);
  return summary;
}

}  // namespace

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

Result<ExtractSummary> Extract(const ExtractOptions& options) {
  ProgressSink& progress = SinkOrNone(options.progress);
  try {
    return RunExtract(options, progress);
  } catch (const Error& e) {
    progress.Finish();
    return e.status();
  } catch (const std::exception& e) {
    progress.Finish();
    return Status::Internal(e.what());
  }
}

}  // namespace tad::jobs
