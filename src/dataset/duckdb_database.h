#pragma once
/// The adapter in front of DuckDB's C API: owns the database and connection, turns DuckDB's error
/// codes and messages into Status. Everything in tad that reads or writes Parquet goes through it.

#include <duckdb.h>

#include <string>

#include "common/status.h"

namespace tad {

/// Owns a materialised query result.
class DuckResult {
 public:
  DuckResult() = default;
  explicit DuckResult(duckdb_result result) : result_(result), valid_(true) {}
  DuckResult(DuckResult&& other) noexcept : result_(other.result_), valid_(other.valid_) { other.valid_ = false; }
  DuckResult& operator=(DuckResult&& other) noexcept;
  DuckResult(const DuckResult&) = delete;
  DuckResult& operator=(const DuckResult&) = delete;
  ~DuckResult();

  duckdb_result* raw() { return &result_; }
  idx_t column_count() { return duckdb_column_count(&result_); }
  std::string column_name(idx_t column) { return duckdb_column_name(&result_, column); }
  duckdb_type column_type(idx_t column) { return duckdb_column_type(&result_, column); }
  /// Next chunk of rows, or nullptr at the end. The caller destroys it with duckdb_destroy_data_chunk.
  duckdb_data_chunk FetchChunk() { return duckdb_fetch_chunk(result_); }

 private:
  duckdb_result result_{};
  bool valid_ = false;
};

class DuckDatabase {
 public:
  /// An in-memory database. `threads` 0 lets DuckDB choose.
  static Result<DuckDatabase> OpenInMemory(int threads = 0);

  DuckDatabase(DuckDatabase&& other) noexcept;
  DuckDatabase& operator=(DuckDatabase&&) = delete;
  DuckDatabase(const DuckDatabase&) = delete;
  ~DuckDatabase();

  /// Runs a statement; on failure the Status carries DuckDB's message.
  Status Execute(const std::string& sql);
  Result<DuckResult> Query(const std::string& sql);
  duckdb_connection connection() { return connection_; }

 private:
  DuckDatabase(duckdb_database database, duckdb_connection connection) : database_(database), connection_(connection) {}
  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

/// `text` as a SQL string literal: single quotes doubled.
std::string SqlQuote(const std::string& text);
/// `name` as a SQL identifier: in double quotes, inner quotes doubled.
std::string SqlIdentifier(const std::string& name);

}  // namespace tad
