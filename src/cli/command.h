#pragma once
/// Each `tad <command>` lives in its own <name>_command.cc: it declares its options on a CLI11
/// subcommand and returns the function main runs once the command line has parsed.

#include <CLI/CLI.hpp>
#include <functional>

#include "common/status.h"

namespace tad::cli {

/// Exit codes of every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime error: bad input data, I/O, a lost executor
inline constexpr int kExitUsage = 2;    // the command line is wrong

inline int ExitCodeFor(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
}

using CommandRunner = std::function<int()>;

CommandRunner AddExtractCommand(CLI::App& app);
CommandRunner AddSynthCommand(CLI::App& app);
CommandRunner AddTrainCommand(CLI::App& app);
CommandRunner AddEvalCommand(CLI::App& app);
CommandRunner AddPredictCommand(CLI::App& app);
CommandRunner AddBenchCommand(CLI::App& app);
CommandRunner AddReportCommand(CLI::App& app);
CommandRunner AddExportCommand(CLI::App& app);
CommandRunner AddClassifyCommand(CLI::App& app);

}  // namespace tad::cli
