#pragma once
/// The tree parameters as command-line options, generated from tree/parameters.h's table (names,
/// defaults, descriptions, ranges), and the command line main saw.

#include <CLI/CLI.hpp>
#include <array>
#include <string>
#include <vector>

#include "common/status.h"
#include "tree/parameters.h"

namespace tad::cli {

/// Option text as given, one entry per kTreeParameterSpecs row; ParseTreeOptions parses and
/// validates it against the table.
using TreeOptionValues = std::array<std::string, kTreeParameterSpecs.size()>;

/// One option per parameter of the table, with its default and description.
void AddTreeOptions(CLI::App& command, TreeOptionValues& values);
Result<TreeParameters> ParseTreeOptions(const TreeOptionValues& values);

/// The original command line (set by main) for re-launching under mpirun and for results.json.
void SetCommandLine(int argc, char** argv);
const std::vector<std::string>& CommandLine();

}  // namespace tad::cli
