#pragma once
/// The feature sink of `tad extract`: rows of PacketFeatures into a hive-partitioned Parquet
/// dataset (`category=<name>/part-*.parquet`) through DuckDB. Rows are appended in column chunks to
/// an in-memory table that is written out and emptied every `flush_rows` rows, so memory stays
/// bounded whatever the capture's size.

#include <duckdb.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "capture/packet_features.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"

namespace tad {

class ParquetDatasetWriter {
 public:
  /// Writes under `directory` (created if missing). `threads` 0 lets DuckDB choose.
  static Result<std::unique_ptr<ParquetDatasetWriter>> Create(const std::filesystem::path& directory,
                                                              uint64_t flush_rows = 1 << 20, int threads = 0);
  ~ParquetDatasetWriter();
  ParquetDatasetWriter(const ParquetDatasetWriter&) = delete;
  ParquetDatasetWriter& operator=(const ParquetDatasetWriter&) = delete;

  /// Sets the source_file and category of the rows that follow.
  void SetSource(const std::string& source_file, const std::string& category);
  /// Adds one row; may flush.
  Status Append(const PacketFeatures& row);
  /// Writes what is left. Call once at the end; the writer is unusable afterwards.
  Status Finish();
  uint64_t rows_written() const { return rows_total_; }

 private:
  ParquetDatasetWriter(DuckDatabase db, std::filesystem::path directory, uint64_t flush_rows);
  Status AppendChunk();
  Status Flush();

  DuckDatabase db_;
  std::filesystem::path directory_;
  uint64_t flush_rows_;
  duckdb_appender appender_ = nullptr;
  duckdb_data_chunk chunk_ = nullptr;
  duckdb_vector vectors_[17] = {};
  uint64_t* validity_[17] = {};
  idx_t chunk_rows_ = 0;
  idx_t chunk_capacity_ = 0;
  uint64_t table_rows_ = 0;
  uint64_t rows_total_ = 0;
  uint64_t flushes_ = 0;
  std::string source_file_;
  std::string category_;
};

}  // namespace tad
