#pragma once
/// A small metrics registry and the Prometheus text exposition format (version 0.0.4): families of
/// counters and gauges with HELP and TYPE, samples with labels. Names follow Prometheus conventions
/// (the caller picks them; `tad_` prefix, base units, `_total` for counters). Thread-safe: training
/// code updates it while the HTTP thread renders it.

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tad::telemetry {

enum class MetricType { kCounter, kGauge };

/// Label name/value pairs, in the order they are written.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// `\` → `\\`, `"` → `\"`, newline → `\n`, as the text format requires inside label values.
std::string EscapeLabelValue(std::string_view value);
/// `\` → `\\`, newline → `\n`, as the text format requires in HELP lines.
std::string EscapeHelp(std::string_view help);
/// A Prometheus number: integers exactly, `NaN`, `+Inf`, `-Inf`, otherwise shortest round-trip.
std::string FormatValue(double value);
/// Whether `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* (metric names) — label names also may not
/// contain ':'.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

struct Sample {
  Labels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;
};

/// Renders families in the order given (HELP, TYPE, then samples). Families without samples are
/// left out (an empty family confuses some parsers).
std::string RenderExposition(const std::vector<MetricFamily>& families);

/// Families by name, kept in registration order. Setting a sample with labels already present
/// replaces its value.
class Registry {
 public:
  /// Sets the sample of family `name` with `labels`. The family is created on first use with
  /// `help` and `type`; a later call with a different type is a programmer error (asserted).
  void Set(const std::string& name, const std::string& help, MetricType type, const Labels& labels, double value);
  void Counter(const std::string& name, const std::string& help, const Labels& labels, double value) {
    Set(name, help, MetricType::kCounter, labels, value);
  }
  void Gauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
    Set(name, help, MetricType::kGauge, labels, value);
  }
  /// Drops every sample of `name` (e.g. a state-set gauge whose state changed).
  void Clear(const std::string& name);

  std::vector<MetricFamily> Snapshot() const;
  std::string Render() const { return RenderExposition(Snapshot()); }

 private:
  mutable std::mutex mutex_;
  std::vector<MetricFamily> families_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace tad::telemetry
