#include "capture/capture_files.h"

#include <algorithm>

#include <fmt/format.h>

#include "capture/capture_format.h"

namespace tad {

namespace fs = std::filesystem;

Result<std::vector<CaptureFile>> ListFilesBelow(const fs::path& folder, const fs::path& base) {
  std::error_code ec;
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::follow_directory_symlink, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file()) paths.push_back(it->path());
  }
  if (ec) return Status::IoError(fmt::format("{}: {}", folder.string(), ec.message()));
  std::sort(paths.begin(), paths.end());
  std::vector<CaptureFile> files;
  files.reserve(paths.size());
  for (fs::path& path : paths) {
    CaptureFile file;
    file.source_file = path.lexically_relative(base).generic_string();
    file.size = fs::file_size(path, ec);
    file.path = std::move(path);
    files.push_back(std::move(file));
  }
  return files;
}

Result<std::vector<CaptureFile>> KeepCaptures(std::vector<CaptureFile> files, bool skip_invalid,
                                              std::vector<SkippedFile>& skipped) {
  std::vector<CaptureFile> captures;
  captures.reserve(files.size());
  for (CaptureFile& file : files) {
    auto format = DetectCaptureFormat(file.path);
    if (!format.ok()) {
      if (!skip_invalid) return format.status();
      skipped.push_back({file.source_file, format.status().message()});
      continue;
    }
    captures.push_back(std::move(file));
  }
  return captures;
}

}  // namespace tad
