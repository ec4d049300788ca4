#include "dataset/parquet_dataset.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>

namespace tad {
namespace {

namespace fs = std::filesystem;

class ParquetDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tad_parquet_dataset_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  DuckDatabase db_ = ValueOrThrow(DuckDatabase::OpenInMemory(1));
};

TEST_F(ParquetDatasetTest, LabelsFromPartitionsRowGroupsSharedOutAndNullsBecomeNaN) {
  ThrowIfError(db_.Execute(
      "COPY (SELECT 'c' || (i % 3) || '.pcap' AS source_file, i AS packet_index, "
      "CASE WHEN i % 10 = 0 THEN NULL ELSE i END::INTEGER AS x, 'v' AS s, "
      "CASE WHEN i < 5000 THEN 'Games' ELSE 'Video' END AS category FROM range(10000) t(i)) TO " +
      SqlQuote(dir_.string()) + " (FORMAT parquet, PARTITION_BY (category), ROW_GROUP_SIZE 2048)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "category"));
  EXPECT_TRUE(dataset.label_from_partition());
  EXPECT_TRUE(dataset.has_row_identity());
  EXPECT_EQ(dataset.partition_labels(), (std::vector<std::string>{"Games", "Video"}));
  EXPECT_EQ(dataset.total_rows(), 10000);
  EXPECT_EQ(dataset.fingerprint().size(), 16u);
  ASSERT_GE(dataset.row_groups().size(), 4u);

  // Every row group goes to exactly one of 3 ranks.
  std::multiset<size_t> assigned;
  for (int rank = 0; rank < 3; ++rank) {
    for (size_t index : dataset.RowGroupsForRank(rank, 3)) assigned.insert(index);
  }
  EXPECT_EQ(assigned.size(), dataset.row_groups().size());
  EXPECT_EQ(std::set<size_t>(assigned.begin(), assigned.end()).size(), assigned.size());

  LoadedRows rows;
  int64_t missing = 0;
  for (const auto& group : dataset.row_groups()) ThrowIfError(ReadRowGroup(db_, dataset, group, {"x"}, 0, rows));
  ASSERT_EQ(rows.rows(), 10000);
  for (float v : rows.values) missing += std::isnan(v);
  EXPECT_EQ(missing, 1000);
  // The identity is the capture file and packet index, whoever reads the row.
  std::set<uint64_t> identities(rows.identity.begin(), rows.identity.end());
  EXPECT_TRUE(identities.count(RowIdentityHash("c1.pcap", 7, 0)));

  EXPECT_NE(dataset.CheckColumns({"s"}).message().find("not numeric"), std::string::npos);
  EXPECT_EQ(dataset.CheckColumns({"x", "x"}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(dataset.CheckColumns({"x"}).ok());
}

TEST_F(ParquetDatasetTest, NullLabelNamesTheFileRowItself) {
  // One row group of several DuckDB chunks (2048 rows each): the NULL at row 5000 is in the third.
  ThrowIfError(db_.Execute(
      "COPY (SELECT i::INTEGER AS x, CASE WHEN i = 5000 THEN NULL ELSE 'Games' END AS category "
      "FROM range(10000) t(i)) TO " + SqlQuote((dir_ / "part.parquet").string()) +
      " (FORMAT parquet, ROW_GROUP_SIZE 10000)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "category"));
  LoadedRows rows;
  Status status;
  for (const auto& group : dataset.row_groups()) {
    status = ReadRowGroup(db_, dataset, group, {"x"}, 0, rows);
    if (!status.ok()) break;
  }
  EXPECT_EQ(status.message(), "part.parquet: row 5000 (counting from 0) has no category (NULL label)");
}

TEST_F(ParquetDatasetTest, ANonNumericFeatureIsOneLineNamingTheDatasetAndType) {
  ThrowIfError(db_.Execute("COPY (SELECT i::INTEGER AS x, '64' AS ip_ttl, 'Games' AS category FROM range(10) t(i)) TO " +
                           SqlQuote((dir_ / "part.parquet").string()) + " (FORMAT parquet)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "category"));
  const Status status = dataset.CheckFeatures({"x", "ip_ttl"});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "dataset " + dir_.string() + ": feature 'ip_ttl' is not numeric (its type is VARCHAR)");
}

TEST_F(ParquetDatasetTest, PartitionValuesWithSpacesAreDecoded) {
  // DuckDB percent-encodes partition directories (category=Health%20Fitness); labels are decoded.
  ThrowIfError(db_.Execute(
      "COPY (SELECT 'f.pcap' AS source_file, i AS packet_index, i::INTEGER AS x, "
      "CASE WHEN i < 5 THEN 'Health Fitness' ELSE 'Life Service' END AS category FROM range(10) t(i)) TO " +
      SqlQuote(dir_.string()) + " (FORMAT parquet, PARTITION_BY (category))"));
  ASSERT_TRUE(fs::exists(dir_ / "category=Health%20Fitness"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "category"));
  EXPECT_EQ(dataset.partition_labels(), (std::vector<std::string>{"Health Fitness", "Life Service"}));
}

TEST_F(ParquetDatasetTest, LabelColumnFingerprintAndEmptyDatasets) {
  ThrowIfError(db_.Execute("COPY (SELECT i::DOUBLE AS x, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS app "
                           "FROM range(100) t(i)) TO " + SqlQuote((dir_ / "one.parquet").string()) +
                           " (FORMAT parquet)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "app"));
  EXPECT_FALSE(dataset.label_from_partition());
  EXPECT_FALSE(dataset.has_row_identity());
  LoadedRows rows;
  ThrowIfError(ReadRowGroup(db_, dataset, dataset.row_groups()[0], {"x"}, 0, rows));
  ASSERT_EQ(rows.label_names.size(), 2u);
  EXPECT_EQ(rows.label_names[static_cast<size_t>(rows.labels[3])], "b");
  EXPECT_EQ(rows.identity[3], RowIdentityHash("one.parquet", 3, 0));
  // The fingerprint changes when the data does.
  const std::string before = dataset.fingerprint();
  ThrowIfError(db_.Execute("COPY (SELECT 1.0 AS x, 'a' AS app) TO " + SqlQuote((dir_ / "two.parquet").string()) +
                           " (FORMAT parquet)"));
  EXPECT_NE(ValueOrThrow(ParquetDataset::Open(db_, dir_, "app")).fingerprint(), before);
  EXPECT_NE(ParquetDataset::Open(db_, dir_, "category")->CheckColumns({"x"}).message().find("no label column"),
            std::string::npos);

  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(ParquetDataset::Open(db_, dir_ / "empty", "app").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tad
