#pragma once
/// Starting a child process and waiting for it: how `tad bench scaling` runs each training job as
/// a user would, and how the report calls rsvg-convert.

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

struct ProcessOutcome {
  int exit_code = 0;  // 128 + signal when the child was killed by a signal
  double wall_seconds = 0;
};

struct ProcessOptions {
  /// Look `argv[0]` up on PATH (otherwise it is a path).
  bool search_path = false;
  /// When set, stdout and stderr are appended to this file and stdin is /dev/null; otherwise the
  /// child shares this process's standard streams.
  std::filesystem::path output_log;
};

/// Starts `argv[0]` with `argv` and waits for it. An error only when it could not be started.
Result<ProcessOutcome> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// The running executable's own path (/proc/self/exe resolved).
std::filesystem::path SelfExecutable();

}  // namespace tad
