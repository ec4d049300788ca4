#include "report/html_report.h"

#include <gtest/gtest.h>

#include "report/assets.h"
#include "common/text_file.h"

namespace tad::report {
namespace {

ReportInputs FixtureInputs() {
  ReportInputs inputs;
  const std::string results_path = std::string(TAD_TESTDATA_DIR) + "/run/results.json";
  inputs.results = *jobs::RunResults::FromJson(*ReadTextFile(results_path), results_path);
  inputs.model = *Model::Load(std::string(TAD_TESTDATA_DIR) + "/run/model.json");
  inputs.run_dir = "runs/demo";
  inputs.tad_version = "0.1.0";
  inputs.generated_at = "2026-01-01T00:00:00Z";
  return inputs;
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
  EXPECT_NE(html->find("id=\"chart-confusion\""), std::string::npos);
  EXPECT_NE(html->find("id=\"chart-importances\""), std::string::npos);
  EXPECT_NE(html->find("if frame_len &gt; 1200.5 then Video (n=900, 83 %)"), std::string::npos);
  EXPECT_EQ(html->find("id=\"scaling\""), std::string::npos);  // no study given
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
  inputs.scaling = nlohmann::json{{"schema", "tad.scaling/1"},
                                  {"cores", 2},
                                  {"repeat", 1},
                                  {"same_model", true},
                                  {"points",
                                   {{{"executors", 1},
                                     {"train_seconds", {{"median", 2.5}, {"min", 2.5}, {"max", 2.5}}},
                                     {"model_hashes", {"abc"}}}}}};
  auto html = RenderHtmlReport(inputs);
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("data-source=\"scaling\" data-key=\"/points/0/train_seconds/median\" data-value=\"2.5\""),
            std::string::npos);
  EXPECT_NE(html->find("id=\"chart-scaling-time\""), std::string::npos);
  EXPECT_NE(html->find("Every run produced the same model"), std::string::npos);
}

TEST(HtmlReport, DataCannotCloseItsScriptElement) {
  auto inputs = FixtureInputs();
  inputs.results.job = "</script><script>alert(1)</script>";
  auto html = RenderHtmlReport(inputs);
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("</script><script>alert"), std::string::npos);
  EXPECT_NE(html->find("&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(JsonForScript(nlohmann::json("a</b")), "\"a<\\/b\"");
}

TEST(HtmlReport, RejectsAMalformedStudy) {
  auto inputs = FixtureInputs();
  inputs.scaling = nlohmann::json{{"schema", "nope"}};
  EXPECT_FALSE(RenderHtmlReport(inputs).ok());
}

}  // namespace
}  // namespace tad::report
