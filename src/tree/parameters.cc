#include "tree/parameters.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace tad {
namespace {

std::vector<std::string_view> SplitChoices(std::string_view choices) {
  std::vector<std::string_view> out;
  while (!choices.empty()) {
    const size_t bar = choices.find('|');
    out.push_back(choices.substr(0, bar));
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return out;
}

std::string Number(double value) { return fmt::format("{}", value); }

// "between 0 and 30", "at least 1", "greater than 0 and at most 1".
std::string RangeText(const ParameterSpec& spec) {
  const std::string low = spec.min_exclusive ? "greater than " + Number(spec.min) : "at least " + Number(spec.min);
  if (spec.max >= kUnbounded) return low;
  if (spec.min_exclusive) return low + " and at most " + Number(spec.max);
  return "between " + Number(spec.min) + " and " + Number(spec.max);
}

bool IsInteger(const ParameterSpec& spec) {
  return std::visit(
      [](auto member) {
        using Field = std::remove_cvref_t<decltype(std::declval<TreeParameters>().*member)>;
        return std::is_integral_v<Field> && !std::is_same_v<Field, bool>;
      },
      spec.field);
}

// What the option accepts, for messages and the docs.
std::string Accepted(const ParameterSpec& spec) {
  std::string text;
  const auto choices = SplitChoices(spec.choices);
  for (size_t i = 0; i < choices.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == choices.size() && !spec.has_range ? " or " : ", ") + std::string(choices[i]);
  }
  const std::string kind = IsInteger(spec) ? "an integer" : choices.empty() ? "a number" : "a fraction";
  if (spec.has_range) text += (choices.empty() ? "" : " or ") + kind + " " + RangeText(spec);
  if (text.empty()) text = IsInteger(spec) ? kind : "text";
  return text;
}

Status Invalid(const ParameterSpec& spec, std::string_view text) {
  return Status::InvalidArgument(fmt::format("--{} '{}' is not valid: it must be {}", spec.name, text, Accepted(spec)));
}

Status CheckRange(const ParameterSpec& spec, double value, std::string_view text) {
  const bool low_ok = spec.min_exclusive ? value > spec.min : value >= spec.min;
  if (!spec.has_range || (low_ok && value <= spec.max)) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("--{} {} is out of range: it must be {}", spec.name, text, RangeText(spec)));
}

template <typename Integer>
Result<Integer> ParseInteger(const ParameterSpec& spec, std::string_view text) {
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return Status::InvalidArgument(fmt::format("--{} {} is out of range: it must be {}", spec.name, text,
                                               spec.has_range ? RangeText(spec) : "a smaller integer"));
  }
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(fmt::format("--{} '{}' is not an integer", spec.name, text));
  }
  return value;
}

Result<double> ParseReal(const ParameterSpec& spec, std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = copy.empty() ? NAN : std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value)) {
    return Status::InvalidArgument(fmt::format("--{} '{}' is not a number", spec.name, text));
  }
  return value;
}

// Index of `text` among the choices, or -1.
int ChoiceIndex(const ParameterSpec& spec, std::string_view text) {
  const auto choices = SplitChoices(spec.choices);
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == text) return static_cast<int>(i);
  }
  return -1;
}

std::string JsonQuoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

TreeParameters::TreeParameters() {
  for (const auto& spec : kTreeParameterSpecs) {
    const Status status = SetParameter(*this, spec, spec.default_value);
    if (!status.ok()) throw std::logic_error("parameter table: bad default: " + status.message());
  }
}

std::string_view ModelKind(Classifier classifier) {
  switch (classifier) {
    case Classifier::kDecisionTree: return "decision_tree";
    case Classifier::kRandomForest: return "random_forest";
    case Classifier::kGbt: return "gbt";
  }
  return "decision_tree";
}

const ParameterSpec& FindParameterSpec(std::string_view name) {
  for (const auto& spec : kTreeParameterSpecs) {
    if (spec.name == name) return spec;
  }
  throw std::logic_error(fmt::format("no training parameter is named '{}'", name));
}

bool AppliesTo(const ParameterSpec& spec, Classifier classifier) {
  return (spec.classifiers & (1u << static_cast<unsigned>(classifier))) != 0;
}

std::string ParameterKey(const ParameterSpec& spec) {
  std::string key(spec.name);
  for (char& c : key) {
    if (c == '-') c = '_';
  }
  return key;
}

Status SetParameter(TreeParameters& parameters, const ParameterSpec& spec, std::string_view text) {
  return std::visit(
      [&](auto member) -> Status {
        auto& field = parameters.*member;
        using Field = std::remove_reference_t<decltype(field)>;
        if constexpr (std::is_same_v<Field, std::string>) {
          if (!spec.choices.empty() && ChoiceIndex(spec, text) < 0) {
            if (!spec.has_range) return Invalid(spec, text);
            const auto value = ParseReal(spec, text);
            if (!value.ok()) return Invalid(spec, text);
            TAD_RETURN_IF_ERROR(CheckRange(spec, *value, text));
          }
          if (text.empty()) return Status::InvalidArgument(fmt::format("--{} must not be empty", spec.name));
          field = std::string(text);
        } else if constexpr (std::is_enum_v<Field> || std::is_same_v<Field, bool>) {
          const int index = ChoiceIndex(spec, text);
          if (index < 0) return Invalid(spec, text);
          if constexpr (std::is_same_v<Field, bool>) {
            field = index == 0;  // choices "true|false"
          } else {
            field = static_cast<Field>(index);
          }
        } else if constexpr (std::is_integral_v<Field>) {
          auto value = ParseInteger<Field>(spec, text);
          if (!value.ok()) return value.status();
          TAD_RETURN_IF_ERROR(CheckRange(spec, static_cast<double>(*value), text));
          field = *value;
        } else {
          auto value = ParseReal(spec, text);
          if (!value.ok()) return value.status();
          TAD_RETURN_IF_ERROR(CheckRange(spec, *value, text));
          field = *value;
        }
        return Status::Ok();
      },
      spec.field);
}

std::string ParameterText(const TreeParameters& parameters, const ParameterSpec& spec) {
  return std::visit(
      [&](auto member) -> std::string {
        const auto& field = parameters.*member;
        using Field = std::remove_cvref_t<decltype(field)>;
        if constexpr (std::is_same_v<Field, std::string>) {
          return field;
        } else if constexpr (std::is_same_v<Field, bool>) {
          return field ? "true" : "false";
        } else if constexpr (std::is_enum_v<Field>) {
          return std::string(SplitChoices(spec.choices)[static_cast<size_t>(field)]);
        } else {
          return fmt::format("{}", field);
        }
      },
      spec.field);
}

std::string ParameterJson(const TreeParameters& parameters, const ParameterSpec& spec) {
  return std::visit(
      [&](auto member) -> std::string {
        using Field = std::remove_cvref_t<decltype(parameters.*member)>;
        const std::string text = ParameterText(parameters, spec);
        if constexpr (std::is_same_v<Field, bool> || std::is_integral_v<Field>) {
          return text;
        } else if constexpr (std::is_floating_point_v<Field>) {
          // Shortest text that reads back as the same double; always has a '.' or exponent.
          return text.find_first_of(".eE") == std::string::npos ? text + ".0" : text;
        } else {
          return JsonQuoted(text);
        }
      },
      spec.field);
}

Status ValidateTreeParameters(const TreeParameters& parameters) {
  for (const auto& spec : kTreeParameterSpecs) {
    TreeParameters copy = parameters;
    TAD_RETURN_IF_ERROR(SetParameter(copy, spec, ParameterText(parameters, spec)));
  }
  return Status::Ok();
}

std::string ParameterDocsTable() {
  std::string table = "| option | default | accepts | used by | meaning |\n|---|---|---|---|---|\n";
  for (const auto& spec : kTreeParameterSpecs) {
    std::string used_by;
    if (spec.classifiers == kAllClassifiers) {
      used_by = "all";
    } else {
      for (Classifier classifier : kClassifiers) {
        if (!AppliesTo(spec, classifier)) continue;
        used_by += (used_by.empty() ? "" : ", ") + std::string(kClassifierNames[static_cast<size_t>(classifier)]);
      }
    }
    table += fmt::format("| `--{}` | {} | {} | {} | {} |\n", spec.name, spec.default_value, Accepted(spec), used_by,
                         spec.description);
  }
  return table;
}

}  // namespace tad
