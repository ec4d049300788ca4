#include "dataset/duckdb_database.h"

namespace tad {

DuckResult& DuckResult::operator=(DuckResult&& other) noexcept {
  if (this != &other) {
    if (valid_) duckdb_destroy_result(&result_);
    result_ = other.result_;
    valid_ = other.valid_;
    other.valid_ = false;
  }
  return *this;
}

DuckResult::~DuckResult() {
  if (valid_) duckdb_destroy_result(&result_);
}

Result<DuckDatabase> DuckDatabase::OpenInMemory(int threads) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) return Status::Internal("duckdb: cannot create a configuration");
  if (threads > 0) duckdb_set_config(config, "threads", std::to_string(threads).c_str());
  duckdb_database database = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(nullptr, &database, config, &error) == DuckDBError) {
    std::string message = error ? error : "unknown error";
    duckdb_free(error);
    duckdb_destroy_config(&config);
    return Status::Internal("duckdb: cannot open an in-memory database: " + message);
  }
  duckdb_destroy_config(&config);
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database, &connection) == DuckDBError) {
    duckdb_close(&database);
    return Status::Internal("duckdb: cannot connect");
  }
  return DuckDatabase(database, connection);
}

DuckDatabase::DuckDatabase(DuckDatabase&& other) noexcept
    : database_(other.database_), connection_(other.connection_) {
  other.database_ = nullptr;
  other.connection_ = nullptr;
}

DuckDatabase::~DuckDatabase() {
  if (connection_) duckdb_disconnect(&connection_);
  if (database_) duckdb_close(&database_);
}

Status DuckDatabase::Execute(const std::string& sql) {
  auto result = Query(sql);
  return result.ok() ? Status::Ok() : result.status();
}

Result<DuckResult> DuckDatabase::Query(const std::string& sql) {
  duckdb_result raw{};
  if (duckdb_query(connection_, sql.c_str(), &raw) == DuckDBError) {
    const char* error = duckdb_result_error(&raw);
    std::string message = error ? error : "unknown error";
    duckdb_destroy_result(&raw);
    return Status::InvalidData(message);
  }
  return DuckResult(raw);
}

std::string SqlIdentifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

std::string SqlQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

}  // namespace tad
