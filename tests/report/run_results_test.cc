#include "report/run_results.h"

#include <gtest/gtest.h>

#include "report/files.h"

namespace tad::report {
namespace {

nlohmann::json Fixture(const char* name) {
  auto json = ReadJsonFile(std::string(TAD_TESTDATA_DIR) + "/run/" + name);
  EXPECT_TRUE(json.ok()) << json.status().message();
  return json.ok() ? *json : nlohmann::json();
}

TEST(RunResults, SummarisesTheFixtureRun) {
  auto run = SummariseRun(Fixture("results.json"));
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->executors, 2);
  EXPECT_EQ(run->cores, 2);
  EXPECT_FALSE(run->oversubscribed);
  EXPECT_DOUBLE_EQ(run->train_seconds, 1.2345);
  EXPECT_DOUBLE_EQ(run->total_seconds, 1.7201);
  EXPECT_DOUBLE_EQ(run->accuracy, 0.688);
  EXPECT_DOUBLE_EQ(run->precision, 0.6931);
  EXPECT_DOUBLE_EQ(run->f1, 0.6627);
  EXPECT_DOUBLE_EQ(run->comm_seconds, 0.06);
  EXPECT_DOUBLE_EQ(run->compute_seconds, 1.075);
  EXPECT_EQ(run->bytes_sent, 20480u);
  EXPECT_EQ(run->model_hash, "9a3c5e7f01b2d4c6");
}

TEST(RunResults, NamesTheMissingField) {
  auto results = Fixture("results.json");
  results["metrics"].erase("weighted_f1");
  auto run = SummariseRun(results);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(run.status().message().find("/metrics/weighted_f1"), std::string::npos);
}

TEST(RunResults, RejectsAnotherSchema) {
  auto results = Fixture("results.json");
  results["schema"] = "tad.run/2";
  EXPECT_FALSE(SummariseRun(results).ok());
}

}  // namespace
}  // namespace tad::report
