#include "telemetry/metrics.h"

#include <fmt/format.h>

#include <cassert>
#include <charconv>
#include <cmath>

namespace tad::telemetry {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9.0e15) return fmt::format("{}", static_cast<int64_t>(value));
  return fmt::format("{}", value);  // shortest representation that reads back exactly
}

namespace {
bool IsNameChar(char c, bool first, bool colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return first ? letter : letter || (c >= '0' && c <= '9');
}
bool IsValidName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}
}  // namespace

bool IsValidMetricName(std::string_view name) { return IsValidName(name, true); }
bool IsValidLabelName(std::string_view name) { return IsValidName(name, false) && !name.starts_with("__"); }

std::string RenderExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    if (family.samples.empty()) continue;
    out += fmt::format("# HELP {} {}\n", family.name, EscapeHelp(family.help));
    out += fmt::format("# TYPE {} {}\n", family.name, family.type == MetricType::kCounter ? "counter" : "gauge");
    for (const Sample& sample : family.samples) {
      out += family.name;
      if (!sample.labels.empty()) {
        out += '{';
        for (size_t i = 0; i < sample.labels.size(); ++i) {
          if (i > 0) out += ',';
          out += fmt::format("{}=\"{}\"", sample.labels[i].first, EscapeLabelValue(sample.labels[i].second));
        }
        out += '}';
      }
      out += ' ';
      out += FormatValue(sample.value);
      out += '\n';
    }
  }
  return out;
}

void Registry::Set(const std::string& name, const std::string& help, MetricType type, const Labels& labels,
                   double value) {
  assert(IsValidMetricName(name));
  std::lock_guard lock(mutex_);
  auto it = index_.find(name);
  if (it == index_.end()) {
    it = index_.emplace(name, families_.size()).first;
    families_.push_back(MetricFamily{name, help, type, {}});
  }
  MetricFamily& family = families_[it->second];
  assert(family.type == type);
  for (Sample& sample : family.samples) {
    if (sample.labels == labels) {
      sample.value = value;
      return;
    }
  }
  family.samples.push_back(Sample{labels, value});
}

void Registry::Clear(const std::string& name) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(name);
  if (it != index_.end()) families_[it->second].samples.clear();
}

std::vector<MetricFamily> Registry::Snapshot() const {
  std::lock_guard lock(mutex_);
  return families_;
}

}  // namespace tad::telemetry
