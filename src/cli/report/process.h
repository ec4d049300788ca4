#pragma once
/// Runs a child process to completion, its output going to a log file: how `tad bench scaling`
/// starts each training job as a user would.

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad::report {

struct ProcessOutcome {
  int exit_code = 0;  // 128 + signal when the child was killed by a signal
  double wall_seconds = 0;
};

/// Starts `argv[0]` (a path) with `argv`, stdout and stderr appended to `log`, stdin from
/// /dev/null, and waits. An error only when it could not be started.
Result<ProcessOutcome> RunProcess(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// The running executable's own path (/proc/self/exe resolved).
std::filesystem::path SelfExecutable();

}  // namespace tad::report
