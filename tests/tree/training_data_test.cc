#include "tree/training_data.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "cluster/thread_communicator.h"
#include "common/hash.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"

namespace tad {
namespace {

namespace fs = std::filesystem;

// Every numeric type Parquet stores, with NULLs (and NaN), values far apart and near the ends of
// each type's range, ranges that change from chunk to chunk (one column is NULL over whole
// chunks), and a label column: one file, several row groups.
constexpr int64_t kRows = 20000;
const std::vector<std::string> kColumns = {"t", "s", "i", "b", "ut", "us", "ui", "ub", "f", "d", "flag", "late", "dec"};

fs::path MakeTypedDataset() {
  const fs::path dir = fs::temp_directory_path() / ("tad_training_data_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  ThrowIfError(db.Execute(
      "COPY (SELECT ((i % 200) - 100)::TINYINT AS t, "
      "(CASE WHEN i < 6000 THEN i % 40 ELSE (i * 37) % 60000 - 30000 END)::SMALLINT AS s, "
      "CASE WHEN i % 7 = 0 THEN NULL ELSE (hash(i) % 100000)::INTEGER - 50000 END AS i, "
      "CASE WHEN i < 4096 THEN (hash(i) % 1000)::BIGINT "
      "     WHEN i < 8192 THEN (hash(i) >> 1)::BIGINT * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) "
      "     WHEN i < 12288 THEN 4611686018427387904 + i - 12288 "
      "     ELSE -9223372036854775807 - 1 + i % 3 END AS b, "
      "(i % 256)::UTINYINT AS ut, (i * 7 % 65536)::USMALLINT AS us, (hash(i) % 4294967295)::UINTEGER AS ui, "
      "CASE WHEN i < 10000 THEN 18446744073709551615 - (i % 1000) ELSE i % 300 END::UBIGINT AS ub, "
      "CASE WHEN i % 5 = 0 THEN NULL ELSE ((hash(i) % 1000) / 7.0)::FLOAT END AS f, "
      "CASE WHEN i % 13 = 0 THEN 'nan'::DOUBLE ELSE (hash(i) % 100000) / 3.0 END AS d, "
      "CASE WHEN i % 17 = 0 THEN NULL ELSE i % 3 = 0 END AS flag, "
      "CASE WHEN i < 5000 THEN NULL ELSE (i % 50)::INTEGER END AS late, "
      "(i / 100)::DECIMAL(10, 2) AS dec, "
      "['A', 'B', 'C'][(hash(i * 5) % 3)::INTEGER + 1] AS category "
      "FROM range(" + std::to_string(kRows) + ") r(i)) TO " + SqlQuote((dir / "data.parquet").string()) +
      " (FORMAT parquet, ROW_GROUP_SIZE 6000)"));
  return dir;
}

// Each row's values as DuckDB casts them to FLOAT (NaN for NULL), in file order.
std::vector<std::vector<float>> FloatsByDuckDb(DuckDatabase& db, const fs::path& dir) {
  std::string select = "SELECT ";
  for (const auto& column : kColumns) select += "CAST(" + column + " AS FLOAT), ";
  auto result = ValueOrThrow(db.Query(select + "category FROM read_parquet(" +
                                      SqlQuote((dir / "data.parquet").string()) +
                                      ", file_row_number = true) ORDER BY file_row_number"));
  std::vector<std::vector<float>> rows(kRows, std::vector<float>(kColumns.size()));
  for (idx_t r = 0; r < kRows; ++r) {
    for (idx_t c = 0; c < kColumns.size(); ++c) {
      rows[r][c] = duckdb_value_is_null(result.raw(), c, r) ? std::nanf("") : duckdb_value_float(result.raw(), c, r);
    }
  }
  return rows;
}

std::vector<std::string> LabelsByDuckDb(DuckDatabase& db, const fs::path& dir) {
  auto result = ValueOrThrow(db.Query("SELECT category FROM read_parquet(" + SqlQuote((dir / "data.parquet").string()) +
                                      ", file_row_number = true) ORDER BY file_row_number"));
  std::vector<std::string> labels;
  for (idx_t r = 0; r < kRows; ++r) {
    char* text = duckdb_value_varchar(result.raw(), 0, r);
    labels.emplace_back(text);
    duckdb_free(text);
  }
  return labels;
}

// Training rows hold FeatureBins::Bin of the value DuckDB casts to FLOAT, test rows that value
// itself, whatever the stored type; both in file order, with their labels.
TEST(TrainingDataTest, EveryStoredTypeIsBinnedAsTheFloatDuckDbCastsItTo) {
  const fs::path dir = MakeTypedDataset();
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  const std::vector<std::vector<float>> expected = FloatsByDuckDb(db, dir);
  const std::vector<std::string> labels = LabelsByDuckDb(db, dir);
  auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, "category"));
  ThrowIfError(dataset.CheckColumns(kColumns));
  for (int max_bins : {8, 300}) {
    for (int threads : {1, 3}) {
      TreeParameters parameters;
      parameters.max_bins = max_bins;
      parameters.seed = 5;
      SCOPED_TRACE("max_bins " + std::to_string(max_bins) + ", threads " + std::to_string(threads));
      ThreadCluster(1).Run([&](Communicator& communicator) {
        auto data = ValueOrThrow(LoadTrainingData(db, dataset, kColumns, parameters, communicator, threads, nullptr));
        ASSERT_EQ(data.rows, kRows);
        int64_t train = 0;
        int64_t test = 0;
        for (int64_t row = 0; row < kRows; ++row) {
          const std::vector<float>& values = expected[static_cast<size_t>(row)];
          const uint64_t identity = RowIdentityHash("data.parquet", row, parameters.seed);
          if (IsTestRow(identity, parameters.test_fraction)) {
            // Binned like a training row, and its values for prediction fall on the same side of
            // every bin edge (every possible split threshold) as the raw values.
            std::vector<float> predicted_values(kColumns.size());
            TestRowValues(data, test, test + 1, predicted_values.data());
            for (size_t f = 0; f < kColumns.size(); ++f) {
              ASSERT_EQ(data.test.bin(test, static_cast<int32_t>(f)), data.bins[f].Bin(values[f]))
                  << "test row " << row << " column " << kColumns[f] << " value " << values[f];
              ASSERT_EQ(std::isnan(predicted_values[f]), std::isnan(values[f])) << "test row " << row;
              for (const double edge : data.bins[f].edges) {
                ASSERT_EQ(predicted_values[f] <= edge, values[f] <= edge)
                    << "test row " << row << " column " << kColumns[f] << " value " << values[f] << " edge " << edge;
              }
            }
            ASSERT_EQ(data.classes[data.test.labels[static_cast<size_t>(test)]], labels[static_cast<size_t>(row)]);
            ++test;
            continue;
          }
          for (size_t f = 0; f < kColumns.size(); ++f) {
            ASSERT_EQ(data.train.bin(train, static_cast<int32_t>(f)), data.bins[f].Bin(values[f]))
                << "training row " << row << " column " << kColumns[f] << " value " << values[f];
          }
          ASSERT_EQ(data.classes[data.train.labels[static_cast<size_t>(train)]], labels[static_cast<size_t>(row)]);
          ++train;
        }
        EXPECT_EQ(train, data.train_rows);
        EXPECT_EQ(test, data.test_rows);
        EXPECT_TRUE(data.train.identity.empty());  // a single tree samples nothing by identity
      });
    }
  }
  fs::remove_all(dir);
}

// A forest samples its rows by identity: each training row keeps its own, in file order.
TEST(TrainingDataTest, ForestRowsKeepTheirIdentities) {
  const fs::path dir = MakeTypedDataset();
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db, dir, "category"));
  TreeParameters parameters;
  parameters.classifier = Classifier::kRandomForest;
  ThreadCluster(1).Run([&](Communicator& communicator) {
    auto data = ValueOrThrow(LoadTrainingData(db, dataset, {"t", "i"}, parameters, communicator, 2, nullptr));
    UninitializedVector<uint64_t> expected;
    for (int64_t row = 0; row < kRows; ++row) {
      const uint64_t identity = RowIdentityHash("data.parquet", row, parameters.seed);
      if (!IsTestRow(identity, parameters.test_fraction)) expected.push_back(identity);
    }
    EXPECT_EQ(data.train.identity, expected);
  });
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tad
