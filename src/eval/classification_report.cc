#include "eval/classification_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace tad {

ClassificationReport ClassificationReport::From(const ConfusionMatrix& matrix) {
  ClassificationReport report;
  const int64_t total = matrix.total();
  if (total > 0) report.accuracy = static_cast<double>(matrix.correct()) / static_cast<double>(total);
  for (size_t c = 0; c < matrix.num_classes(); ++c) {
    ClassMetrics metrics;
    metrics.name = matrix.classes()[c];
    metrics.support = matrix.support(c);
    const int64_t predicted = matrix.predicted(c);
    const double tp = static_cast<double>(matrix.at(c, c));
    if (predicted > 0) metrics.precision = tp / static_cast<double>(predicted);
    if (metrics.support > 0) metrics.recall = tp / static_cast<double>(metrics.support);
    const double sum = metrics.precision + metrics.recall;
    if (sum > 0) metrics.f1 = 2 * metrics.precision * metrics.recall / sum;
    if (total > 0) {
      const double weight = static_cast<double>(metrics.support) / static_cast<double>(total);
      report.weighted_precision += weight * metrics.precision;
      report.weighted_recall += weight * metrics.recall;
      report.weighted_f1 += weight * metrics.f1;
    }
    report.per_class.push_back(std::move(metrics));
  }
  return report;
}

std::string FormatDuration(double seconds) {
  // A short run in ms: "0.00 s" would say it took no time.
  if (seconds < 0.01) return fmt::format("{:.1f} ms", seconds * 1000);
  if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1000);
  if (seconds < 60) return fmt::format("{:.2f} s", seconds);
  if (seconds < 3600) return fmt::format("{:.1f} min", seconds / 60);
  const auto minutes = static_cast<int64_t>(seconds / 60);
  return fmt::format("{} h {} min", minutes / 60, minutes % 60);
}

std::string FormatSeedTable(const SeedTableRow& row, const ClassificationReport& report) {
  const std::string figures = fmt::format("{:.4f} | {:.4f} | {:.4f} | {:.4f} |", report.accuracy,
                                          report.weighted_precision, report.weighted_recall, report.weighted_f1);
  if (row.train_seconds) {
    return fmt::format(
        "| executors | training time | total time | accuracy | precision | recall | F1 |\n"
        "|---|---|---|---|---|---|---|\n"
        "| {} | {} | {} | {}\n",
        row.executors, FormatDuration(*row.train_seconds), FormatDuration(row.total_seconds), figures);
  }
  return fmt::format(
      "| total time | accuracy | precision | recall | F1 |\n"
      "|---|---|---|---|---|\n"
      "| {} | {}\n",
      FormatDuration(row.total_seconds), figures);
}

std::string FormatPerClassTable(const ClassificationReport& report) {
  size_t width = 5;
  for (const auto& metrics : report.per_class) width = std::max(width, metrics.name.size());
  std::string text = fmt::format("{:<{}}  {:>9}  {:>9}  {:>9}  {:>10}\n", "class", width, "precision", "recall", "F1",
                                 "support");
  for (const auto& m : report.per_class) {
    text += fmt::format("{:<{}}  {:>9.4f}  {:>9.4f}  {:>9.4f}  {:>10}\n", m.name, width, m.precision, m.recall, m.f1,
                        m.support);
  }
  return text;
}

std::string FormatConfusionMatrix(const ConfusionMatrix& matrix) {
  const size_t n = matrix.num_classes();
  size_t name_width = 4;
  for (const auto& name : matrix.classes()) name_width = std::max(name_width, name.size() + 4);
  size_t cell = std::to_string(n).size() + 1;
  for (int64_t count : matrix.counts()) cell = std::max(cell, std::to_string(count).size());
  std::string text = "confusion matrix (rows: true class, columns: predicted class by number)\n";
  text += fmt::format("{:<{}}", "", name_width);
  for (size_t p = 0; p < n; ++p) text += fmt::format(" {:>{}}", fmt::format("#{}", p), cell);
  text += "\n";
  for (size_t t = 0; t < n; ++t) {
    text += fmt::format("{:<{}}", fmt::format("#{} {}", t, matrix.classes()[t]), name_width);
    for (size_t p = 0; p < n; ++p) text += fmt::format(" {:>{}}", matrix.at(t, p), cell);
    text += "\n";
  }
  return text;
}

nlohmann::ordered_json EvaluationJson(const ConfusionMatrix& matrix, const ClassificationReport& report) {
  nlohmann::ordered_json out;
  out["metrics"] = {{"accuracy", report.accuracy},
                    {"weighted_precision", report.weighted_precision},
                    {"weighted_recall", report.weighted_recall},
                    {"weighted_f1", report.weighted_f1}};
  nlohmann::ordered_json per_class = nlohmann::ordered_json::array();
  for (const auto& m : report.per_class) {
    per_class.push_back(
        {{"class", m.name}, {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}, {"support", m.support}});
  }
  out["per_class"] = std::move(per_class);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (size_t t = 0; t < matrix.num_classes(); ++t) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (size_t p = 0; p < matrix.num_classes(); ++p) row.push_back(matrix.at(t, p));
    rows.push_back(std::move(row));
  }
  out["confusion_matrix"] = {{"labels", matrix.classes()}, {"matrix", std::move(rows)}};
  return out;
}

}  // namespace tad
