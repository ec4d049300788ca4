#pragma once
/// The adapter in front of DuckDB's C API: owns the database and connections, turns DuckDB's error
/// codes and messages into Status. Everything in tad that reads or writes Parquet goes through it.

#include <duckdb.h>

#include <string>

#include "common/status.h"

namespace tad {

/// Owns a query result: materialised (Query) or streaming (QueryStreaming).
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
  /// Next chunk of rows, or nullptr at the end or on an error (see FetchStatus). The caller
  /// destroys it with duckdb_destroy_data_chunk.
  duckdb_data_chunk FetchChunk() { return duckdb_fetch_chunk(result_); }
  /// After FetchChunk returned nullptr: whether the rows ended or a streaming query failed
  /// (for example on a damaged file), with DuckDB's message.
  Status FetchStatus();

 private:
  duckdb_result result_{};
  bool valid_ = false;
};

/// One connection: runs one query at a time. Several connections to one database query in
/// parallel, one per thread.
class DuckConnection {
 public:
  DuckConnection() = default;
  explicit DuckConnection(duckdb_connection connection) : connection_(connection) {}
  DuckConnection(DuckConnection&& other) noexcept : connection_(other.connection_) { other.connection_ = nullptr; }
  DuckConnection& operator=(DuckConnection&& other) noexcept;
  DuckConnection(const DuckConnection&) = delete;
  DuckConnection& operator=(const DuckConnection&) = delete;
  ~DuckConnection();

  /// Runs a statement; on failure the Status carries DuckDB's message.
  Status Execute(const std::string& sql);
  /// The whole result is computed before this returns.
  Result<DuckResult> Query(const std::string& sql);
  /// Rows are computed as FetchChunk asks for them (no copy of the whole result); errors met while
  /// reading come from FetchStatus.
  Result<DuckResult> QueryStreaming(const std::string& sql);
  duckdb_connection raw() { return connection_; }

 private:
  duckdb_connection connection_ = nullptr;
};

class DuckDatabase {
 public:
  /// An in-memory database. `threads` 0 lets DuckDB choose.
  static Result<DuckDatabase> OpenInMemory(int threads = 0);

  DuckDatabase(DuckDatabase&& other) noexcept;
  DuckDatabase& operator=(DuckDatabase&&) = delete;
  DuckDatabase(const DuckDatabase&) = delete;
  ~DuckDatabase();

  /// On the database's own connection.
  Status Execute(const std::string& sql) { return connection_.Execute(sql); }
  Result<DuckResult> Query(const std::string& sql) { return connection_.Query(sql); }
  duckdb_connection connection() { return connection_.raw(); }
  DuckConnection& main_connection() { return connection_; }
  /// A further connection, for queries from another thread.
  Result<DuckConnection> Connect();
  /// Registers the table function `name()` on the database's connection: DuckDB calls `bind`,
  /// `init` and `scan` with `extra` as their extra info (the writer that feeds the rows).
  Status RegisterTableFunction(const char* name, void* extra, duckdb_table_function_bind_t bind,
                               duckdb_table_function_init_t init, duckdb_table_function_t scan);

 private:
  DuckDatabase(duckdb_database database, DuckConnection connection)
      : database_(database), connection_(std::move(connection)) {}
  duckdb_database database_ = nullptr;
  DuckConnection connection_;  // destroyed before the database (declared after it)
};

/// `text` as a SQL string literal: single quotes doubled.
std::string SqlQuote(const std::string& text);
/// `name` as a SQL identifier: in double quotes, inner quotes doubled.
std::string SqlIdentifier(const std::string& name);

}  // namespace tad
