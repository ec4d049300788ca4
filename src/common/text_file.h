#pragma once
/// Reading a whole file, with the file named in every error (writing: atomic_output.h).

#include <filesystem>
#include <string>

#include "common/status.h"

namespace tad {

/// The file's bytes; NotFound when it cannot be opened, IoError when reading fails.
Result<std::string> ReadTextFile(const std::filesystem::path& path);

}  // namespace tad
