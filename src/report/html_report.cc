#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "jobs/scaling_study.h"
#include "report/assets.h"
#include "report/tree_summary.h"

namespace tad::report {
namespace {

using nlohmann::json;

constexpr size_t kTopRules = 12;

// Escapes "</" inside inline <script> text (the embedded libraries), which never needs it in code
// but may contain it in strings.
std::string SafeScriptText(std::string_view script) {
  std::string out;
  out.reserve(script.size());
  for (size_t i = 0; i < script.size(); ++i) {
    if (script[i] == '<' && i + 1 < script.size() && script[i + 1] == '/' && script.substr(i + 2, 6) == "script") {
      out += "<\\/";
      ++i;
    } else {
      out += script[i];
    }
  }
  return out;
}

std::string NumberText(double value, int decimals) { return fmt::format("{:.{}f}", value, decimals); }

// The number as JSON would write it, integers without a fraction, so it reads back equal.
std::string ExactNumber(double value) {
  if (std::floor(value) == value && std::abs(value) < 9e15) return std::to_string(static_cast<int64_t>(value));
  return json(value).dump();
}

// A table cell bound to a number in one of the JSON documents, so a test can check text against data.
std::string BoundCell(const std::string& source, const std::string& pointer, double value, int decimals,
                      const std::string& suffix = "") {
  return fmt::format(
      "<td class=\"num\" data-source=\"{}\" data-key=\"{}\" data-value=\"{}\" data-decimals=\"{}\">{}{}</td>", source,
      EscapeHtml(pointer), ExactNumber(value), decimals, NumberText(value, decimals), EscapeHtml(suffix));
}

double NumberAt(const json& doc, const std::string& pointer, double fallback = 0) {
  const json::json_pointer where(pointer);
  if (!doc.contains(where) || !doc.at(where).is_number()) return fallback;
  return doc.at(where).get<double>();
}

std::string KeyValueRows(const json& object) {
  std::string rows;
  if (!object.is_object()) return rows;
  for (const auto& [key, value] : object.items()) {
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_array()) {
      for (const auto& item : value)
        text += (text.empty() ? "" : ", ") + (item.is_string() ? item.get<std::string>() : item.dump());
    } else {
      text = value.dump();
    }
    rows += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", EscapeHtml(key), EscapeHtml(text));
  }
  return rows;
}

// The optional count as results.json writes it, or nothing when it is absent.
std::string CountText(const std::optional<int64_t>& count) { return count ? std::to_string(*count) : ""; }

std::string ResultsSection(const jobs::RunResults& run) {
  const ClassificationReport& figures = run.evaluation.report;
  std::string html = "<section id=\"results\"><h2>Results</h2>\n<table id=\"results-table\" class=\"grid\">\n";
  html +=
      "<tr><th>executors</th><th>training time (s)</th><th>total time (s)</th><th>accuracy</th>"
      "<th>precision</th><th>recall</th><th>F1</th><th>model hash</th></tr>\n<tr>";
  html += BoundCell("results", "/executors", run.executors, 0);
  html += BoundCell("results", "/timing/train_seconds", run.timing.train_seconds.value_or(0), 3);
  html += BoundCell("results", "/timing/total_seconds", run.timing.total_seconds, 3);
  for (const auto& [key, value] : {std::pair{"accuracy", figures.accuracy},
                                   {"weighted_precision", figures.weighted_precision},
                                   {"weighted_recall", figures.weighted_recall},
                                   {"weighted_f1", figures.weighted_f1}}) {
    html += BoundCell("results", std::string("/metrics/") + key, value, 4);
  }
  html += fmt::format("<td><code>{}</code></td></tr>\n</table>\n", EscapeHtml(run.model.hash));
  html += fmt::format(
      "<p class=\"note\">Weighted precision, recall and F1 as Spark computes them, on {} test rows of {}. "
      "Load {:.3f} s, evaluation {:.3f} s.{}</p>\n</section>\n",
      CountText(run.dataset.test_rows), run.dataset.rows, run.timing.load_seconds.value_or(0),
      run.timing.evaluate_seconds.value_or(0),
      run.placement && run.placement->oversubscribed
          ? " <strong>Oversubscribed:</strong> more executors than cores."
          : "");
  return html;
}

std::string ScalingSection(const json& s) {
  std::string html =
      "<section id=\"scaling\"><h2>Scaling</h2>\n<table id=\"scaling-table\" class=\"grid\">\n"
      "<tr><th>executors</th><th>training time (s)</th><th>total time (s)</th><th>accuracy</th><th>precision</th>"
      "<th>recall</th><th>F1</th><th>comm (s)</th><th>compute (s)</th><th>bytes sent</th><th>speedup</th>"
      "<th>efficiency</th><th>model hash</th><th>note</th></tr>\n";
  const json& points = s.at("points");
  for (size_t i = 0; i < points.size(); ++i) {
    const json& p = points[i];
    const std::string base = fmt::format("/points/{}", i);
    html += "<tr>" + BoundCell("scaling", base + "/executors", NumberAt(s, base + "/executors"), 0);
    for (const char* key : {"train_seconds", "total_seconds"}) {
      html += BoundCell("scaling", base + "/" + key + "/median", NumberAt(s, base + "/" + key + "/median"), 3);
    }
    for (const char* key : {"accuracy", "weighted_precision", "weighted_recall", "weighted_f1"}) {
      html += BoundCell("scaling", base + "/" + key + "/median", NumberAt(s, base + "/" + key + "/median"), 4);
    }
    for (const char* key : {"comm_seconds", "compute_seconds"}) {
      html += BoundCell("scaling", base + "/" + key + "/median", NumberAt(s, base + "/" + key + "/median"), 3);
    }
    html += BoundCell("scaling", base + "/bytes_sent/median", NumberAt(s, base + "/bytes_sent/median"), 0);
    html += BoundCell("scaling", base + "/speedup", NumberAt(s, base + "/speedup"), 2);
    html += BoundCell("scaling", base + "/efficiency", NumberAt(s, base + "/efficiency"), 2);
    std::string hashes;
    const json model_hashes = p.value("model_hashes", json::array());
    for (const auto& h : model_hashes) hashes += (hashes.empty() ? "" : ", ") + h.get<std::string>();
    html += fmt::format("<td><code>{}</code></td><td>{}</td></tr>\n", EscapeHtml(hashes),
                        p.value("oversubscribed", false) ? "oversubscribed" : "");
  }
  html += "</table>\n";
  const int repeat = s.value("repeat", 1);
  if (repeat > 1) html += fmt::format("<p class=\"note\">Medians of {} runs per executor count.</p>\n", repeat);
  if (s.value("same_model", true)) {
    html += "<p class=\"ok\" id=\"same-model\">Every run produced the same model (one hash).</p>\n";
  } else {
    html += "<p class=\"warning\" id=\"same-model\">Warning: the runs produced different models.</p>\n";
  }
  html += fmt::format(
      "<p class=\"note\">{} cores on this machine; rows marked oversubscribed ran more executors "
      "than cores, so their times show contention, not scaling.</p>\n",
      s.value("cores", 0));
  html +=
      "<div class=\"charts\"><div class=\"chart\" id=\"chart-scaling-time\"></div>"
      "<div class=\"chart\" id=\"chart-scaling-speedup\"></div>"
      "<div class=\"chart\" id=\"chart-scaling-efficiency\"></div>"
      "<div class=\"chart\" id=\"chart-scaling-split\"></div></div>\n</section>\n";
  return html;
}

std::string ClassSection(const jobs::RunResults& run) {
  std::string html =
      "<section id=\"classes\"><h2>Confusion matrix and per-class metrics</h2>\n"
      "<div class=\"chart tall\" id=\"chart-confusion\"></div>\n"
      "<table id=\"per-class-table\" class=\"grid\"><tr><th>class</th><th>precision</th><th>recall</th>"
      "<th>F1</th><th>support</th></tr>\n";
  const std::vector<ClassMetrics>& per_class = run.evaluation.report.per_class;
  for (size_t i = 0; i < per_class.size(); ++i) {
    const ClassMetrics& m = per_class[i];
    const std::string base = fmt::format("/per_class/{}", i);
    html += fmt::format("<tr><th>{}</th>", EscapeHtml(m.name));
    for (const auto& [key, value] : {std::pair{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}}) {
      html += BoundCell("results", base + "/" + key, value, 4);
    }
    html += BoundCell("results", base + "/support", static_cast<double>(m.support), 0) + "</tr>\n";
  }
  html += "</table>\n<div class=\"chart\" id=\"chart-per-class\"></div>\n</section>\n";
  return html;
}

std::string ModelSection(const std::optional<Model>& model) {
  std::string html = "<section id=\"model\"><h2>The model</h2>\n";
  html += "<div class=\"chart\" id=\"chart-importances\"></div>\n";
  if (!model) {
    html += "<p class=\"warning\">The model file was not found, so its shape and rules are not shown.</p>\n";
    return html + "</section>\n";
  }
  const TreeShape shape = ShapeOf(*model);
  html += fmt::format(
      "<table id=\"shape-table\" class=\"grid\"><tr><th>depth</th><th>nodes</th><th>leaves</th>"
      "<th>features</th><th>classes</th></tr><tr>{}{}{}<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>"
      "</table>\n",
      BoundCell("results", "/model/depth", shape.depth, 0), BoundCell("results", "/model/nodes", shape.nodes, 0),
      BoundCell("results", "/model/leaves", shape.leaves, 0), model->features.size(), model->classes.size());
  html += "<table id=\"levels-table\" class=\"grid\"><tr><th>level</th>";
  for (size_t i = 0; i < shape.nodes_per_level.size(); ++i) html += fmt::format("<th>{}</th>", i);
  html += "</tr><tr><th>nodes</th>";
  for (int n : shape.nodes_per_level) html += fmt::format("<td class=\"num\">{}</td>", n);
  html += "</tr><tr><th>leaves</th>";
  for (int n : shape.leaves_per_level) html += fmt::format("<td class=\"num\">{}</td>", n);
  html += "</tr></table>\n<div class=\"chart\" id=\"chart-levels\"></div>\n";
  html += "<h3>Top rules (the paths to the leaves with the most training rows)</h3>\n<ol id=\"rules\">\n";
  for (const Rule& rule : TopRules(*model, kTopRules)) html += "<li>" + EscapeHtml(rule.text) + "</li>\n";
  html += "</ol>\n";
  return html + "</section>\n";
}

// `written` is the run's results.json as jobs::RunResults writes it.
std::string SettingsSection(const jobs::RunResults& run, const json& written, const std::string& run_dir) {
  std::string html = "<section id=\"settings\"><h2>Parameters and environment</h2>\n<div class=\"columns\">\n";
  html += "<table class=\"kv\" id=\"parameters-table\"><caption>parameters</caption>\n" +
          KeyValueRows(written.at("parameters")) + "</table>\n";
  json environment = {{"run directory", run_dir},
                      {"job", run.job},
                      {"command", run.command},
                      {"executors", run.executors},
                      {"threads", run.threads},
                      {"cores", run.placement ? run.placement->cores : 0},
                      {"oversubscribed", run.placement && run.placement->oversubscribed},
                      {"hosts", run.placement ? run.placement->hosts : std::vector<std::string>{}}};
  for (const auto& [key, value] : written.at("dataset").items()) environment["dataset " + key] = value;
  html += "<table class=\"kv\" id=\"environment-table\"><caption>environment</caption>\n" + KeyValueRows(environment) +
          "</table>\n</div>\n<div class=\"chart\" id=\"chart-communication\"></div>\n</section>\n";
  return html;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsonForScript(const json& value) {
  const std::string dumped = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(dumped.size());
  for (size_t i = 0; i < dumped.size(); ++i) {
    if (dumped[i] == '<' && i + 1 < dumped.size() && dumped[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += dumped[i];
    }
  }
  return out;
}

Result<std::string> RenderHtmlReport(const ReportInputs& inputs) {
  const jobs::RunResults& run = inputs.results;
  // The run's data for the page's charts, as results.json has it.
  const json written = json::parse(run.ToJson());
  if (inputs.scaling && !jobs::ScalingFromJson(*inputs.scaling).ok()) {
    return Status::InvalidData("scaling data are not a tad.scaling/1 object");
  }
  json tree = nullptr;
  if (inputs.model) {
    const TreeShape shape = ShapeOf(*inputs.model);
    tree = {{"depth", shape.depth},
            {"nodes", shape.nodes},
            {"leaves", shape.leaves},
            {"nodes_per_level", shape.nodes_per_level},
            {"leaves_per_level", shape.leaves_per_level}};
  }
  const json data = {{"results", written}, {"scaling", inputs.scaling ? *inputs.scaling : json(nullptr)}, {"tree", tree}};

  const std::string title = fmt::format("tad report — {}", run.job);
  std::string html;
  html.reserve(EchartsScript().size() + 64 * 1024);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + EscapeHtml(title) + "</title>\n<style>\n" + std::string(ReportStyle()) + "</style>\n</head>\n";
  html += "<body>\n<header><h1>" + EscapeHtml(title) + "</h1>\n";
  html += fmt::format("<p class=\"note\">{} · dataset <code>{}</code> · generated {} by tad {}</p>\n</header>\n",
                      EscapeHtml(inputs.run_dir), EscapeHtml(run.dataset.path),
                      EscapeHtml(inputs.generated_at), EscapeHtml(inputs.tad_version));
  html += "<main>\n" + ResultsSection(run);
  if (inputs.scaling) html += ScalingSection(*inputs.scaling);
  html += ClassSection(run) + ModelSection(inputs.model) + SettingsSection(run, written, inputs.run_dir);
  html += "</main>\n<script id=\"tad-data\" type=\"application/json\">" + JsonForScript(data) + "</script>\n";
  html += "<script>\n" + SafeScriptText(EchartsScript()) + "\n</script>\n";
  html += "<script>\n" + SafeScriptText(ReportScript()) + "\n</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace tad::report
