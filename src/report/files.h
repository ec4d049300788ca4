#pragma once
/// JSON reads of the report command, with the file named in every error.

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tad::report {

/// Parses `path` as JSON; a parse error names the file and the byte where it failed.
Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& path);

}  // namespace tad::report
