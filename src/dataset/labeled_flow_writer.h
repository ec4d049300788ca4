#pragma once
/// The records of `tad classify`: one labeled flow each (docs/classify.md), and their Parquet
/// writer. Column names are those of the flow schema (dataset/schema.h) where the value is the
/// same, so the records join a `tad extract --flows` dataset on (source_file, flow_index).

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/flow_record.h"
#include "common/atomic_output.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"

namespace tad {

struct LabeledFlow {
  std::string source_file;  // relative to the input folder (a file given itself: its name), or the interface
  const FlowRecord* flow = nullptr;
  std::string prediction;
  double probability = 0;  // the predicted class's
};

/// Text of an address as tshark prints it (dotted quad; RFC 5952 for IPv6).
std::string AddressText(const std::array<uint8_t, 16>& address, int version);

/// Labeled flows into one Parquet file, whole or not at all. The rows go into DuckDB data chunks,
/// and a COPY running on a thread of its own from Create on takes each chunk as it fills (through
/// a table function, `tad_labeled_flows()`; no table in between): DuckDB encodes each row group
/// while the captures are still being read, and Finish has only the last one to write.
class LabeledFlowWriter {
 public:
  /// `path` is refused if it exists and `overwrite` is false.
  static Result<std::unique_ptr<LabeledFlowWriter>> Create(const std::filesystem::path& path, bool overwrite);
  ~LabeledFlowWriter();  // without Finish: the COPY is stopped and nothing is published
  LabeledFlowWriter(const LabeledFlowWriter&) = delete;
  LabeledFlowWriter& operator=(const LabeledFlowWriter&) = delete;

  void Append(const LabeledFlow& record);
  /// Writes the rest of the Parquet file and renames it into place. Call once at the end.
  Status Finish();

 private:
  LabeledFlowWriter(DuckDatabase db, AtomicOutput output) : db_(std::move(db)), output_(std::move(output)) {}
  /// Starts the chunk that the next rows go into.
  void NextChunk();
  /// Hands the chunk being filled to the COPY (waiting while it has kMaxQueuedChunks to take).
  void Queue();
  /// Ends the COPY: `stop` (an error) has it fail rather than write the rest.
  void EndCopy(bool stop);
  static void Bind(duckdb_bind_info info);
  static void Init(duckdb_init_info info);
  static void Scan(duckdb_function_info info, duckdb_data_chunk output);

  DuckDatabase db_;
  AtomicOutput output_;
  std::thread copy_;
  Status copied_;  // the COPY's result, once copy_ has ended
  duckdb_data_chunk filling_ = nullptr;
  std::vector<duckdb_vector> vectors_;  // of filling_
  std::vector<void*> data_;
  std::vector<uint64_t*> validity_;     // of the nullable columns (the ports)
  idx_t rows_ = 0;                      // in filling_
  std::mutex mutex_;
  std::condition_variable changed_;     // a chunk was queued or taken, or the rows ended
  std::deque<duckdb_data_chunk> queued_;
  bool ended_ = false;                  // no more chunks come
  bool stopped_ = false;                // ... and the COPY is to fail
  bool copy_ended_ = false;             // the COPY has returned (copied_ is set)
  duckdb_data_chunk scanned_ = nullptr;  // the COPY's current chunk (its vectors are referenced)
};

}  // namespace tad
