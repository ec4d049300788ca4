#include "dataset/parquet_dataset.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
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

TEST_F(ParquetDatasetTest, RanksGetBlocksOfAboutEqualRows) {
  // Four files of one row group each: 1000, 1000, 1000 and 7000 rows (10 000 in all).
  const int64_t sizes[] = {1000, 1000, 1000, 7000};
  for (int f = 0; f < 4; ++f) {
    ThrowIfError(db_.Execute(fmt::format(
        "COPY (SELECT i AS x, 'Games' AS label FROM range({}) t(i)) TO {} (FORMAT parquet)", sizes[f],
        SqlQuote((dir_ / fmt::format("{}.parquet", static_cast<char>('a' + f))).string()))));
  }
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "label"));
  ASSERT_EQ(dataset.row_groups().size(), 4u);
  // Two ranks: the first reaches row 5000 only with the 7000-row group, which would leave the
  // second none, so it stops before it (3000 / 7000 rows, not 2000 / 8000 as halving the count).
  EXPECT_EQ(dataset.RowGroupsForRank(0, 2), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(dataset.RowGroupsForRank(1, 2), (std::vector<size_t>{3}));
  // As many ranks as row groups: one each.
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_EQ(dataset.RowGroupsForRank(rank, 4), (std::vector<size_t>{static_cast<size_t>(rank)}));
  }
  // Three ranks: rank 0 reaches row 3333 with group 3 but must leave one group each to two ranks.
  EXPECT_EQ(dataset.RowGroupsForRank(0, 3), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(dataset.RowGroupsForRank(1, 3), (std::vector<size_t>{2}));
  EXPECT_EQ(dataset.RowGroupsForRank(2, 3), (std::vector<size_t>{3}));
}

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

  // Every row group goes to exactly one of 3 ranks; each rank holds a share of both files (one
  // class each), its row groups of a file consecutive, rather than one class per rank.
  std::multiset<size_t> assigned;
  for (int rank = 0; rank < 3; ++rank) {
    const std::vector<size_t> mine = dataset.RowGroupsForRank(rank, 3);
    EXPECT_FALSE(mine.empty());
    std::map<std::string, std::vector<int64_t>> indices_by_label;
    for (size_t i : mine) {
      const ParquetRowGroup& group = dataset.row_groups()[i];
      indices_by_label[group.partition_label].push_back(group.index_in_file);
    }
    EXPECT_EQ(indices_by_label.size(), 2u) << "rank " << rank;
    for (const auto& [label, indices] : indices_by_label) {
      for (size_t i = 1; i < indices.size(); ++i) EXPECT_EQ(indices[i], indices[i - 1] + 1) << label;
    }
    assigned.insert(mine.begin(), mine.end());
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

// Row groups of more than one DuckDB chunk (2048 rows) without identity columns, or with them
// NULL: each row is identified by its own row number in the file, so identities are distinct and
// the test fraction holds.
TEST_F(ParquetDatasetTest, RowsWithoutIdentityColumnsAreIdentifiedByTheirRowInTheFile) {
  ThrowIfError(db_.Execute("COPY (SELECT i::INTEGER AS x, 'g' || (i % 2) AS app FROM range(20000) t(i)) TO " +
                           SqlQuote((dir_ / "plain.parquet").string()) + " (FORMAT parquet, ROW_GROUP_SIZE 10000)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "app"));
  ASSERT_FALSE(dataset.has_row_identity());
  ASSERT_EQ(dataset.row_groups().size(), 2u);
  LoadedRows rows;
  for (const auto& group : dataset.row_groups()) ThrowIfError(ReadRowGroup(db_, dataset, group, {"x"}, 7, rows));
  ASSERT_EQ(rows.rows(), 20000);
  for (int64_t r = 0; r < rows.rows(); ++r) {
    ASSERT_EQ(rows.values[static_cast<size_t>(r)], static_cast<float>(r));  // x is the row number
    ASSERT_EQ(rows.identity[static_cast<size_t>(r)], RowIdentityHash("plain.parquet", r, 7)) << "row " << r;
  }
}

TEST_F(ParquetDatasetTest, RowsWithNullIdentityAreIdentifiedByTheirRowInTheFile) {
  ThrowIfError(db_.Execute(
      "COPY (SELECT CASE WHEN i < 100 THEN 'a.pcap' END AS source_file, CASE WHEN i < 100 THEN i END AS packet_index, "
      "i::INTEGER AS x, 'g' || (i % 2) AS app FROM range(20000) t(i)) TO " +
      SqlQuote((dir_ / "nulls.parquet").string()) + " (FORMAT parquet, ROW_GROUP_SIZE 10000)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "app"));
  ASSERT_TRUE(dataset.has_row_identity());
  LoadedRows rows;
  for (const auto& group : dataset.row_groups()) ThrowIfError(ReadRowGroup(db_, dataset, group, {"x"}, 0, rows));
  ASSERT_EQ(rows.rows(), 20000);
  EXPECT_EQ(std::set<uint64_t>(rows.identity.begin(), rows.identity.end()).size(), 20000u);
  EXPECT_EQ(rows.identity[5], RowIdentityHash("a.pcap", 5, 0));
  int64_t test_rows = 0;
  for (uint64_t key : rows.split_key) test_rows += IsTestRow(key, 0.2);
  EXPECT_NEAR(static_cast<double>(test_rows) / 20000.0, 0.2, 0.015);
}

// Threads, each on its own connection, give the rows of one reader in order.
TEST_F(ParquetDatasetTest, ReadingWithThreadsGivesTheRowsOfOneReader) {
  ThrowIfError(db_.Execute(
      "COPY (SELECT 'c' || (i % 3) || '.pcap' AS source_file, i AS packet_index, "
      "CASE WHEN i % 7 = 0 THEN NULL ELSE i % 1000 END::SMALLINT AS a, (i * 0.5)::DOUBLE AS b, "
      "(i % 5)::DECIMAL(6, 2) AS c, i % 2 = 0 AS d, CASE WHEN i % 3 = 0 THEN 'x' ELSE 'y' || (i % 4) END AS app "
      "FROM range(30000) t(i)) TO " + SqlQuote((dir_ / "mixed.parquet").string()) +
      " (FORMAT parquet, ROW_GROUP_SIZE 4096)"));
  auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_, "app"));
  ASSERT_GE(dataset.row_groups().size(), 5u);
  const std::vector<std::string> features = {"a", "b", "c", "d"};
  LoadedRows one;
  for (const auto& group : dataset.row_groups()) {
    ThrowIfError(ReadRowGroup(db_, dataset, group, features, 3, one, SplitBy::kFile));
  }
  std::vector<size_t> all(dataset.row_groups().size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  // One thread reads the whole file in one query (no row-number filter), three read runs of it.
  for (int threads : {1, 3}) {
    SCOPED_TRACE(threads);
    const LoadedRows threaded = ValueOrThrow(ReadRowGroups(db_, dataset, all, features, 3, SplitBy::kFile, threads));
    ASSERT_EQ(threaded.rows(), one.rows());
    EXPECT_EQ(threaded.identity, one.identity);
    EXPECT_EQ(threaded.split_key, one.split_key);
    EXPECT_EQ(threaded.bytes_read, one.bytes_read);
    ASSERT_EQ(threaded.values.size(), one.values.size());
    for (size_t i = 0; i < one.values.size(); ++i) {
      ASSERT_TRUE(threaded.values[i] == one.values[i] || (std::isnan(threaded.values[i]) && std::isnan(one.values[i])));
    }
    for (int64_t r = 0; r < one.rows(); ++r) {
      const size_t at = static_cast<size_t>(r);
      ASSERT_EQ(threaded.label_names[static_cast<size_t>(threaded.labels[at])],
                one.label_names[static_cast<size_t>(one.labels[at])]);
    }
  }
  // Values as DuckDB casts them to FLOAT, NULL as NaN.
  auto cast = ValueOrThrow(db_.Query("SELECT a::FLOAT, b::FLOAT, c::FLOAT, d::FLOAT FROM read_parquet(" +
                                     SqlQuote((dir_ / "mixed.parquet").string()) + ") ORDER BY packet_index"));
  int64_t r = 0;
  while (duckdb_data_chunk chunk = cast.FetchChunk()) {
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    for (idx_t f = 0; f < 4; ++f) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, f);
      const float* data = static_cast<const float*>(duckdb_vector_get_data(vector));
      uint64_t* validity = duckdb_vector_get_validity(vector);
      for (idx_t i = 0; i < n; ++i) {
        const float got = one.values[static_cast<size_t>(r + static_cast<int64_t>(i)) * 4 + f];
        if (validity && !duckdb_validity_row_is_valid(validity, i)) {
          ASSERT_TRUE(std::isnan(got));
        } else {
          ASSERT_EQ(got, data[i]) << "row " << r + static_cast<int64_t>(i) << " feature " << f;
        }
      }
    }
    r += static_cast<int64_t>(n);
    duckdb_destroy_data_chunk(&chunk);
  }
  EXPECT_EQ(r, 30000);
}

// Executors exchange value counts of their samples: the bins are those of the whole sample.
// Readers convert each stored type to float themselves (FeatureColumn): DuckDB's own
// CAST(x AS FLOAT) of the same values is the oracle, bit for bit, NULL as NaN.
TEST_F(ParquetDatasetTest, EveryStoredTypeBecomesTheFloatDuckDbCastsItTo) {
  const std::vector<std::pair<std::string, std::string>> columns = {
      {"b", "i % 3 = 0"},
      {"t", "(i % 256 - 128)::TINYINT"},
      {"s", "(i * 20 - 30000)::SMALLINT"},
      {"n", "(i * 1234567 - 2000000000)::INTEGER"},
      {"g", "(i * 1099511640123 - 2000000000000000)::BIGINT"},
      {"ut", "(i % 256)::UTINYINT"},
      {"us", "(i * 21)::USMALLINT"},
      {"un", "(i * 1431655)::UINTEGER"},
      {"ug", "(18446744073709551615 - i * 98765432101)::UBIGINT"},
      {"f", "(i / 7.0)::FLOAT"},
      {"d", "(i / 3.0 + 16777217)::DOUBLE"},
      {"dec", "(i / 100)::DECIMAL(10, 2)"}};
  std::string stored;
  std::string cast;
  std::vector<std::string> features;
  for (const auto& [name, expression] : columns) {
    const std::string value = fmt::format("CASE WHEN i % 7 = 3 THEN NULL ELSE {} END", expression);
    stored += fmt::format("{} AS {}, ", value, name);
    cast += fmt::format("CAST({} AS FLOAT) AS {}, ", value, name);
    features.push_back(name);
  }
  for (const auto& [folder, select] : {std::pair{"stored", stored}, std::pair{"cast", cast}}) {
    fs::create_directories(dir_ / folder);
    ThrowIfError(db_.Execute(fmt::format("COPY (SELECT {} 'a' AS app FROM range(3000) t(i)) TO {} (FORMAT parquet)",
                                         select, SqlQuote((dir_ / folder / "f.parquet").string()))));
  }
  auto read = [&](const char* folder) {
    auto dataset = ValueOrThrow(ParquetDataset::Open(db_, dir_ / folder, "app"));
    std::vector<size_t> all(dataset.row_groups().size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return ValueOrThrow(ReadRowGroups(db_, dataset, all, features, 0, SplitBy::kRow, 1)).values;
  };
  const std::vector<float> converted = read("stored");
  const std::vector<float> expected = read("cast");
  ASSERT_EQ(converted.size(), expected.size());
  ASSERT_EQ(converted.size(), 3000 * features.size());
  for (size_t i = 0; i < converted.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(converted[i]), std::bit_cast<uint32_t>(expected[i]))
        << "feature " << features[i % features.size()] << ", row " << i / features.size();
  }
}

TEST(ValueCountsTest, MergedCountsGiveTheBinsOfTheWholeSample) {
  std::mt19937 random(5);
  std::vector<float> whole;
  std::vector<std::vector<float>> parts(3);
  for (int i = 0; i < 30000; ++i) {
    const float value = i % 11 == 0 ? std::numeric_limits<float>::quiet_NaN()
                                    : static_cast<float>(random() % 5000) / (i % 2 ? 7.0f : 1.0f);
    whole.push_back(value);
    parts[random() % 3].push_back(value);
  }
  ValueCounts merged;
  for (const auto& part : parts) merged = MergeValueCounts(merged, CountValues(part));
  EXPECT_EQ(merged, CountValues(whole));
  for (int max_bins : {2, 16, 255}) {
    // The oracle: quantiles read off the sorted sample directly.
    std::vector<float> sorted;
    for (float v : whole) {
      if (!std::isnan(v)) sorted.push_back(v);
    }
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> expected;
    for (int k = 1; k < max_bins; ++k) {
      const size_t position = static_cast<size_t>(k) * sorted.size() / static_cast<size_t>(max_bins);
      const float edge = sorted[position == 0 ? 0 : position - 1];
      if (edge == sorted.back()) break;
      if (expected.empty() || expected.back() < edge) expected.push_back(edge);
    }
    EXPECT_EQ(ComputeFeatureBins(merged, max_bins).edges, expected) << max_bins;
    EXPECT_EQ(ComputeFeatureBins(whole, max_bins).edges, expected) << max_bins;
  }
  ValueCounts small = CountValues({3.0f, -1.0f, 3.0f, -0.0f});
  EXPECT_EQ(small.values, (std::vector<float>{-1.0f, 0.0f, 3.0f}));
  EXPECT_EQ(small.counts, (std::vector<uint32_t>{1, 1, 2}));
  EXPECT_FALSE(std::signbit(small.values[1]));
}

// The summary against a std::map of the values (negative and positive, -0 and 0, infinities,
// subnormals, values far apart), NaN left out.
TEST(ValueCountsTest, DistinctValuesAscendWithTheirCounts) {
  std::mt19937 random(11);
  const std::vector<float> specials = {-0.0f, 0.0f, std::numeric_limits<float>::infinity(),
                                       -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::denorm_min(),
                                       -std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max(),
                                       std::numeric_limits<float>::lowest(), std::numeric_limits<float>::quiet_NaN()};
  std::vector<float> sample;
  std::map<float, uint32_t> oracle;  // -0 and 0 compare equal: one entry
  for (int i = 0; i < 50000; ++i) {
    const float value = i % 50 == 0 ? specials[random() % specials.size()]
                                    : std::ldexp(static_cast<float>(static_cast<int>(random() % 2001) - 1000),
                                                 static_cast<int>(random() % 60) - 30);
    sample.push_back(value);
    if (!std::isnan(value)) ++oracle[value];
  }
  const ValueCounts counts = CountValues(sample);
  ASSERT_EQ(counts.values.size(), oracle.size());
  size_t i = 0;
  for (const auto& [value, count] : oracle) {
    EXPECT_EQ(counts.values[i], value) << i;
    EXPECT_EQ(counts.counts[i], count) << value;
    ++i;
  }
  EXPECT_FALSE(std::signbit(*std::find(counts.values.begin(), counts.values.end(), 0.0f)));
}

}  // namespace
}  // namespace tad
