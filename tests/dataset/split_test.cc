// --split-by: the split keys group whole flows or whole capture files, and the default rule picks
// file only when every class has enough capture files (ChooseSplit, dataset/parquet_dataset.h).
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "dataset/parquet_dataset.h"

namespace tad {
namespace {

namespace fs = std::filesystem;

class SplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tad_split_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Packet rows: `files` capture files per class, 10 flows of 20 packets each per file.
  ParquetDataset Write(int files) {
    fs::remove_all(dir_);
    ThrowIfError(db_.Execute(fmt::format(
        "COPY (SELECT (CASE WHEN i % 2 = 0 THEN 'Games' ELSE 'Video' END) || '/f' || ((i // 2) % {0}) || '.pcap' "
        "AS source_file, i AS packet_index, (i // ({0} * 2)) % 10 + 1 AS flow_index, (i % 7)::INTEGER AS x, "
        "CASE WHEN i % 2 = 0 THEN 'Games' ELSE 'Video' END AS category FROM range({0} * 2 * 200) t(i)) TO {1} "
        "(FORMAT parquet, PARTITION_BY (category))",
        files, SqlQuote(dir_.string()))));
    return ValueOrThrow(ParquetDataset::Open(db_, dir_, "category"));
  }
  LoadedRows Read(const ParquetDataset& dataset, SplitBy split) {
    LoadedRows rows;
    for (const auto& group : dataset.row_groups()) ThrowIfError(ReadRowGroup(db_, dataset, group, {"x"}, 3, rows, split));
    return rows;
  }
  fs::path dir_;
  DuckDatabase db_ = ValueOrThrow(DuckDatabase::OpenInMemory(1));
};

TEST_F(SplitTest, KeysGroupWholeFilesAndFlows) {
  const ParquetDataset dataset = Write(6);
  const LoadedRows by_row = Read(dataset, SplitBy::kRow);
  const LoadedRows by_flow = Read(dataset, SplitBy::kFlow);
  const LoadedRows by_file = Read(dataset, SplitBy::kFile);
  EXPECT_EQ(by_row.split_key, by_row.identity);
  EXPECT_EQ(std::set<uint64_t>(by_row.split_key.begin(), by_row.split_key.end()).size(), 2400u);
  EXPECT_EQ(std::set<uint64_t>(by_flow.split_key.begin(), by_flow.split_key.end()).size(), 12u * 10);
  EXPECT_EQ(std::set<uint64_t>(by_file.split_key.begin(), by_file.split_key.end()).size(), 12u);
  EXPECT_TRUE(std::set<uint64_t>(by_file.split_key.begin(), by_file.split_key.end()).count(HashBytes("Games/f0.pcap", 3)));
}

TEST_F(SplitTest, DefaultRule) {
  {
    const ParquetDataset dataset = Write(5);
    const SplitChoice choice = ValueOrThrow(ChooseSplit(db_, dataset, SplitBy::kAuto));
    EXPECT_EQ(choice.split, SplitBy::kFile) << choice.reason;
  }
  {
    const ParquetDataset dataset = Write(4);
    const SplitChoice choice = ValueOrThrow(ChooseSplit(db_, dataset, SplitBy::kAuto));
    EXPECT_EQ(choice.split, SplitBy::kFlow) << choice.reason;
    EXPECT_EQ(ValueOrThrow(ChooseSplit(db_, dataset, SplitBy::kRow)).split, SplitBy::kRow);
  }
  EXPECT_FALSE(ParseSplitBy("flows").ok());
}

}  // namespace
}  // namespace tad
