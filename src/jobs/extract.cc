#include "jobs/extract.h"

#include <algorithm>
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
#include "capture/flow_tracker.h"
#include "common/atomic_output.h"
#include "common/elapsed.h"
#include "common/hash.h"
#include "dataset/parquet_writer.h"
#include "jobs/capture_pipeline.h"
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

/// Rows per Parquet file: a capture's rows go to files of this many rows each (the last one
/// fewer), so that several threads encode the files of one capture at once, while what each file
/// holds depends only on the capture. One of DuckDB's row groups (122,880 rows) for packet rows:
/// the encoding of the file queued last is what runs on one core after the capture has been read,
/// so the smaller the files, the shorter that tail (two row groups per file doubled it). Flow
/// rows are about six times as wide; 40,960 of them (a sixth of two row groups) keep a file's
/// chunks (the memory of a file being filled) about the size of 245,760 packet rows'.
constexpr uint64_t kPacketRowsPerFile = 122880;
constexpr uint64_t kFlowRowsPerFile = 40960;

/// Reads one capture, appending its rows in file order to `rows` (packet rows, or with --flows flow
/// rows in the order flows end) and calling `file_full` whenever `rows` holds `rows_per_file` of
/// them; `dissect_ahead`: with DissectCaptureAhead. Touches nothing shared but the thread-safe
/// progress bar.
template <typename FileFull>
void ReadFile(const InputFile& file, const ExtractOptions& options, bool dissect_ahead, FlowTracker& flows,
              ProgressSink& progress, PacketCounts& counts, std::string& warning, ParquetRows*& rows,
              uint64_t rows_per_file, FileFull&& file_full) {
  flows.Clear();
  const uint64_t file_hash = HashBytes(file.source_file, options.seed);
  const bool sampling = options.sample < 1.0;
  // Sampling keeps a row by its identity: the packet's record number, or the flow's number.
  auto sampled_out = [&](int64_t index) {
    return sampling && UnitInterval(HashCombine(file_hash, static_cast<uint64_t>(index))) >= options.sample;
  };
  auto end_row = [&] {
    if (rows->size() == rows_per_file) file_full();
  };
  std::vector<FlowRecord> ended;
  auto take_ended = [&] {
    for (const FlowRecord& flow : ended) {
      if (sampled_out(flow.flow_index)) continue;
      rows->Append(flow);
      end_row();
    }
    ended.clear();
  };
  uint64_t later_fragments = 0;  // counted here: `counts` belongs to the dissecting thread
  auto on_packet = [&](PacketFeatures& row) {
    flows.Observe(row, ended);  // flow state advances over every packet, sampled or not
    if (options.flows) {
      if (row.later_fragment) ++later_fragments;
      if (!ended.empty()) take_ended();
    } else if (!sampled_out(row.packet_index)) {
      rows->Append(row);
      end_row();
    }
  };
  if (dissect_ahead) {
    DissectCaptureAhead(file, options.skip_invalid, progress, counts, warning, on_packet);
  } else {
    DissectCapture(file, options.skip_invalid, progress, counts, warning, on_packet);
  }
  flows.Finish(ended);
  take_ended();
  counts.later_fragments += later_fragments;
}

/// The readers and Parquet writers of one run, on `threads` threads. A thread takes the next
/// capture and reads it, filling ParquetRows; every `rows_per_file` rows it queues them as one
/// Parquet file (part-FFFFF-PPPPP.parquet: capture number F in the sorted input, part P within
/// it) and goes on with rows from a pool. Any thread writes queued files before it starts
/// another capture, and a reader that finds the pool empty writes queued files itself, so at most
/// threads + 1 files are in memory at once. Each thread has its own flow tracker and DuckDB
/// writer (made when it writes its first file). Files are independent (a flow never crosses
/// files) and every Parquet file's name and rows depend only on the input, so the dataset is the
/// same for any thread count.
class ParallelExtract {
 public:
  ParallelExtract(const std::vector<InputFile>& files, const ExtractOptions& options, ProgressSink& progress,
                  const fs::path& out_dir, int threads)
      : files_(files),
        options_(options),
        progress_(progress),
        out_dir_(out_dir),
        columns_(options.flows ? FlowColumns(options.splt) : PacketColumns()),
        rows_per_file_(options.rows_per_file > 0 ? options.rows_per_file
                                                : (options.flows ? kFlowRowsPerFile : kPacketRowsPerFile)),
        results_(files.size()),
        max_buffers_(static_cast<size_t>(threads) + 1),
        dissect_ahead_(static_cast<size_t>(threads) > files.size()) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~ParallelExtract() { Join(); }
  ParallelExtract(const ParallelExtract&) = delete;
  ParallelExtract& operator=(const ParallelExtract&) = delete;

  struct FileResult {
    PacketCounts counts;
    uint64_t rows = 0;
    std::string warning;
    std::exception_ptr error;
  };

  /// Waits for every file; then each file's result, in file order. Rethrows the error of the
  /// first file (in file order) that failed: no file before it was left unread, whatever the
  /// thread count, so the same input always gives the same error.
  const std::vector<FileResult>& Finish() {
    Join();
    for (const FileResult& result : results_) {
      if (result.error) std::rethrow_exception(result.error);
    }
    return results_;
  }

 private:
  struct Part {
    std::unique_ptr<ParquetRows> rows;
    fs::path path;
    size_t file = 0;
  };

  void Join() {
    for (std::thread& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

  /// Records an error of file `index`: files after it are not started (their results would not
  /// be used).
  void Fail(size_t index, std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    if (!results_[index].error) results_[index].error = error;
    stop_after_ = std::min(stop_after_, index);
    changed_.notify_all();
  }

  /// Writes `rows` to `path` with the calling thread's writer, made at its first file: each thread
  /// starts its DuckDB while the captures are already being read, not one after another before.
  Status Write(std::unique_ptr<ParquetFileWriter>& writer, ParquetRows& rows, const fs::path& path) {
    if (!writer) {
      auto created = ParquetFileWriter::Create(columns_);
      if (!created.ok()) return created.status();
      writer = std::move(created).value();
      writer->RecordFlowOptions({options_.flows ? FeatureRows::kFlows : FeatureRows::kPackets,
                                 options_.idle_timeout_s, options_.active_timeout_s,
                                 options_.flows ? options_.splt : 0});
    }
    return writer->Write(rows, path);
  }

  /// Writes one queued file (the caller holds `lock`, which is released while writing).
  void WriteQueued(std::unique_lock<std::mutex>& lock, std::unique_ptr<ParquetFileWriter>& writer) {
    Part part = std::move(queue_.front());
    queue_.pop_front();
    const bool skip = part.file > stop_after_;
    lock.unlock();
    Status written = skip ? Status::Ok() : Write(writer, *part.rows, part.path);
    lock.lock();
    if (!written.ok()) {
      lock.unlock();
      Fail(part.file, std::make_exception_ptr(Error(std::move(written))));
      lock.lock();
    }
    free_.push_back(std::move(part.rows));
    changed_.notify_all();
  }

  /// A ParquetRows for the next file's rows: from the pool, a new one while fewer than
  /// max_buffers_ exist, else after writing queued files until one comes back.
  std::unique_ptr<ParquetRows> TakeRows(std::unique_lock<std::mutex>& lock,
                                        std::unique_ptr<ParquetFileWriter>& writer) {
    for (;;) {
      if (!free_.empty()) {
        std::unique_ptr<ParquetRows> rows = std::move(free_.back());
        free_.pop_back();
        return rows;
      }
      if (buffers_ < max_buffers_) {
        ++buffers_;
        return std::make_unique<ParquetRows>(columns_);
      }
      if (!queue_.empty()) {
        WriteQueued(lock, writer);
      } else {
        changed_.wait(lock);
      }
    }
  }

  void Work() {
    FlowTracker flows(RulesOf(options_), options_.flows);
    std::unique_ptr<ParquetFileWriter> writer;
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!queue_.empty()) {
        WriteQueued(lock, writer);
        continue;
      }
      if (next_file_ < files_.size() && next_file_ <= stop_after_) {
        const size_t index = next_file_++;
        ++reading_;
        Read(index, flows, writer, lock);
        --reading_;
        changed_.notify_all();
        continue;
      }
      if (reading_ == 0) return;
      changed_.wait(lock);
    }
  }

  /// Reads file `index` (the caller holds `lock`; it is released while reading).
  void Read(size_t index, FlowTracker& flows, std::unique_ptr<ParquetFileWriter>& writer,
            std::unique_lock<std::mutex>& lock) {
    const InputFile& file = files_[index];
    const fs::path folder = out_dir_ / HivePartitionFolder("category", file.category);
    size_t part = 0;
    std::unique_ptr<ParquetRows> rows = TakeRows(lock, writer);
    lock.unlock();
    progress_.SetLabel(file.source_file);
    rows->Reset(file.source_file);
    ParquetRows* filling = rows.get();
    FileResult result;
    auto queue_rows = [&] {
      std::unique_lock queue_lock(mutex_);
      if (index > stop_after_) throw Error(Status::Cancelled("an earlier capture failed"));
      result.rows += rows->size();
      queue_.push_back({std::move(rows), folder / fmt::format("part-{:05d}-{:05d}.parquet", index, part++), index});
      changed_.notify_all();
      rows = TakeRows(queue_lock, writer);
      queue_lock.unlock();
      rows->Reset(file.source_file);
      filling = rows.get();
    };
    try {
      ReadFile(file, options_, dissect_ahead_, flows, progress_, result.counts, result.warning, filling, rows_per_file_,
               queue_rows);
      if (rows->size() > 0) queue_rows();
    } catch (...) {
      lock.lock();
      if (rows) free_.push_back(std::move(rows));
      lock.unlock();
      Fail(index, std::current_exception());
      lock.lock();
      return;
    }
    lock.lock();
    free_.push_back(std::move(rows));
    result.error = results_[index].error;  // a write of one of its files may have failed
    results_[index] = std::move(result);
  }

  const std::vector<InputFile>& files_;
  const ExtractOptions& options_;
  ProgressSink& progress_;
  const fs::path out_dir_;
  const std::vector<ColumnSpec> columns_;
  const uint64_t rows_per_file_;
  std::vector<FileResult> results_;
  const size_t max_buffers_;
  const bool dissect_ahead_;  // more threads than captures: each capture's reading takes two
  std::mutex mutex_;
  std::condition_variable changed_;  // a file was queued or written, a reader ended, a file failed
  std::deque<Part> queue_;           // files waiting to be written
  std::vector<std::unique_ptr<ParquetRows>> free_;
  size_t buffers_ = 0;  // ParquetRows made so far
  size_t next_file_ = 0;
  size_t reading_ = 0;
  size_t stop_after_ = SIZE_MAX;  // no file after this one is started
  std::vector<std::thread> workers_;
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
  // Every category folder is made here, before the threads start, and never by them: a signal
  // handler that removes the temporary while threads still write files then leaves nothing, as a
  // thread's next file fails to open instead of making its folder again.
  for (const InputFile& file : captures) {
    const fs::path folder = output.temp_path() / HivePartitionFolder("category", file.category);
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw Error(Status::IoError(fmt::format("{}: {}", folder.string(), ec.message())));
  }
  // More threads than files still help: the files of one capture are written in parallel.
  const int threads = options.threads > 0 ? options.threads : HostCores();
  progress.Start("extract", summary.bytes, "bytes");
  {
    ParallelExtract run(captures, options, progress, output.temp_path(), threads);
    const auto& results = run.Finish();
    for (size_t i = 0; i < captures.size(); ++i) {
      const ParallelExtract::FileResult& result = results[i];
      // Warnings come out in file order, whichever thread read the file.
      if (!result.warning.empty()) progress.Warn(result.warning);
      CategorySummary& category = summary.categories[captures[i].category];
      ++category.files;
      category.packets += result.counts.packets;
      category.rows += result.rows;
      summary.counts += result.counts;
      ++summary.files;
    }
  }
  progress.Finish();
  for (const auto& [name, c] : summary.categories) {
    summary.rows += c.rows;
    // A category without rows has no folder, as a partitioned COPY would write it.
    std::error_code ec;
    if (c.rows == 0) fs::remove(output.temp_path() / HivePartitionFolder("category", name), ec);
  }
  ThrowIfError(output.Commit());
  summary.seconds = SecondsSince(start);
  return summary;
}

}  // namespace

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
