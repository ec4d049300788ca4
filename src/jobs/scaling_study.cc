#include "jobs/scaling_study.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <numeric>
#include <set>

namespace tad::jobs {
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

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

RunSummary SummariseRun(const RunResults& results) {
  RunSummary run;
  run.executors = results.executors;
  if (results.placement) {
    run.cores = results.placement->cores;
    run.oversubscribed = results.placement->oversubscribed;
  }
  run.train_seconds = results.timing.train_seconds.value_or(0);
  run.total_seconds = results.timing.total_seconds;
  const ClassificationReport& figures = results.evaluation.report;
  run.accuracy = figures.accuracy;
  run.precision = figures.weighted_precision;
  run.recall = figures.weighted_recall;
  run.f1 = figures.weighted_f1;
  if (results.communication) {
    run.comm_seconds = Mean(results.communication->comm_seconds_per_executor);
    run.compute_seconds = Mean(results.communication->compute_seconds_per_executor);
    for (uint64_t bytes : results.communication->bytes_sent_per_executor) run.bytes_sent += bytes;
  }
  run.model_hash = results.model.hash;
  return run;
}

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
  const auto speedup = [&base](const Spread& base_time, const Spread& time) {
    return time.median > 0 ? base_time.median * base.executors / time.median : 0;
  };
  for (ScalingPoint& point : study.points) {
    point.speedup = speedup(base.train_seconds, point.train_seconds);
    point.efficiency = point.speedup / point.executors;
    point.total_speedup = speedup(base.total_seconds, point.total_seconds);
    point.total_efficiency = point.total_speedup / point.executors;
  }
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
                      {"total_speedup", p.total_speedup},
                      {"total_efficiency", p.total_efficiency},
                      {"runs", runs}});
  }
  return {{"schema", kScalingSchema},
          {"dataset", study.dataset},
          {"cores", study.cores},
          {"repeat", study.repeat},
          {"train_arguments", study.train_arguments},
          {"same_model", study.same_model},
          {"model_hashes", study.model_hashes},
          {"points", points}};
}

Result<ScalingStudy> ScalingFromJson(const nlohmann::json& json) {
  if (!json.is_object() || json.value("schema", "") != kScalingSchema) {
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

}  // namespace tad::jobs
