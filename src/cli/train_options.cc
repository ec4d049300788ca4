#include "cli/train_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>

namespace tad::cli {
void AddTreeOptions(CLI::App& command, TreeOptionValues& values) {
  for (size_t i = 0; i < kTreeParameterSpecs.size(); ++i) {
    const ParameterSpec& spec = kTreeParameterSpecs[i];
    command.add_option("--" + std::string(spec.name), values[i], std::string(spec.description))
        ->default_val(std::string(spec.default_value));
  }
}

Result<TreeParameters> ParseTreeOptions(const TreeOptionValues& values) {
  TreeParameters parameters;
  for (size_t i = 0; i < kTreeParameterSpecs.size(); ++i) {
    TAD_RETURN_IF_ERROR(SetParameter(parameters, kTreeParameterSpecs[i], values[i]));
  }
  TAD_RETURN_IF_ERROR(ValidateTreeParameters(parameters));
  return parameters;
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
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto& spec : kTreeParameterSpecs) {
    if (!AppliesTo(spec, p.classifier)) continue;
    json[ParameterKey(spec)] = nlohmann::ordered_json::parse(ParameterJson(p, spec));
  }
  json["features"] = features;
  return json;
}

int DefaultThreads(int executors) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, executors));
}

}  // namespace tad::cli
