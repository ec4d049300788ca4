#include "report/files.h"

#include "common/text_file.h"

namespace tad::report {

Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidData(path.string() + ": not valid JSON: " + e.what());
  }
}

}  // namespace tad::report
