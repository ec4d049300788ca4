#include "report/scaling.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tad::report {
namespace {

// The study's data and its JSON are jobs/; its table and CSV are report/.
using namespace tad::jobs;

TEST(ExecutorCounts, ParsesRangesAndLists) {
  EXPECT_EQ(*ParseExecutorCounts("1-7"), (std::vector<int>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(*ParseExecutorCounts("4,1,2"), (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(*ParseExecutorCounts("1-3,8,2"), (std::vector<int>{1, 2, 3, 8}));
  EXPECT_EQ(*ParseExecutorCounts("3"), (std::vector<int>{3}));
}

TEST(ExecutorCounts, RejectsNonsenseAsUsageErrors) {
  for (const char* spec : {"", "0", "3-1", "a", "1-", "1,,2", "2000", "-1", "1.5"}) {
    auto counts = ParseExecutorCounts(spec);
    ASSERT_FALSE(counts.ok()) << spec;
    EXPECT_EQ(counts.status().code(), StatusCode::kInvalidArgument) << spec;
  }
}

TEST(Spread, MedianMinMax) {
  auto odd = SpreadOf({3, 1, 2});
  EXPECT_DOUBLE_EQ(odd.median, 2);
  EXPECT_DOUBLE_EQ(odd.min, 1);
  EXPECT_DOUBLE_EQ(odd.max, 3);
  auto even = SpreadOf({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(even.median, 2.5);
  auto one = SpreadOf({7});
  EXPECT_DOUBLE_EQ(one.median, 7);
  EXPECT_DOUBLE_EQ(one.min, 7);
  auto none = SpreadOf({});
  EXPECT_DOUBLE_EQ(none.median, 0);
}

ScalingRun Run(int executors, int repeat, double train_seconds, std::string hash = "abc") {
  ScalingRun run;
  run.repeat = repeat;
  run.run_dir = "runs/n" + std::to_string(executors) + "-r" + std::to_string(repeat);
  run.wall_seconds = train_seconds + 1;
  run.summary.executors = executors;
  run.summary.cores = 2;
  run.summary.train_seconds = train_seconds;
  run.summary.total_seconds = train_seconds + 0.5;
  run.summary.accuracy = 0.71;
  run.summary.precision = 0.69;
  run.summary.recall = 0.71;
  run.summary.f1 = 0.66;
  run.summary.comm_seconds = 0.1;
  run.summary.compute_seconds = 0.9;
  run.summary.bytes_sent = 2048;
  run.summary.model_hash = std::move(hash);
  return run;
}

ScalingStudy Study(int repeat) {
  ScalingStudy study;
  study.dataset = "data/x";
  study.cores = 2;
  study.repeat = repeat;
  for (int n = 1; n <= 3; ++n) {
    ScalingPoint point;
    point.executors = n;
    for (int r = 1; r <= repeat; ++r) point.runs.push_back(Run(n, r, 12.0 / n + r - 1));
    study.points.push_back(point);
  }
  Summarise(study);
  return study;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Scaling, SpeedupEfficiencyAndOversubscription) {
  auto study = Study(1);
  ASSERT_EQ(study.points.size(), 3u);
  EXPECT_DOUBLE_EQ(study.points[0].speedup, 1);
  EXPECT_DOUBLE_EQ(study.points[1].speedup, 2);
  EXPECT_DOUBLE_EQ(study.points[2].speedup, 3);
  EXPECT_DOUBLE_EQ(study.points[2].efficiency, 1);
  // Total time is training + 0.5 s that does not shrink: 12.5 s → 6.5 s → 4.5 s.
  EXPECT_DOUBLE_EQ(study.points[0].total_speedup, 1);
  EXPECT_DOUBLE_EQ(study.points[1].total_speedup, 12.5 / 6.5);
  EXPECT_DOUBLE_EQ(study.points[2].total_efficiency, 12.5 / 4.5 / 3);
  EXPECT_FALSE(study.points[1].oversubscribed);
  EXPECT_TRUE(study.points[2].oversubscribed);
  EXPECT_TRUE(study.same_model);
}

TEST(Scaling, MarkdownHasTheSeedsColumnsAndOneRowPerCount) {
  const auto lines = Lines(ScalingMarkdown(Study(1)));
  ASSERT_GE(lines.size(), 6u);
  EXPECT_EQ(lines[0],
            "| executors | training time | total time | accuracy | precision | recall | F1 | speedup (training / total) | "
            "efficiency (training / total) | comm / compute | bytes sent | model hash | note |");
  EXPECT_EQ(lines[2],
            "| 1 | 12.00 s | 12.50 s | 0.710 | 0.690 | 0.710 | 0.660 | 1.00× / 1.00× | 100 % / 100 % | "
            "100 ms / 900 ms (10 % comm) | 2.0 KiB | abc |  |");
  // Executors 2: training 6 s (2×, 100 %), total 6.5 s (12.5 / 6.5 = 1.92×, 96 %).
  EXPECT_NE(lines[3].find("| 2.00× / 1.92× | 100 % / 96 % |"), std::string::npos) << lines[3];
  EXPECT_EQ(lines[4].substr(0, 4), "| 3 ");
  EXPECT_NE(lines[4].find("oversubscribed (3 > 2 cores)"), std::string::npos);
  EXPECT_EQ(lines[5], "");
  EXPECT_EQ(lines[6], "Same model on every run: yes (hash abc).");
}

TEST(Scaling, RepeatsShowMedianAndMinMax) {
  const auto lines = Lines(ScalingMarkdown(Study(3)));
  // Executors 1: training times 12, 13, 14 → median 13 (12–14); metrics equal → no range.
  EXPECT_EQ(lines[2].rfind("| 1 | 13.00 s (12.00 s–14.00 s) | 13.50 s (12.50 s–14.50 s) | 0.710 |", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find("| 0.710 |"), std::string::npos);
  // Values that differ but print the same show no range.
  auto close = Study(2);
  close.points[0].runs[1].summary.accuracy = 0.7101;
  Summarise(close);
  EXPECT_NE(Lines(ScalingMarkdown(close))[2].find("| 0.710 | 0.690 |"), std::string::npos);
  EXPECT_NE(ScalingMarkdown(Study(3)).find("Medians of 3 runs each"), std::string::npos);
}

TEST(Scaling, DifferentModelsAreFlagged) {
  auto study = Study(1);
  study.points[1].runs[0].summary.model_hash = "def";
  Summarise(study);
  EXPECT_FALSE(study.same_model);
  EXPECT_EQ(study.model_hashes, (std::vector<std::string>{"abc", "def"}));
  EXPECT_NE(ScalingMarkdown(study).find("WARNING: the runs produced 2 different models"), std::string::npos);
  EXPECT_FALSE(ScalingToJson(study)["same_model"].get<bool>());
}

TEST(Scaling, CsvHasOneLinePerRun) {
  const auto lines = Lines(ScalingCsv(Study(2)));
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0].rfind("executors,repeat,train_seconds,total_seconds,", 0), 0u);
  EXPECT_EQ(lines[1], "1,1,12,12.5,13,0.71,0.69,0.71,0.66,0.1,0.9,2048,abc,false,runs/n1-r1");
  EXPECT_EQ(lines[6].substr(0, 4), "3,2,");
}

TEST(Scaling, JsonRoundTrips) {
  const auto study = Study(2);
  const auto json = ScalingToJson(study);
  EXPECT_EQ(json["schema"], "tad.scaling/1");
  EXPECT_DOUBLE_EQ(json["points"][1]["train_seconds"]["median"].get<double>(), 6.5);
  EXPECT_DOUBLE_EQ(json["points"][1]["train_seconds"]["max"].get<double>(), 7);
  auto back = ScalingFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ScalingToJson(*back), json);
  EXPECT_FALSE(ScalingFromJson(nlohmann::json{{"schema", "other"}}).ok());
}

TEST(Scaling, FormatsTimesAndBytes) {
  EXPECT_EQ(FormatSeconds(1.234), "1.23 s");
  EXPECT_EQ(FormatSeconds(0.1234), "123 ms");
  EXPECT_EQ(FormatSeconds(0.00123), "1.2 ms");
  EXPECT_EQ(FormatSeconds(756), "12.6 min");
  EXPECT_EQ(FormatSeconds(4380), "1 h 13 min");
  EXPECT_EQ(FormatBytes(812), "812 B");
  EXPECT_EQ(FormatBytes(3.5 * 1024 * 1024), "3.5 MiB");
}

}  // namespace
}  // namespace tad::report
