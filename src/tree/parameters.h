#pragma once
/// Decision-tree training parameters, declared once: the table below feeds the command-line
/// options, their validation and the parameter docs (`tad train --help`, docs/training.md).
/// Names and defaults follow Spark MLlib's DecisionTreeClassifier.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "dataset/schema.h"

namespace tad {

enum class Impurity { kGini, kEntropy };

inline const char* ImpurityName(Impurity impurity) { return impurity == Impurity::kGini ? "gini" : "entropy"; }

struct TreeParameters {
  int32_t max_depth = 5;
  int32_t max_bins = 32;
  int64_t min_instances_per_node = 1;
  double min_info_gain = 0.0;
  Impurity impurity = Impurity::kGini;
  uint64_t seed = 0;
  double test_fraction = 0.2;
  std::string label = "category";
  SplitBy split_by = SplitBy::kRow;  // resolved from --split-by (auto) before training
};

/// One parameter: its option name, default (as text), allowed range and description.
struct ParameterSpec {
  std::string_view name;
  std::string_view default_value;
  double min;
  double max;
  std::string_view description;
};

inline constexpr std::array<ParameterSpec, 9> kTreeParameterSpecs = {{
    {"max-depth", "5", 0, 30, "maximum depth of the tree; 0 is a single leaf (Spark: maxDepth)"},
    {"max-bins", "32", 2, 255, "maximum bins per feature for histograms and thresholds (Spark: maxBins)"},
    {"min-instances-per-node", "1", 1, 1e15,
     "a split is kept only if each child gets at least this many training rows (Spark: minInstancesPerNode)"},
    {"min-info-gain", "0", 0, 1e9, "a split is kept only if its information gain is at least this (Spark: minInfoGain)"},
    {"impurity", "gini", 0, 0, "split criterion: gini or entropy (Spark: impurity)"},
    {"seed", "0", 0, 1.8e19, "seed of the row-identity hash that decides the train/test split and the bin sample"},
    {"test-fraction", "0.2", 0, 0.99, "fraction of rows held out for evaluation, chosen by row identity"},
    {"label", "category", 0, 0, "label column, or the name of the hive partition directories (<label>=<class>)"},
    {"split-by", "auto", 0, 0,
     "which rows are held out together: row, flow (source_file, flow_index) or file (source_file); auto: file when "
     "every class has >= 5 capture files, else flow when the dataset has flow_index, else row"},
}};

inline const ParameterSpec& FindParameterSpec(std::string_view name) {
  for (const auto& spec : kTreeParameterSpecs) {
    if (spec.name == name) return spec;
  }
  return kTreeParameterSpecs[0];  // programmer error: every caller names a declared parameter
}

/// Checks every numeric parameter against its declared range (InvalidArgument naming the option).
Status ValidateTreeParameters(const TreeParameters& parameters);

}  // namespace tad
