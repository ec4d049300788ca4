// The fixture run's results.json as the report and the scaling study read it: through
// jobs::RunResults::FromJson, the one reader of results.json.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/text_file.h"
#include "jobs/run_results.h"
#include "jobs/scaling_study.h"

namespace tad::jobs {
namespace {

const std::string kFixture = std::string(TAD_TESTDATA_DIR) + "/run/results.json";

std::string FixtureText() {
  auto text = ReadTextFile(kFixture);
  EXPECT_TRUE(text.ok()) << text.status().message();
  return text.ok() ? *text : std::string();
}

TEST(RunSummary, SummarisesTheFixtureRun) {
  auto results = RunResults::FromJson(FixtureText(), kFixture);
  ASSERT_TRUE(results.ok()) << results.status().message();
  const RunSummary run = SummariseRun(*results);
  EXPECT_EQ(run.executors, 2);
  EXPECT_EQ(run.cores, 2);
  EXPECT_FALSE(run.oversubscribed);
  EXPECT_DOUBLE_EQ(run.train_seconds, 1.2345);
  EXPECT_DOUBLE_EQ(run.total_seconds, 1.7201);
  // The figures follow from the fixture's confusion matrix (its "metrics" are not read), by
  // Spark's definitions written out here: per-class figures weighted by each class's support.
  const std::vector<std::vector<double>> m = {{70, 0, 20, 10}, {10, 0, 40, 10}, {8, 0, 72, 20}, {5, 0, 33, 202}};
  double precision = 0, f1 = 0;
  for (size_t c = 0; c < m.size(); ++c) {
    double support = 0, predicted = 0;
    for (size_t k = 0; k < m.size(); ++k) {
      support += m[c][k];
      predicted += m[k][c];
    }
    const double p = predicted > 0 ? m[c][c] / predicted : 0, r = m[c][c] / support;
    precision += support * p / 500;
    f1 += support * (p + r > 0 ? 2 * p * r / (p + r) : 0) / 500;
  }
  EXPECT_DOUBLE_EQ(run.accuracy, 344.0 / 500.0);
  EXPECT_NEAR(run.precision, precision, 1e-12);
  EXPECT_NEAR(run.recall, 344.0 / 500.0, 1e-12);
  EXPECT_NEAR(run.f1, f1, 1e-12);
  EXPECT_DOUBLE_EQ(run.comm_seconds, 0.06);
  EXPECT_DOUBLE_EQ(run.compute_seconds, 1.075);
  EXPECT_EQ(run.bytes_sent, 20480u);
  EXPECT_EQ(run.model_hash, "9a3c5e7f01b2d4c6");
}

TEST(RunSummary, NamesTheMissingField) {
  auto doc = nlohmann::json::parse(FixtureText());
  doc["model"].erase("hash");
  auto results = RunResults::FromJson(doc.dump(), kFixture);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(results.status().message().find("model/hash"), std::string::npos) << results.status().message();
}

TEST(RunSummary, RejectsAnotherSchema) {
  auto doc = nlohmann::json::parse(FixtureText());
  doc["schema"] = "tad.run/2";
  EXPECT_FALSE(RunResults::FromJson(doc.dump(), kFixture).ok());
}

}  // namespace
}  // namespace tad::jobs
