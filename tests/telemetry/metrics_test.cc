#include "telemetry/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace tad::telemetry {
namespace {

TEST(MetricsTest, EscapesLabelValuesAsTheTextFormatRequires) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\"b"), "a\\\"b");
  EXPECT_EQ(EscapeLabelValue("a\\b"), "a\\\\b");
  EXPECT_EQ(EscapeLabelValue("line\nbreak"), "line\\nbreak");
  EXPECT_EQ(EscapeLabelValue("ünïcode"), "ünïcode");
}

TEST(MetricsTest, EscapesHelpButNotQuotes) {
  EXPECT_EQ(EscapeHelp("say \"hi\"\\\n"), "say \"hi\"\\\\\\n");
}

TEST(MetricsTest, FormatsNumbersExactly) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(12345678901234.0), "12345678901234");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(std::stod(FormatValue(0.1 + 0.2)), 0.1 + 0.2);
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(MetricsTest, ValidatesNames) {
  EXPECT_TRUE(IsValidMetricName("tad_executor_cpu_seconds_total"));
  EXPECT_TRUE(IsValidMetricName("ns:metric"));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_TRUE(IsValidLabelName("executor_id"));
  EXPECT_FALSE(IsValidLabelName("ns:label"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
}

TEST(MetricsTest, RendersHelpTypeAndSamplesInRegistrationOrder) {
  Registry registry;
  registry.Counter("tad_b_total", "B things.", {{"job", "j"}, {"executor_id", "0"}}, 3);
  registry.Gauge("tad_a_bytes", "A bytes.", {}, 1.5);
  registry.Counter("tad_b_total", "B things.", {{"job", "j"}, {"executor_id", "1"}}, 4);
  EXPECT_EQ(registry.Render(),
            "# HELP tad_b_total B things.\n"
            "# TYPE tad_b_total counter\n"
            "tad_b_total{job=\"j\",executor_id=\"0\"} 3\n"
            "tad_b_total{job=\"j\",executor_id=\"1\"} 4\n"
            "# HELP tad_a_bytes A bytes.\n"
            "# TYPE tad_a_bytes gauge\n"
            "tad_a_bytes 1.5\n");
}

TEST(MetricsTest, SettingTheSameLabelsReplacesTheValue) {
  Registry registry;
  registry.Gauge("tad_x", "X.", {{"k", "v"}}, 1);
  registry.Gauge("tad_x", "X.", {{"k", "v"}}, 2);
  const auto families = registry.Snapshot();
  ASSERT_EQ(families.size(), 1u);
  ASSERT_EQ(families[0].samples.size(), 1u);
  EXPECT_EQ(families[0].samples[0].value, 2);
}

TEST(MetricsTest, ClearedFamiliesAreLeftOutOfTheText) {
  Registry registry;
  registry.Gauge("tad_x", "X.", {{"k", "v"}}, 1);
  registry.Clear("tad_x");
  EXPECT_EQ(registry.Render(), "");
}

TEST(MetricsTest, EscapedLabelValuesRoundTripInTheText) {
  Registry registry;
  registry.Gauge("tad_info", "Info.", {{"host", "we\"ird\\host\n"}}, 1);
  EXPECT_NE(registry.Render().find("tad_info{host=\"we\\\"ird\\\\host\\n\"} 1\n"), std::string::npos);
}

TEST(MetricsTest, RenderingWhileUpdatingFromAnotherThreadIsSafe) {
  Registry registry;
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) registry.Counter("tad_n_total", "N.", {{"i", std::to_string(i % 50)}}, i);
  });
  size_t longest = 0;
  for (int i = 0; i < 200; ++i) longest = std::max(longest, registry.Render().size());
  writer.join();
  (void)longest;  // the point is that nothing crashed or tore
  EXPECT_EQ(registry.Snapshot()[0].samples.size(), 50u);
}

}  // namespace
}  // namespace tad::telemetry
