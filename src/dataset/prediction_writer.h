#pragma once
/// The output of `tad predict`: one row per dataset row (the row's file relative to the dataset,
/// its row number in that file, the predicted class) into one Parquet file, whole or not at all.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/atomic_output.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"

namespace tad {

class PredictionWriter {
 public:
  /// Rows gather in a temporary table of `db`; `path` is refused if it exists and `overwrite` is
  /// false. `probability_columns` (may be empty) name one DOUBLE column each, after `prediction`.
  static Result<std::unique_ptr<PredictionWriter>> Create(DuckDatabase& db, const std::filesystem::path& path,
                                                          bool overwrite,
                                                          const std::vector<std::string>& probability_columns = {});
  ~PredictionWriter();
  PredictionWriter(const PredictionWriter&) = delete;
  PredictionWriter& operator=(const PredictionWriter&) = delete;

  /// `probabilities` holds one value per probability column (none when there are none).
  void Append(std::string_view file, int64_t row, std::string_view prediction, const double* probabilities = nullptr);
  /// Writes the Parquet file and renames it into place. Call once at the end.
  Status Finish();

 private:
  PredictionWriter(DuckDatabase& db, AtomicOutput output, duckdb_appender appender, size_t probability_columns);

  DuckDatabase& db_;
  AtomicOutput output_;
  duckdb_appender appender_;
  size_t probability_columns_;
};

}  // namespace tad
