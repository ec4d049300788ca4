#include "common/text_file.h"

#include <fstream>
#include <sstream>

namespace tad {

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + ": cannot open");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError(path.string() + ": read failed");
  return buffer.str();
}

}  // namespace tad
