#include "report/scaling.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace tad::report {
namespace {

constexpr int kMaxExecutors = 1024;

Result<int> ParseCount(std::string_view text, const std::string& spec) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(fmt::format("--executors '{}': '{}' is not a whole number", spec, text));
  }
  if (value < 1 || value > kMaxExecutors) {
    return Status::InvalidArgument(fmt::format("--executors '{}': {} is outside 1…{}", spec, value, kMaxExecutors));
  }
  return value;
}

std::string Cell(const Spread& spread, int repeat, std::string (*format)(double)) {
  const std::string median = format(spread.median), min = format(spread.min), max = format(spread.max);
  if (repeat <= 1 || min == max) return median;
  return fmt::format("{} ({}–{})", median, min, max);
}

std::string Ratio(double value) { return fmt::format("{:.3f}", value); }

std::string ShortHash(const std::vector<std::string>& hashes) {
  std::string joined;
  for (const auto& hash : hashes) joined += (joined.empty() ? "" : ", ") + hash;
  return joined.empty() ? "—" : joined;
}

}  // namespace

Result<std::vector<int>> ParseExecutorCounts(const std::string& spec) {
  std::set<int> counts;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    const std::string_view part(spec.data() + start, comma - start);
    const size_t dash = part.find('-');
    if (dash == std::string_view::npos) {
      auto value = ParseCount(part, spec);
      if (!value.ok()) return value.status();
      counts.insert(*value);
    } else {
      auto low = ParseCount(part.substr(0, dash), spec);
      if (!low.ok()) return low.status();
      auto high = ParseCount(part.substr(dash + 1), spec);
      if (!high.ok()) return high.status();
      if (*low > *high) {
        return Status::InvalidArgument(fmt::format("--executors '{}': range {} is backwards", spec, part));
      }
      for (int n = *low; n <= *high; ++n) counts.insert(n);
    }
    start = comma + 1;
  }
  return std::vector<int>(counts.begin(), counts.end());
}

Spread SpreadOf(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values.front(), values.back()};
}

void Summarise(ScalingStudy& study) {
  std::sort(study.points.begin(), study.points.end(),
            [](const ScalingPoint& a, const ScalingPoint& b) { return a.executors < b.executors; });
  study.model_hashes.clear();
  for (ScalingPoint& point : study.points) {
    auto spread = [&](auto field) {
      std::vector<double> values;
      for (const ScalingRun& run : point.runs) values.push_back(field(run));
      return SpreadOf(std::move(values));
    };
    point.train_seconds = spread([](const ScalingRun& r) { return r.summary.train_seconds; });
    point.total_seconds = spread([](const ScalingRun& r) { return r.summary.total_seconds; });
    point.wall_seconds = spread([](const ScalingRun& r) { return r.wall_seconds; });
    point.accuracy = spread([](const ScalingRun& r) { return r.summary.accuracy; });
    point.precision = spread([](const ScalingRun& r) { return r.summary.precision; });
    point.recall = spread([](const ScalingRun& r) { return r.summary.recall; });
    point.f1 = spread([](const ScalingRun& r) { return r.summary.f1; });
    point.comm_seconds = spread([](const ScalingRun& r) { return r.summary.comm_seconds; });
    point.compute_seconds = spread([](const ScalingRun& r) { return r.summary.compute_seconds; });
    point.bytes_sent = spread([](const ScalingRun& r) { return static_cast<double>(r.summary.bytes_sent); });
    point.hashes.clear();
    point.oversubscribed = study.cores > 0 && point.executors > study.cores;
    for (const ScalingRun& run : point.runs) {
      point.oversubscribed = point.oversubscribed || run.summary.oversubscribed;
      const std::string& hash = run.summary.model_hash;
      if (std::find(point.hashes.begin(), point.hashes.end(), hash) == point.hashes.end()) {
        point.hashes.push_back(hash);
      }
      if (std::find(study.model_hashes.begin(), study.model_hashes.end(), hash) == study.model_hashes.end()) {
        study.model_hashes.push_back(hash);
      }
    }
  }
  study.same_model = study.model_hashes.size() <= 1;
  if (study.points.empty()) return;
  const ScalingPoint& base = study.points.front();
  for (ScalingPoint& point : study.points) {
    point.speedup =
        point.train_seconds.median > 0 ? base.train_seconds.median * base.executors / point.train_seconds.median : 0;
    point.efficiency = point.speedup / point.executors;
  }
}

std::string FormatSeconds(double seconds) {
  if (seconds < 0.01) return fmt::format("{:.1f} ms", seconds * 1000);
  if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1000);
  if (seconds < 60) return fmt::format("{:.2f} s", seconds);
  if (seconds < 3600) return fmt::format("{:.1f} min", seconds / 60);
  const auto minutes = static_cast<int64_t>(std::llround(seconds / 60));
  return fmt::format("{} h {} min", minutes / 60, minutes % 60);
}

std::string FormatBytes(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024.0 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  if (bytes < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
}

std::string ScalingMarkdown(const ScalingStudy& study) {
  std::string out;
  out +=
      "| executors | training time | total time | accuracy | precision | recall | F1 | comm / compute | "
      "bytes sent | model hash | note |\n";
  out += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
  const int repeat = study.repeat;
  for (const ScalingPoint& p : study.points) {
    const double busy = p.comm_seconds.median + p.compute_seconds.median;
    const std::string split =
        busy > 0 ? fmt::format("{} / {} ({:.0f} % comm)", FormatSeconds(p.comm_seconds.median),
                               FormatSeconds(p.compute_seconds.median), 100 * p.comm_seconds.median / busy)
                 : "—";
    const std::string note =
        p.oversubscribed ? fmt::format("oversubscribed ({} > {} cores)", p.executors, study.cores) : "";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", p.executors,
                       Cell(p.train_seconds, repeat, FormatSeconds), Cell(p.total_seconds, repeat, FormatSeconds),
                       Cell(p.accuracy, repeat, Ratio), Cell(p.precision, repeat, Ratio), Cell(p.recall, repeat, Ratio),
                       Cell(p.f1, repeat, Ratio), split, Cell(p.bytes_sent, repeat, FormatBytes), ShortHash(p.hashes),
                       note);
  }
  out += "\n";
  if (repeat > 1) out += fmt::format("Medians of {} runs each, (min–max) where they differ.\n", repeat);
  if (study.same_model) {
    out += fmt::format("Same model on every run: yes (hash {}).\n", ShortHash(study.model_hashes));
  } else {
    out += fmt::format(
        "WARNING: the runs produced {} different models (hashes {}); tad promises the same model for any "
        "executor count, so this is a bug worth reporting.\n",
        study.model_hashes.size(), ShortHash(study.model_hashes));
  }
  return out;
}

std::string ScalingCsv(const ScalingStudy& study) {
  std::string out =
      "executors,repeat,train_seconds,total_seconds,wall_seconds,accuracy,weighted_precision,weighted_recall,"
      "weighted_f1,comm_seconds,compute_seconds,bytes_sent,model_hash,oversubscribed,run_dir\n";
  for (const ScalingPoint& p : study.points) {
    for (const ScalingRun& r : p.runs) {
      const RunSummary& s = r.summary;
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", p.executors, r.repeat, s.train_seconds,
                         s.total_seconds, r.wall_seconds, s.accuracy, s.precision, s.recall, s.f1, s.comm_seconds,
                         s.compute_seconds, s.bytes_sent, s.model_hash, s.oversubscribed ? "true" : "false", r.run_dir);
    }
  }
  return out;
}

namespace {

nlohmann::json SpreadJson(const Spread& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

}  // namespace

nlohmann::json ScalingToJson(const ScalingStudy& study) {
  nlohmann::json points = nlohmann::json::array();
  for (const ScalingPoint& p : study.points) {
    nlohmann::json runs = nlohmann::json::array();
    for (const ScalingRun& r : p.runs) {
      const RunSummary& s = r.summary;
      runs.push_back({{"repeat", r.repeat},
                      {"run_dir", r.run_dir},
                      {"wall_seconds", r.wall_seconds},
                      {"executors", s.executors},
                      {"cores", s.cores},
                      {"oversubscribed", s.oversubscribed},
                      {"train_seconds", s.train_seconds},
                      {"total_seconds", s.total_seconds},
                      {"accuracy", s.accuracy},
                      {"weighted_precision", s.precision},
                      {"weighted_recall", s.recall},
                      {"weighted_f1", s.f1},
                      {"comm_seconds", s.comm_seconds},
                      {"compute_seconds", s.compute_seconds},
                      {"bytes_sent", s.bytes_sent},
                      {"model_hash", s.model_hash}});
    }
    points.push_back({{"executors", p.executors},
                      {"oversubscribed", p.oversubscribed},
                      {"train_seconds", SpreadJson(p.train_seconds)},
                      {"total_seconds", SpreadJson(p.total_seconds)},
                      {"wall_seconds", SpreadJson(p.wall_seconds)},
                      {"accuracy", SpreadJson(p.accuracy)},
                      {"weighted_precision", SpreadJson(p.precision)},
                      {"weighted_recall", SpreadJson(p.recall)},
                      {"weighted_f1", SpreadJson(p.f1)},
                      {"comm_seconds", SpreadJson(p.comm_seconds)},
                      {"compute_seconds", SpreadJson(p.compute_seconds)},
                      {"bytes_sent", SpreadJson(p.bytes_sent)},
                      {"model_hashes", p.hashes},
                      {"speedup", p.speedup},
                      {"efficiency", p.efficiency},
                      {"runs", runs}});
  }
  return {{"schema", "tad.scaling/1"},
          {"dataset", study.dataset},
          {"cores", study.cores},
          {"repeat", study.repeat},
          {"train_arguments", study.train_arguments},
          {"same_model", study.same_model},
          {"model_hashes", study.model_hashes},
          {"points", points}};
}

Result<ScalingStudy> ScalingFromJson(const nlohmann::json& json) {
  if (!json.is_object() || json.value("schema", "") != "tad.scaling/1") {
    return Status::InvalidData("not a tad.scaling/1 object");
  }
  try {
    ScalingStudy study;
    study.dataset = json.value("dataset", "");
    study.cores = json.value("cores", 0);
    study.repeat = json.value("repeat", 1);
    study.train_arguments = json.value("train_arguments", std::vector<std::string>{});
    for (const auto& p : json.at("points")) {
      ScalingPoint point;
      point.executors = p.at("executors").get<int>();
      const nlohmann::json runs = p.value("runs", nlohmann::json::array());
      for (const auto& r : runs) {
        ScalingRun run;
        run.repeat = r.value("repeat", 1);
        run.run_dir = r.value("run_dir", "");
        run.wall_seconds = r.value("wall_seconds", 0.0);
        RunSummary& s = run.summary;
        s.executors = r.value("executors", point.executors);
        s.cores = r.value("cores", study.cores);
        s.oversubscribed = r.value("oversubscribed", false);
        s.train_seconds = r.value("train_seconds", 0.0);
        s.total_seconds = r.value("total_seconds", 0.0);
        s.accuracy = r.value("accuracy", 0.0);
        s.precision = r.value("weighted_precision", 0.0);
        s.recall = r.value("weighted_recall", 0.0);
        s.f1 = r.value("weighted_f1", 0.0);
        s.comm_seconds = r.value("comm_seconds", 0.0);
        s.compute_seconds = r.value("compute_seconds", 0.0);
        s.bytes_sent = r.value("bytes_sent", uint64_t{0});
        s.model_hash = r.value("model_hash", "");
        point.runs.push_back(std::move(run));
      }
      study.points.push_back(std::move(point));
    }
    Summarise(study);
    return study;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidData(std::string("scaling JSON: ") + e.what());
  }
}

}  // namespace tad::report
