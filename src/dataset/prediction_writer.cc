#include "dataset/prediction_writer.h"

namespace tad {

Result<std::unique_ptr<PredictionWriter>> PredictionWriter::Create(DuckDatabase& db, const std::filesystem::path& path,
                                                                   bool overwrite,
                                                                   const std::vector<std::string>& probability_columns) {
  auto output = AtomicOutput::Create(path, overwrite);
  if (!output.ok()) return output.status();
  std::string columns = "file VARCHAR, \"row\" BIGINT, prediction VARCHAR";
  for (const auto& name : probability_columns) columns += ", " + SqlIdentifier(name) + " DOUBLE";
  TAD_RETURN_IF_ERROR(db.Execute("CREATE TEMP TABLE predictions (" + columns + ")"));
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(db.connection(), nullptr, "predictions", &appender) == DuckDBError) {
    return Status::Internal("duckdb: cannot create an appender");
  }
  return std::unique_ptr<PredictionWriter>(
      new PredictionWriter(db, std::move(*output), appender, probability_columns.size()));
}

PredictionWriter::PredictionWriter(DuckDatabase& db, AtomicOutput output, duckdb_appender appender,
                                   size_t probability_columns)
    : db_(db), output_(std::move(output)), appender_(appender), probability_columns_(probability_columns) {}

PredictionWriter::~PredictionWriter() {
  if (appender_) duckdb_appender_destroy(&appender_);
}

void PredictionWriter::Append(std::string_view file, int64_t row, std::string_view prediction,
                              const double* probabilities) {
  duckdb_append_varchar_length(appender_, file.data(), file.size());
  duckdb_append_int64(appender_, row);
  duckdb_append_varchar_length(appender_, prediction.data(), prediction.size());
  for (size_t c = 0; c < probability_columns_; ++c) duckdb_append_double(appender_, probabilities[c]);
  duckdb_appender_end_row(appender_);
}

Status PredictionWriter::Finish() {
  const bool flushed = duckdb_appender_destroy(&appender_) != DuckDBError;
  appender_ = nullptr;
  if (!flushed) return Status::Internal("duckdb: appending predictions failed");
  TAD_RETURN_IF_ERROR(
      db_.Execute("COPY predictions TO " + SqlQuote(output_.temp_path().string()) + " (FORMAT parquet)"));
  return output_.Commit();
}

}  // namespace tad
