#pragma once
/// Small file helpers of the report and bench commands: whole-file reads, JSON reads with the file
/// named in every error, and whole-file writes through AtomicOutput.

#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tad::report {

Result<std::string> ReadTextFile(const std::filesystem::path& path);

/// Parses `path` as JSON; a parse error names the file and the byte where it failed.
Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& path);

/// Writes `content` to `path` via write-then-rename.
Status WriteTextFile(const std::filesystem::path& path, std::string_view content, bool overwrite);

}  // namespace tad::report
