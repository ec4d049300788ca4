#pragma once
/// The feature sink of `tad extract`: packet rows (PacketFeatures) or flow rows (FlowRecord), with
/// the columns of dataset/schema.h, into a hive-partitioned Parquet dataset (`category=<name>/part-*.parquet`) through DuckDB. Rows are filled into DuckDB data
/// chunks that the writer keeps itself; every `flush_rows` rows a COPY reads them through a table
/// function (`tad_rows()`, no table in between) and the chunks are reused, so memory stays bounded
/// whatever the capture's size.

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

class ParquetDatasetWriter {
 public:
  /// Writes packet rows (`columns` = PacketColumns()) or flow rows (FlowColumns(splt)) under
  /// `directory` (created if missing). `threads` 0 lets DuckDB choose.
  static Result<std::unique_ptr<ParquetDatasetWriter>> Create(const std::filesystem::path& directory,
                                                              std::vector<ColumnSpec> columns,
                                                              uint64_t flush_rows = 1 << 20, int threads = 0);
  ~ParquetDatasetWriter();
  ParquetDatasetWriter(const ParquetDatasetWriter&) = delete;
  ParquetDatasetWriter& operator=(const ParquetDatasetWriter&) = delete;

  /// Records `options` in every file's key-value metadata (dataset/flow_options.h); call before Append.
  void RecordFlowOptions(const FlowOptions& options) { copy_options_ = FlowOptionsCopyClause(options); }
  /// Sets the source_file and category of the rows that follow.
  void SetSource(const std::string& source_file, const std::string& category);
  /// Adds one packet row (packet schema only); may flush.
  Status Append(const PacketFeatures& row);
  /// Adds one flow row (flow schema only); may flush.
  Status Append(const FlowRecord& flow);
  /// Writes what is left. Call once at the end; the writer is unusable afterwards.
  Status Finish();
  uint64_t rows_written() const { return rows_total_; }

 private:
  ParquetDatasetWriter(DuckDatabase db, std::filesystem::path directory, std::vector<ColumnSpec> columns,
                       uint64_t flush_rows);
  /// Ends the row filled at chunk_rows_; may flush.
  Status EndRow();
  static void Bind(duckdb_bind_info info);
  Status AppendChunk();
  Status Flush();
  /// Makes `chunk_` an empty chunk (one from the pool where there is one) and fetches its vectors.
  void NewChunk();
  static void Scan(duckdb_function_info info, duckdb_data_chunk output);

  DuckDatabase db_;
  std::filesystem::path directory_;
  std::vector<ColumnSpec> columns_;
  int splt_ = 0;  // flow schema: SPLT packets
  uint64_t flush_rows_;
  duckdb_data_chunk chunk_ = nullptr;
  std::vector<duckdb_data_chunk> full_;  // filled chunks waiting for the next COPY, in row order
  std::vector<duckdb_data_chunk> pool_;  // emptied chunks to reuse
  size_t scan_next_ = 0;                 // the next chunk of full_ that tad_rows() returns
  std::vector<duckdb_vector> vectors_;
  std::vector<uint64_t*> validity_;  // of the nullable columns
  idx_t chunk_rows_ = 0;
  idx_t chunk_capacity_ = 0;
  uint64_t table_rows_ = 0;
  uint64_t rows_total_ = 0;
  uint64_t flushes_ = 0;
  std::string source_file_;
  std::string category_;
  std::string copy_options_;  // appended to the COPY's options
};

}  // namespace tad
