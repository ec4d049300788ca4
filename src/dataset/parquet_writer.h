#pragma once
/// The feature sink of `tad extract`: packet rows (PacketFeatures) or flow rows (FlowRecord), with
/// the columns of dataset/schema.h, into Parquet files of a hive-partitioned dataset
/// (`category=<name>/part-*.parquet`) through DuckDB. A thread fills ParquetRows (DuckDB data
/// chunks it keeps and reuses) and a ParquetFileWriter writes them to one file with a COPY that
/// reads them through a table function (`tad_rows()`, no table in between). Each writer has its
/// own DuckDB, so several threads write files at once; what a file holds depends only on its rows.

#include <duckdb.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "capture/flow_record.h"
#include "capture/packet_features.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"
#include "dataset/flow_options.h"
#include "dataset/schema.h"

namespace tad {

/// The rows of one Parquet file, filled by one thread. Memory stays with the chunks: Reset()
/// keeps them for the next file.
class ParquetRows {
 public:
  /// `columns`: PacketColumns() or FlowColumns(splt); the last (the category partition) is not
  /// stored, it is the file's folder.
  explicit ParquetRows(std::vector<ColumnSpec> columns);
  ~ParquetRows();
  ParquetRows(const ParquetRows&) = delete;
  ParquetRows& operator=(const ParquetRows&) = delete;

  /// Empties the rows (the chunks are kept) for a file of rows of `source_file`.
  void Reset(const std::string& source_file);
  /// Adds one packet row (packet schema only).
  void Append(const PacketFeatures& row);
  /// Adds one flow row (flow schema only).
  void Append(const FlowRecord& flow);
  uint64_t size() const { return rows_; }

 private:
  friend class ParquetFileWriter;
  /// Ends the row filled at chunk_rows_.
  void EndRow();
  /// Makes chunk number `full_.size()` current (reusing one from an earlier file where there is one).
  void NextChunk();
  template <typename T>
  void Put(size_t column, T value) {
    static_cast<T*>(data_[column])[chunk_rows_] = value;
  }
  void SetValid(size_t column, bool valid) {
    uint64_t& word = validity_[column][chunk_rows_ / 64];
    const uint64_t bit = uint64_t{1} << (chunk_rows_ % 64);
    word = valid ? (word | bit) : (word & ~bit);
  }

  std::vector<ColumnSpec> columns_;  // stored columns: the file's columns after source_file
  int splt_ = 0;                     // flow schema: SPLT packets
  std::string source_file_;
  std::vector<duckdb_data_chunk> chunks_;  // chunks_[0, full_) are filled, chunks_[full_] is being filled
  size_t full_ = 0;
  std::vector<duckdb_vector> vectors_;
  std::vector<void*> data_;
  std::vector<uint64_t*> validity_;  // of the nullable columns
  idx_t chunk_rows_ = 0;
  idx_t chunk_capacity_ = 0;
  uint64_t rows_ = 0;
};

/// Writes ParquetRows to Parquet files; one writer per thread.
class ParquetFileWriter {
 public:
  static Result<std::unique_ptr<ParquetFileWriter>> Create(std::vector<ColumnSpec> columns);
  ParquetFileWriter(const ParquetFileWriter&) = delete;
  ParquetFileWriter& operator=(const ParquetFileWriter&) = delete;
  ~ParquetFileWriter();

  /// Records `options` in the key-value metadata of every file written (dataset/flow_options.h).
  void RecordFlowOptions(const FlowOptions& options) { copy_options_ = FlowOptionsCopyClause(options); }
  /// Writes `rows` (with this writer's columns) to `path`, replacing it; its folder must exist.
  Status Write(ParquetRows& rows, const std::filesystem::path& path);

 private:
  ParquetFileWriter(DuckDatabase db, std::vector<ColumnSpec> columns)
      : db_(std::move(db)), columns_(std::move(columns)) {}
  static void Bind(duckdb_bind_info info);
  static void Init(duckdb_init_info info);
  static void Scan(duckdb_function_info info, duckdb_data_chunk output);

  DuckDatabase db_;
  std::vector<ColumnSpec> columns_;  // the file's columns, without the partition
  ParquetRows* rows_ = nullptr;       // what the running COPY reads
  duckdb_value source_file_ = nullptr;
  size_t scan_next_ = 0;
  std::string copy_options_;  // appended to the COPY's options
};

/// The folder of a hive partition, `column=value` with the value percent-encoded as DuckDB's
/// `COPY … PARTITION_BY` spells it (`category=Life%20Service`).
std::string HivePartitionFolder(const std::string& column, const std::string& value);

}  // namespace tad
