#pragma once
/// Errors that cross a boundary (I/O, libpcap, DuckDB, MPI) travel as a Status or a Result<T>;
/// the adapter that calls the C library converts its return code into one, with a message that
/// names the file or object and what is wrong. Exceptions are kept for errors that end the whole
/// operation and are caught at main (see cli/) and the HTTP boundary.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tad {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the user asked for something that cannot be done (exit code 2)
  kInvalidData,      // an input file is not what it claims to be (exit code 1)
  kIoError,          // the operating system refused (exit code 1)
  kNotFound,
  kAlreadyExists,
  kInternal,
  kCancelled,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string message) { return {StatusCode::kInvalidArgument, std::move(message)}; }
  static Status InvalidData(std::string message) { return {StatusCode::kInvalidData, std::move(message)}; }
  static Status IoError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
  static Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
  static Status AlreadyExists(std::string message) { return {StatusCode::kAlreadyExists, std::move(message)}; }
  static Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }
  static Status Cancelled(std::string message) { return {StatusCode::kCancelled, std::move(message)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// The same error with context in front: "reading x.pcap: record 7 is cut short".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return {code_, context + ": " + message_};
  }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

/// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

/// Thrown where an operation must end; main turns it into one line and the exit code.
class Error : public std::exception {
 public:
  explicit Error(Status status) : status_(std::move(status)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

/// Ends the operation if `status` is an error.
inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw Error(status);
}

template <typename T>
T ValueOrThrow(Result<T> result) {
  if (!result.ok()) throw Error(result.status());
  return std::move(result).value();
}

}  // namespace tad

#define TAD_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::tad::Status tad_status_ = (expr);        \
    if (!tad_status_.ok()) return tad_status_; \
  } while (false)
