#pragma once
/// The tree parameters as command-line options, generated from tree/parameters.h's table (names,
/// defaults, descriptions, ranges), plus the helpers `tad train` and `tad eval` share.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataset/parquet_dataset.h"
#include "tree/parameters.h"

namespace tad::cli {

/// Raw option values as parsed; ParseTreeOptions validates them against the table.
struct TreeOptionValues {
  int64_t max_depth = 0;
  int64_t max_bins = 0;
  int64_t min_instances_per_node = 0;
  double min_info_gain = 0;
  std::string impurity;
  uint64_t seed = 0;
  double test_fraction = 0;
  std::string label;
  std::string split_by;
};

void AddTreeOptions(CLI::App& command, TreeOptionValues& values);
Result<TreeParameters> ParseTreeOptions(const TreeOptionValues& values);

/// --features as given, or the default: the extract's numeric feature columns present in the
/// dataset, or when it has none of them every numeric column except identifiers and the label.
std::vector<std::string> ChooseFeatures(const ParquetDataset& dataset, const std::string& features_option);

nlohmann::ordered_json ParametersJson(const TreeParameters& parameters, const std::vector<std::string>& features);

/// Threads per executor when --threads is 0: the cores shared out over the executors on this host.
int DefaultThreads(int executors);

/// The original command line (set by main) for re-launching under mpirun and for results.json.
void SetCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

}  // namespace tad::cli
