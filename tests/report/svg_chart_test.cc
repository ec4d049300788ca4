#include "report/svg_chart.h"

#include <gtest/gtest.h>

#include "report/scaling_charts.h"

namespace tad::report {
namespace {

// The study's data is jobs/; its charts are report/.
using namespace tad::jobs;

size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(NiceTicks, RoundSteps) {
  EXPECT_EQ(NiceTicks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(NiceTicks(1, 7, 6), (std::vector<double>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(NiceTicks(0, 1.7, 5), (std::vector<double>{0, 0.5, 1, 1.5, 2}));
  EXPECT_FALSE(NiceTicks(3, 3, 5).empty());
}

TEST(Svg, OnePathPerSeriesAndEscapedText) {
  LineChart chart{"A < B & C",
                  "executors",
                  "seconds",
                  {{"one", {{1, 2}, {2, 1}}, "#000"}, {"ideal", {{1, 2}, {2, 1}}, "#888", true}}};
  const std::string svg = RenderSvg(chart);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(Count(svg, "class=\"series\""), 2u);
  EXPECT_EQ(Count(svg, "<circle"), 2u);  // markers only on measured series
  EXPECT_NE(svg.find("A &lt; B &amp; C"), std::string::npos);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(ScalingCharts, TimeSpeedupEfficiency) {
  ScalingStudy study;
  for (int n = 1; n <= 3; ++n) {
    ScalingPoint p;
    p.executors = n;
    ScalingRun run;
    run.summary.train_seconds = 6.0 / n;
    run.summary.total_seconds = 6.0 / n + 2;  // start-up and loading that do not shrink
    p.runs.push_back(run);
    study.points.push_back(p);
  }
  Summarise(study);
  const auto charts = ScalingCharts(study);
  ASSERT_EQ(charts.size(), 3u);
  EXPECT_EQ(charts[0].first, "scaling_time");
  // The ideal line halves the single-executor time at two executors.
  EXPECT_DOUBLE_EQ(charts[0].second.series[2].points[1].second, 3.0);
  EXPECT_DOUBLE_EQ(charts[1].second.series[0].points[2].second, 3.0);
  EXPECT_DOUBLE_EQ(charts[2].second.series[0].points[2].second, 1.0);
  // Total time's speedup and efficiency beside training's: 8 s → 4 s at three executors.
  ASSERT_EQ(charts[1].second.series.size(), 3u);
  EXPECT_EQ(charts[1].second.series[1].name, "total");
  EXPECT_DOUBLE_EQ(charts[1].second.series[1].points[2].second, 2.0);
  EXPECT_EQ(charts[2].second.series[1].name, "total");
  EXPECT_DOUBLE_EQ(charts[2].second.series[1].points[2].second, 2.0 / 3);
}

}  // namespace
}  // namespace tad::report
