#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

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
std::string BoundCell(const std::string& source, const std::string& pointer, double value, int decimals) {
  return fmt::format(
      "<td class=\"num\" data-source=\"{}\" data-key=\"{}\" data-value=\"{}\" data-decimals=\"{}\">{}</td>", source,
      EscapeHtml(pointer), ExactNumber(value), decimals, NumberText(value, decimals));
}

// The same for an optional number: "—", unbound, when it is absent.
std::string BoundCell(const std::string& source, const std::string& pointer, const std::optional<double>& value,
                      int decimals) {
  return value ? BoundCell(source, pointer, *value, decimals) : "<td>—</td>";
}

// A table cell bound to a string in one of the JSON documents; "—" (unbound) when it is absent.
std::string BoundText(const std::string& source, const std::string& pointer, const std::optional<std::string>& text) {
  if (!text) return "<td>—</td>";
  return fmt::format("<td data-source=\"{}\" data-key=\"{}\" data-type=\"text\">{}</td>", source, EscapeHtml(pointer),
                     EscapeHtml(*text));
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

std::optional<double> AsNumber(const std::optional<int64_t>& count) {
  if (!count) return std::nullopt;
  return static_cast<double>(*count);
}

// The classifier as results.json's parameters name it, when they do.
std::optional<std::string> ClassifierOf(const jobs::RunResults& run) {
  if (!run.parameters.contains("classifier") || !run.parameters.at("classifier").is_string()) return std::nullopt;
  return run.parameters.at("classifier").get<std::string>();
}

std::optional<std::string> SplitOf(const jobs::RunResults& run) {
  if (!run.split) return std::nullopt;
  return run.split->by;
}

// The data-source name of run `number`'s results.json (1-based, in the order given).
std::string RunSource(size_t number) { return fmt::format("results-{}", number); }

// "packets, split by file, decision-tree": what tells the runs of a comparison apart.
std::string RunDescription(const jobs::RunResults& run) {
  std::string text = run.dataset.row_kind.value_or("rows");
  if (const auto split = SplitOf(run)) text += ", split by " + *split;
  if (const auto classifier = ClassifierOf(run)) text += ", " + *classifier;
  return text;
}

std::string ComparisonSection(const std::vector<ReportRun>& runs) {
  std::string html =
      "<section id=\"comparison\"><h2>Runs side by side</h2>\n<table id=\"comparison-table\" class=\"grid\">\n"
      "<tr><th>run</th><th>rows</th><th>split</th><th>classifier</th><th>accuracy</th><th>F1</th>"
      "<th>dataset rows</th><th>test rows</th><th>executors</th><th>training time (s)</th><th>total time (s)</th>"
      "</tr>\n";
  for (size_t i = 0; i < runs.size(); ++i) {
    const jobs::RunResults& run = runs[i].results;
    const std::string source = RunSource(i + 1);
    html += fmt::format("<tr><th><a href=\"#run-{}\">{}</a></th>", i + 1, EscapeHtml(runs[i].run_dir));
    html += BoundText(source, "/dataset/row_kind", run.dataset.row_kind);
    html += BoundText(source, "/split/by", SplitOf(run));
    html += BoundText(source, "/parameters/classifier", ClassifierOf(run));
    html += BoundCell(source, "/metrics/accuracy", run.evaluation.report.accuracy, 4);
    html += BoundCell(source, "/metrics/weighted_f1", run.evaluation.report.weighted_f1, 4);
    html += BoundCell(source, "/dataset/rows", static_cast<double>(run.dataset.rows), 0);
    html += BoundCell(source, "/dataset/test_rows", AsNumber(run.dataset.test_rows), 0);
    html += BoundCell(source, "/executors", run.executors, 0);
    html += BoundCell(source, "/timing/train_seconds", run.timing.train_seconds, 3);
    html += BoundCell(source, "/timing/total_seconds", run.timing.total_seconds, 3) + "</tr>\n";
  }
  html +=
      "</table>\n<p class=\"note\">Accuracy and weighted F1 on each run's own test rows. A row split tests on "
      "captures the model has seen (the same flows and hosts); a file split holds whole captures out, as new "
      "traffic would be.</p>\n<div class=\"chart\" id=\"chart-comparison\"></div>\n</section>\n";
  return html;
}

std::string ResultsSection(const jobs::RunResults& run, size_t number) {
  const ClassificationReport& figures = run.evaluation.report;
  const std::string source = RunSource(number);
  std::string html = fmt::format(
      "<section class=\"results\"><h3>Results</h3>\n<table id=\"results-table-{}\" class=\"grid\">\n"
      "<tr><th>executors</th><th>training time (s)</th><th>total time (s)</th><th>accuracy</th>"
      "<th>precision</th><th>recall</th><th>F1</th><th>model hash</th></tr>\n<tr>",
      number);
  html += BoundCell(source, "/executors", run.executors, 0);
  html += BoundCell(source, "/timing/train_seconds", run.timing.train_seconds, 3);
  html += BoundCell(source, "/timing/total_seconds", run.timing.total_seconds, 3);
  for (const auto& [key, value] : {std::pair{"accuracy", figures.accuracy},
                                   {"weighted_precision", figures.weighted_precision},
                                   {"weighted_recall", figures.weighted_recall},
                                   {"weighted_f1", figures.weighted_f1}}) {
    html += BoundCell(source, std::string("/metrics/") + key, value, 4);
  }
  html += fmt::format("<td><code>{}</code></td></tr>\n</table>\n", EscapeHtml(run.model.hash));
  html += fmt::format(
      "<p class=\"note\">Weighted precision, recall and F1 as Spark computes them, on {} test rows of {}{}. "
      "Load {:.3f} s, evaluation {:.3f} s.{}</p>\n</section>\n",
      CountText(run.dataset.test_rows), run.dataset.rows,
      run.split ? EscapeHtml(fmt::format(" (split by {}: {})", run.split->by, run.split->reason)) : "",
      run.timing.load_seconds.value_or(0), run.timing.evaluate_seconds.value_or(0),
      run.placement && run.placement->oversubscribed ? " <strong>Oversubscribed:</strong> more executors than cores."
                                                     : "");
  return html;
}

std::string ScalingSection(const jobs::ScalingStudy& study) {
  std::string html =
      "<section id=\"scaling\"><h2>Scaling</h2>\n<table id=\"scaling-table\" class=\"grid\">\n"
      "<tr><th>executors</th><th>training time (s)</th><th>total time (s)</th><th>accuracy</th><th>precision</th>"
      "<th>recall</th><th>F1</th><th>comm (s)</th><th>compute (s)</th><th>bytes sent</th>"
      "<th>speedup (training)</th><th>speedup (total)</th><th>efficiency (training)</th>"
      "<th>efficiency (total)</th><th>model hash</th><th>note</th></tr>\n";
  for (size_t i = 0; i < study.points.size(); ++i) {
    const jobs::ScalingPoint& p = study.points[i];
    // Pointers into scaling.json as jobs::ScalingToJson, its one definition, names the figures.
    const std::string base = fmt::format("/points/{}", i);
    html += "<tr>" + BoundCell("scaling", base + "/executors", p.executors, 0);
    for (const auto& [key, spread, decimals] : {std::tuple{"train_seconds", p.train_seconds, 3},
                                                {"total_seconds", p.total_seconds, 3},
                                                {"accuracy", p.accuracy, 4},
                                                {"weighted_precision", p.precision, 4},
                                                {"weighted_recall", p.recall, 4},
                                                {"weighted_f1", p.f1, 4},
                                                {"comm_seconds", p.comm_seconds, 3},
                                                {"compute_seconds", p.compute_seconds, 3},
                                                {"bytes_sent", p.bytes_sent, 0}}) {
      html += BoundCell("scaling", base + "/" + key + "/median", spread.median, decimals);
    }
    for (const auto& [key, value] : {std::pair{"speedup", p.speedup},
                                     {"total_speedup", p.total_speedup},
                                     {"efficiency", p.efficiency},
                                     {"total_efficiency", p.total_efficiency}}) {
      html += BoundCell("scaling", base + "/" + key, value, 2);
    }
    std::string hashes;
    for (const auto& hash : p.hashes) hashes += (hashes.empty() ? "" : ", ") + hash;
    html += fmt::format("<td><code>{}</code></td><td>{}</td></tr>\n", EscapeHtml(hashes),
                        p.oversubscribed ? "oversubscribed" : "");
  }
  html += "</table>\n";
  if (study.repeat > 1) {
    html += fmt::format("<p class=\"note\">Medians of {} runs per executor count.</p>\n", study.repeat);
  }
  if (study.same_model) {
    html += "<p class=\"ok\" id=\"same-model\">Every run produced the same model (one hash).</p>\n";
  } else {
    html += "<p class=\"warning\" id=\"same-model\">Warning: the runs produced different models.</p>\n";
  }
  html += fmt::format(
      "<p class=\"note\">Speedup: the time at the smallest executor count × that count / the time. Training is "
      "the tree kernel alone; total is the whole job a user waits for (loading, training, evaluation). {} cores "
      "on this machine; rows marked oversubscribed ran more executors than cores, so their times show "
      "contention, not scaling.</p>\n",
      study.cores);
  html +=
      "<div class=\"charts\"><div class=\"chart\" id=\"chart-scaling-time\"></div>"
      "<div class=\"chart\" id=\"chart-scaling-speedup\"></div>"
      "<div class=\"chart\" id=\"chart-scaling-efficiency\"></div>"
      "<div class=\"chart\" id=\"chart-scaling-split\"></div></div>\n</section>\n";
  return html;
}

std::string ClassSection(const jobs::RunResults& run, size_t number) {
  std::string html = fmt::format(
      "<section class=\"classes\"><h3>Confusion matrix and per-class metrics</h3>\n"
      "<div class=\"chart tall\" id=\"chart-confusion-{0}\"></div>\n"
      "<table id=\"per-class-table-{0}\" class=\"grid\"><tr><th>class</th><th>precision</th><th>recall</th>"
      "<th>F1</th><th>support</th></tr>\n",
      number);
  const std::string source = RunSource(number);
  const std::vector<ClassMetrics>& per_class = run.evaluation.report.per_class;
  for (size_t i = 0; i < per_class.size(); ++i) {
    const ClassMetrics& m = per_class[i];
    const std::string base = fmt::format("/per_class/{}", i);
    html += fmt::format("<tr><th>{}</th>", EscapeHtml(m.name));
    for (const auto& [key, value] : {std::pair{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}}) {
      html += BoundCell(source, base + "/" + key, value, 4);
    }
    html += BoundCell(source, base + "/support", static_cast<double>(m.support), 0) + "</tr>\n";
  }
  html += fmt::format("</table>\n<div class=\"chart\" id=\"chart-per-class-{}\"></div>\n</section>\n", number);
  return html;
}

std::string ModelSection(const std::optional<Model>& model, size_t number) {
  std::string html = fmt::format(
      "<section class=\"model\"><h3>The model</h3>\n<div class=\"chart\" id=\"chart-importances-{}\"></div>\n", number);
  if (!model) {
    html += "<p class=\"warning\">The model file was not found, so its shape and rules are not shown.</p>\n";
    return html + "</section>\n";
  }
  const std::string source = RunSource(number);
  const TreeShape shape = ShapeOf(*model);
  html += fmt::format(
      "<table id=\"shape-table-{}\" class=\"grid\"><tr><th>depth</th><th>nodes</th><th>leaves</th>"
      "<th>features</th><th>classes</th></tr><tr>{}{}{}<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>"
      "</table>\n",
      number, BoundCell(source, "/model/depth", shape.depth, 0), BoundCell(source, "/model/nodes", shape.nodes, 0),
      BoundCell(source, "/model/leaves", shape.leaves, 0), model->features.size(), model->classes.size());
  html += fmt::format("<table id=\"levels-table-{}\" class=\"grid\"><tr><th>level</th>", number);
  for (size_t i = 0; i < shape.nodes_per_level.size(); ++i) html += fmt::format("<th>{}</th>", i);
  html += "</tr><tr><th>nodes</th>";
  for (int n : shape.nodes_per_level) html += fmt::format("<td class=\"num\">{}</td>", n);
  html += "</tr><tr><th>leaves</th>";
  for (int n : shape.leaves_per_level) html += fmt::format("<td class=\"num\">{}</td>", n);
  html += fmt::format("</tr></table>\n<div class=\"chart\" id=\"chart-levels-{}\"></div>\n", number);
  html += "<h4>Top rules (the paths to the leaves with the most training rows)</h4>\n<ol class=\"rules\">\n";
  for (const Rule& rule : TopRules(*model, kTopRules)) html += "<li>" + EscapeHtml(rule.text) + "</li>\n";
  html += "</ol>\n";
  return html + "</section>\n";
}

// `written` is the run's results.json as jobs::RunResults writes it.
std::string SettingsSection(const ReportRun& run, const json& written, size_t number) {
  const jobs::RunResults& results = run.results;
  json environment = {{"run directory", run.run_dir},
                      {"job", results.job},
                      {"command", results.command},
                      {"executors", results.executors},
                      {"threads", results.threads},
                      {"cores", results.placement ? results.placement->cores : 0},
                      {"oversubscribed", results.placement && results.placement->oversubscribed},
                      {"hosts", results.placement ? results.placement->hosts : std::vector<std::string>{}}};
  for (const auto& [key, value] : written.at("dataset").items()) environment["dataset " + key] = value;
  return fmt::format(
      "<section class=\"settings\"><h3>Parameters and environment</h3>\n<div class=\"columns\">\n"
      "<table class=\"kv\" id=\"parameters-table-{0}\"><caption>parameters</caption>\n{1}</table>\n"
      "<table class=\"kv\" id=\"environment-table-{0}\"><caption>environment</caption>\n{2}</table>\n</div>\n"
      "<div class=\"chart\" id=\"chart-communication-{0}\"></div>\n</section>\n",
      number, KeyValueRows(written.at("parameters")), KeyValueRows(environment));
}

// Every section of run `number`; `written` is its results.json.
std::string RunSections(const ReportRun& run, const json& written, size_t number, bool several) {
  std::string html = fmt::format("<section class=\"run\" id=\"run-{}\">\n", number);
  if (several) {
    html += fmt::format("<h2>Run {}: {} <span class=\"note\">({})</span></h2>\n", number, EscapeHtml(run.run_dir),
                        EscapeHtml(RunDescription(run.results)));
  }
  html += ResultsSection(run.results, number) + ClassSection(run.results, number) + ModelSection(run.model, number) +
          SettingsSection(run, written, number);
  return html + "</section>\n";
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
  if (inputs.runs.empty()) return Status::InvalidArgument("a report needs at least one run");
  const bool several = inputs.runs.size() > 1;
  // Each run's data for the page's charts, as results.json has it.
  json runs = json::array();
  std::vector<json> written;
  for (const ReportRun& run : inputs.runs) {
    written.push_back(json::parse(run.results.ToJson()));
    json tree = nullptr;
    if (run.model) {
      const TreeShape shape = ShapeOf(*run.model);
      tree = {{"depth", shape.depth},
              {"nodes", shape.nodes},
              {"leaves", shape.leaves},
              {"nodes_per_level", shape.nodes_per_level},
              {"leaves_per_level", shape.leaves_per_level}};
    }
    runs.push_back({{"results", written.back()}, {"tree", tree}});
  }
  const json data = {{"runs", runs},
                     {"scaling", inputs.scaling ? jobs::ScalingToJson(*inputs.scaling) : json(nullptr)}};

  const ReportRun& first = inputs.runs.front();
  const std::string title = several ? fmt::format("tad report — {} runs side by side", inputs.runs.size())
                                    : "tad report — " + first.results.job;
  const std::string about = several ? fmt::format("{} runs", inputs.runs.size())
                                    : fmt::format("{} · dataset <code>{}</code>", EscapeHtml(first.run_dir),
                                                  EscapeHtml(first.results.dataset.path));
  std::string html;
  html.reserve(EchartsScript().size() + 64 * 1024 * inputs.runs.size());
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + EscapeHtml(title) + "</title>\n<style>\n" + std::string(ReportStyle()) + "</style>\n</head>\n";
  html += "<body>\n<header><h1>" + EscapeHtml(title) + "</h1>\n";
  html += fmt::format("<p class=\"note\">{} · generated {} by tad {}</p>\n</header>\n<main>\n", about,
                      EscapeHtml(inputs.generated_at), EscapeHtml(inputs.tad_version));
  if (several) html += ComparisonSection(inputs.runs);
  if (inputs.scaling) html += ScalingSection(*inputs.scaling);
  for (size_t i = 0; i < inputs.runs.size(); ++i) html += RunSections(inputs.runs[i], written[i], i + 1, several);
  html += "</main>\n<script id=\"tad-data\" type=\"application/json\">" + JsonForScript(data) + "</script>\n";
  html += "<script>\n" + SafeScriptText(EchartsScript()) + "\n</script>\n";
  html += "<script>\n" + SafeScriptText(ReportScript()) + "\n</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace tad::report
