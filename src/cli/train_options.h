#pragma once
/// The tree parameters as command-line options, generated from tree/parameters.h's table (names,
/// defaults, descriptions, ranges), plus the helpers `tad train` and `tad eval` share.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <array>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataset/parquet_dataset.h"
#include "tree/parameters.h"

namespace tad::cli {

/// Option text as given, one entry per kTreeParameterSpecs row; ParseTreeOptions parses and
/// validates it against the table.
using TreeOptionValues = std::array<std::string, kTreeParameterSpecs.size()>;

/// One option per parameter of the table, with its default and description.
void AddTreeOptions(CLI::App& command, TreeOptionValues& values);
Result<TreeParameters> ParseTreeOptions(const TreeOptionValues& values);

/// --features as given, or the default: the extract's numeric feature columns present in the
/// dataset, or when it has none of them every numeric column except identifiers and the label.
std::vector<std::string> ChooseFeatures(const ParquetDataset& dataset, const std::string& features_option);

/// The parameters the classifier uses (the model file's set, plus "classifier") and the features.
nlohmann::ordered_json ParametersJson(const TreeParameters& parameters, const std::vector<std::string>& features);

/// Threads per executor when --threads is 0: the cores shared out over the executors on this host.
int DefaultThreads(int executors);

/// The original command line (set by main) for re-launching under mpirun and for results.json.
void SetCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

}  // namespace tad::cli
