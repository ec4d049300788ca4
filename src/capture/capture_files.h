#pragma once
/// The capture files of a run's inputs, listed and checked one way for `tad extract` and `tad
/// classify`: every regular file below a folder (links to folders followed), in sorted path
/// order; every file is checked before any is read, and one that is not a capture ends the run,
/// or with --skip-invalid is left out and warned about.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

struct CaptureFile {
  std::filesystem::path path;
  std::string source_file;  // relative to the folder it was listed from (a file given itself: its name)
  std::string category;     // extract: the category folder it is in
  uint64_t size = 0;        // bytes
};

/// Every regular file below `folder`, sorted by path, `source_file` relative to `base`. IoError
/// naming the folder when it cannot be listed.
Result<std::vector<CaptureFile>> ListFilesBelow(const std::filesystem::path& folder, const std::filesystem::path& base);

/// A file that is not a capture, left out.
struct SkippedFile {
  std::string source_file;
  std::string reason;  // one line naming the file
};

/// The files that are captures (DetectCaptureFormat on their first bytes), in their order. The
/// first that is not is the error (InvalidData naming it), or with `skip_invalid` it is left out
/// and appended to `skipped`.
Result<std::vector<CaptureFile>> KeepCaptures(std::vector<CaptureFile> files, bool skip_invalid,
                                              std::vector<SkippedFile>& skipped);

}  // namespace tad
