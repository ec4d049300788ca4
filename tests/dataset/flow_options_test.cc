#include "dataset/flow_options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace tad {
namespace {

namespace fs = std::filesystem;

class FlowOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tad_flow_options_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A one-row Parquet file at `name` under dir_, recording `options` when given.
  void Write(const std::string& name, const std::optional<FlowOptions>& options) {
    fs::create_directories((dir_ / name).parent_path());
    ThrowIfError(db_.Execute("COPY (SELECT 1 AS x) TO " + SqlQuote((dir_ / name).string()) + " (FORMAT parquet" +
                             (options ? FlowOptionsCopyClause(*options) : "") + ")"));
  }
  fs::path dir_;
  DuckDatabase db_ = ValueOrThrow(DuckDatabase::OpenInMemory(1));
};

TEST_F(FlowOptionsTest, TextRoundTripsExactly) {
  const FlowOptions options{FeatureRows::kFlows, 0.1, 1e9, 64};
  EXPECT_EQ(FlowOptionsJson(options),
            R"({"rows": "flows", "idle_timeout_s": 0.1, "active_timeout_s": 1000000000, "splt": 64})");
  EXPECT_EQ(ValueOrThrow(ParseFlowOptions(FlowOptionsJson(options), "x")), options);
  const FlowOptions packets{FeatureRows::kPackets, 120, 1800, 0};
  EXPECT_EQ(ValueOrThrow(ParseFlowOptions(FlowOptionsJson(packets), "x")), packets);
}

TEST_F(FlowOptionsTest, DamagedTextIsRefusedNamingTheSource) {
  for (const char* text : {"not json", R"({"rows": "flows"})", R"({"rows": "cells", "idle_timeout_s": 1,
       "active_timeout_s": 1, "splt": 0})", R"({"rows": "flows", "idle_timeout_s": 0, "active_timeout_s": 1,
       "splt": 0})", R"({"rows": "flows", "idle_timeout_s": 1, "active_timeout_s": 1, "splt": 65})"}) {
    auto parsed = ParseFlowOptions(text, "model file m.json");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidData);
    EXPECT_NE(parsed.status().message().find("m.json"), std::string::npos) << parsed.status().message();
  }
}

TEST_F(FlowOptionsTest, ReadBackFromEveryFileOfADataset) {
  const FlowOptions options{FeatureRows::kFlows, 30, 300, 12};
  Write("category=a/part-0.parquet", options);
  Write("category=b/part-0.parquet", options);
  EXPECT_EQ(ValueOrThrow(ReadFlowOptions(db_, dir_)), options);
  EXPECT_EQ(ValueOrThrow(ReadFlowOptions(db_, dir_ / "category=a/part-0.parquet")), options);
}

TEST_F(FlowOptionsTest, ADatasetWithoutThemHasNone) {
  Write("category=a/part-0.parquet", std::nullopt);
  EXPECT_EQ(ValueOrThrow(ReadFlowOptions(db_, dir_)), std::nullopt);
}

TEST_F(FlowOptionsTest, FilesThatDisagreeAreAnError) {
  Write("category=a/part-0.parquet", FlowOptions{FeatureRows::kFlows, 30, 300, 12});
  Write("category=b/part-0.parquet", FlowOptions{FeatureRows::kFlows, 60, 300, 12});
  auto different = ReadFlowOptions(db_, dir_);
  ASSERT_FALSE(different.ok());
  EXPECT_EQ(different.status().code(), StatusCode::kInvalidData);
  fs::remove(dir_ / "category=b/part-0.parquet");
  Write("category=b/part-0.parquet", std::nullopt);
  EXPECT_FALSE(ReadFlowOptions(db_, dir_).ok());
}

}  // namespace
}  // namespace tad
