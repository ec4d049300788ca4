#include "cli/train_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>

namespace tad::cli {
namespace {

std::string Describe(std::string_view name) {
  const ParameterSpec& spec = FindParameterSpec(name);
  return std::string(spec.description);
}

std::string Default(std::string_view name) { return std::string(FindParameterSpec(name).default_value); }

}  // namespace

void AddTreeOptions(CLI::App& command, TreeOptionValues& values) {
  command.add_option("--max-depth", values.max_depth, Describe("max-depth"))->default_val(Default("max-depth"));
  command.add_option("--max-bins", values.max_bins, Describe("max-bins"))->default_val(Default("max-bins"));
  command.add_option("--min-instances-per-node", values.min_instances_per_node, Describe("min-instances-per-node"))
      ->default_val(Default("min-instances-per-node"));
  command.add_option("--min-info-gain", values.min_info_gain, Describe("min-info-gain"))
      ->default_val(Default("min-info-gain"));
  command.add_option("--impurity", values.impurity, Describe("impurity"))->default_val(Default("impurity"));
  command.add_option("--seed", values.seed, Describe("seed"))->default_val(Default("seed"));
  command.add_option("--test-fraction", values.test_fraction, Describe("test-fraction"))
      ->default_val(Default("test-fraction"));
  command.add_option("--label", values.label, Describe("label"))->default_val(Default("label"));
  command.add_option("--split-by", values.split_by, Describe("split-by"))->default_val(Default("split-by"));
}

Result<TreeParameters> ParseTreeOptions(const TreeOptionValues& values) {
  TreeParameters p;
  for (auto [name, value] : {std::pair<std::string_view, double>{"max-depth", static_cast<double>(values.max_depth)},
                             {"max-bins", static_cast<double>(values.max_bins)},
                             {"min-instances-per-node", static_cast<double>(values.min_instances_per_node)}}) {
    const ParameterSpec& spec = FindParameterSpec(name);
    if (value < spec.min || value > spec.max) {
      return Status::InvalidArgument(
          fmt::format("--{} {} is out of range: it must be between {} and {}", name, value, spec.min, spec.max));
    }
  }
  p.max_depth = static_cast<int32_t>(values.max_depth);
  p.max_bins = static_cast<int32_t>(values.max_bins);
  p.min_instances_per_node = values.min_instances_per_node;
  p.min_info_gain = values.min_info_gain;
  if (values.impurity == "gini") {
    p.impurity = Impurity::kGini;
  } else if (values.impurity == "entropy") {
    p.impurity = Impurity::kEntropy;
  } else {
    return Status::InvalidArgument(fmt::format("--impurity must be gini or entropy, not '{}'", values.impurity));
  }
  p.seed = values.seed;
  p.test_fraction = values.test_fraction;
  p.label = values.label;
  auto split_by = ParseSplitBy(values.split_by);
  if (!split_by.ok()) return split_by.status();
  p.split_by = *split_by;
  TAD_RETURN_IF_ERROR(ValidateTreeParameters(p));
  return p;
}

std::vector<std::string> ChooseFeatures(const ParquetDataset& dataset, const std::string& features_option) {
  std::vector<std::string> features;
  if (!features_option.empty()) {
    std::stringstream stream(features_option);
    std::string item;
    while (std::getline(stream, item, ',')) {
      if (!item.empty()) features.push_back(item);
    }
    return features;
  }
  features = dataset.DefaultFeatures();
  if (!features.empty()) return features;
  static const std::set<std::string> kNotFeatures = {"source_file", "packet_index", "timestamp_ns", "row_id", "id"};
  for (const auto& column : dataset.columns()) {
    if (column.name == dataset.label() || kNotFeatures.count(column.name)) continue;
    if (dataset.CheckColumns({column.name}).ok()) features.push_back(column.name);
  }
  return features;
}

nlohmann::ordered_json ParametersJson(const TreeParameters& p, const std::vector<std::string>& features) {
  return {{"max_depth", p.max_depth},
          {"max_bins", p.max_bins},
          {"min_instances_per_node", p.min_instances_per_node},
          {"min_info_gain", p.min_info_gain},
          {"impurity", ImpurityName(p.impurity)},
          {"seed", p.seed},
          {"test_fraction", p.test_fraction},
          {"label", p.label},
          {"split_by", SplitByName(p.split_by)},
          {"features", features}};
}

int DefaultThreads(int executors) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, executors));
}

}  // namespace tad::cli
