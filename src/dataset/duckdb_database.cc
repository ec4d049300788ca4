#include "dataset/duckdb_database.h"

#include <utility>

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

Status DuckResult::FetchStatus() {
  const char* error = valid_ ? duckdb_result_error(&result_) : nullptr;
  return error ? Status::InvalidData(error) : Status::Ok();
}

DuckConnection& DuckConnection::operator=(DuckConnection&& other) noexcept {
  if (this != &other) {
    if (connection_) duckdb_disconnect(&connection_);
    connection_ = std::exchange(other.connection_, nullptr);
  }
  return *this;
}

DuckConnection::~DuckConnection() {
  if (connection_) duckdb_disconnect(&connection_);
}

Status DuckConnection::Execute(const std::string& sql) {
  auto result = Query(sql);
  return result.ok() ? Status::Ok() : result.status();
}

Result<DuckResult> DuckConnection::Query(const std::string& sql) {
  duckdb_result raw{};
  if (duckdb_query(connection_, sql.c_str(), &raw) == DuckDBError) {
    const char* error = duckdb_result_error(&raw);
    std::string message = error ? error : "unknown error";
    duckdb_destroy_result(&raw);
    return Status::InvalidData(message);
  }
  return DuckResult(raw);
}

Result<DuckResult> DuckConnection::QueryStreaming(const std::string& sql) {
  duckdb_prepared_statement statement = nullptr;
  if (duckdb_prepare(connection_, sql.c_str(), &statement) == DuckDBError) {
    const char* error = duckdb_prepare_error(statement);
    Status status = Status::InvalidData(error ? error : "unknown error");
    duckdb_destroy_prepare(&statement);
    return status;
  }
  duckdb_pending_result pending = nullptr;
  if (duckdb_pending_prepared_streaming(statement, &pending) == DuckDBError) {
    const char* error = duckdb_pending_error(pending);
    Status status = Status::InvalidData(error ? error : "unknown error");
    duckdb_destroy_pending(&pending);
    duckdb_destroy_prepare(&statement);
    return status;
  }
  duckdb_result raw{};
  const duckdb_state state = duckdb_execute_pending(pending, &raw);
  duckdb_destroy_pending(&pending);
  duckdb_destroy_prepare(&statement);
  if (state == DuckDBError) {
    const char* error = duckdb_result_error(&raw);
    std::string message = error ? error : "unknown error";
    duckdb_destroy_result(&raw);
    return Status::InvalidData(message);
  }
  return DuckResult(raw);
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
  return DuckDatabase(database, DuckConnection(connection));
}

DuckDatabase::DuckDatabase(DuckDatabase&& other) noexcept
    : database_(std::exchange(other.database_, nullptr)), connection_(std::move(other.connection_)) {}

DuckDatabase::~DuckDatabase() {
  connection_ = DuckConnection();  // connections close before their database
  if (database_) duckdb_close(&database_);
}

Result<DuckConnection> DuckDatabase::Connect() {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(database_, &connection) == DuckDBError) return Status::Internal("duckdb: cannot connect");
  return DuckConnection(connection);
}

Status DuckDatabase::RegisterTableFunction(const char* name, void* extra, duckdb_table_function_bind_t bind,
                                           duckdb_table_function_init_t init, duckdb_table_function_t scan) {
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, name);
  duckdb_table_function_set_extra_info(function, extra, nullptr);
  duckdb_table_function_set_bind(function, bind);
  duckdb_table_function_set_init(function, init);
  duckdb_table_function_set_function(function, scan);
  const duckdb_state registered = duckdb_register_table_function(connection(), function);
  duckdb_destroy_table_function(&function);
  if (registered == DuckDBError) return Status::Internal("duckdb: cannot register the table function");
  return Status::Ok();
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
