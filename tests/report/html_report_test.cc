#include "report/html_report.h"

#include <gtest/gtest.h>

#include "common/text_file.h"
#include "report/assets.h"

namespace tad::report {
namespace {

ReportRun FixtureRun() {
  ReportRun run;
  const std::string results_path = std::string(TAD_TESTDATA_DIR) + "/run/results.json";
  run.results = *jobs::RunResults::FromJson(*ReadTextFile(results_path), results_path);
  run.model = *Model::Load(std::string(TAD_TESTDATA_DIR) + "/run/model.json");
  run.run_dir = "runs/demo";
  return run;
}

ReportInputs FixtureInputs() {
  ReportInputs inputs;
  inputs.runs.push_back(FixtureRun());
  inputs.tad_version = "0.1.0";
  inputs.generated_at = "2026-01-01T00:00:00Z";
  return inputs;
}

// A study of 1 and 2 executors whose training halves while total time does not.
jobs::ScalingStudy TwoPointStudy() {
  jobs::ScalingStudy study;
  study.cores = 2;
  for (int executors : {1, 2}) {
    jobs::ScalingPoint point;
    point.executors = executors;
    jobs::ScalingRun run;
    run.summary.train_seconds = 2.5 / executors;
    run.summary.total_seconds = 2.5 / executors + 3;
    run.summary.model_hash = "abc";
    point.runs.push_back(run);
    study.points.push_back(point);
  }
  jobs::Summarise(study);
  return study;
}

TEST(Assets, EchartsIsEmbedded) {
  EXPECT_GT(EchartsScript().size(), 500'000u);
  EXPECT_NE(EchartsScript().find("echarts"), std::string_view::npos);
  EXPECT_NE(ReportScript().find("tad-data"), std::string_view::npos);
  EXPECT_NE(ReportStyle().find(".chart"), std::string_view::npos);
}

TEST(HtmlReport, TablesBoundToTheirNumbers) {
  auto html = RenderHtmlReport(FixtureInputs());
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("data-key=\"/metrics/accuracy\" data-value=\"0.688\" data-decimals=\"4\">0.6880</td>"),
            std::string::npos);
  EXPECT_NE(html->find("data-key=\"/per_class/3/support\" data-value=\"240\""), std::string::npos);
  EXPECT_NE(html->find("data-source=\"results-1\" data-key=\"/metrics/accuracy\""), std::string::npos);
  EXPECT_NE(html->find("id=\"chart-confusion-1\""), std::string::npos);
  EXPECT_NE(html->find("id=\"chart-importances-1\""), std::string::npos);
  EXPECT_NE(html->find("if frame_len &gt; 1200.5 then Video (n=900, 83 %)"), std::string::npos);
  EXPECT_EQ(html->find("id=\"scaling\""), std::string::npos);     // no study given
  EXPECT_EQ(html->find("id=\"comparison\""), std::string::npos);  // one run: nothing to compare
}

TEST(HtmlReport, SelfContained) {
  auto html = RenderHtmlReport(FixtureInputs());
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("<script src"), std::string::npos);
  EXPECT_EQ(html->find("<link"), std::string::npos);
  EXPECT_EQ(html->rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(HtmlReport, ScalingSectionWhenAStudyIsGiven) {
  auto inputs = FixtureInputs();
  inputs.scaling = TwoPointStudy();
  auto html = RenderHtmlReport(inputs);
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("data-source=\"scaling\" data-key=\"/points/0/train_seconds/median\" data-value=\"2.5\""),
            std::string::npos);
  // Training speeds up 2×, the whole job 5.5 s → 4.25 s: both are in the table.
  EXPECT_NE(html->find("data-key=\"/points/1/speedup\" data-value=\"2\""), std::string::npos);
  EXPECT_NE(html->find("data-key=\"/points/1/total_speedup\" data-value=\"" + nlohmann::json(5.5 / 4.25).dump() + "\""),
            std::string::npos);
  EXPECT_NE(html->find("data-key=\"/points/1/total_efficiency\""), std::string::npos);
  EXPECT_NE(html->find("id=\"chart-scaling-time\""), std::string::npos);
  EXPECT_NE(html->find("Every run produced the same model"), std::string::npos);
}

TEST(HtmlReport, DataCannotCloseItsScriptElement) {
  auto inputs = FixtureInputs();
  inputs.runs.front().results.job = "</script><script>alert(1)</script>";
  auto html = RenderHtmlReport(inputs);
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("</script><script>alert"), std::string::npos);
  EXPECT_NE(html->find("&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(JsonForScript(nlohmann::json("a</b")), "\"a<\\/b\"");
}

TEST(HtmlReport, SeveralRunsSideBySide) {
  auto inputs = FixtureInputs();
  ReportRun flows = FixtureRun();
  flows.run_dir = "runs/flows-file";
  flows.results.dataset.row_kind = "flows";
  flows.results.split = jobs::SplitSummary{"file", "every class has at least 5 capture files"};
  flows.model.reset();
  inputs.runs.front().results.dataset.row_kind = "packets";
  inputs.runs.push_back(flows);
  auto html = RenderHtmlReport(inputs);
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("id=\"comparison-table\""), std::string::npos);
  EXPECT_NE(html->find("data-source=\"results-1\" data-key=\"/dataset/row_kind\" data-type=\"text\">packets<"),
            std::string::npos);
  EXPECT_NE(html->find("data-source=\"results-2\" data-key=\"/dataset/row_kind\" data-type=\"text\">flows<"),
            std::string::npos);
  EXPECT_NE(html->find("data-source=\"results-2\" data-key=\"/split/by\" data-type=\"text\">file<"), std::string::npos);
  // Each run keeps its own sections; the second has no model file, so no rules.
  EXPECT_NE(html->find("id=\"run-2\""), std::string::npos);
  EXPECT_NE(html->find("id=\"chart-confusion-2\""), std::string::npos);
  EXPECT_NE(html->find("id=\"shape-table-1\""), std::string::npos);
  EXPECT_EQ(html->find("id=\"shape-table-2\""), std::string::npos);
}

TEST(HtmlReport, NeedsARun) {
  ReportInputs inputs;
  EXPECT_FALSE(RenderHtmlReport(inputs).ok());
}

}  // namespace
}  // namespace tad::report
