#include "report/files.h"

#include <fstream>
#include <sstream>

#include "common/atomic_output.h"

namespace tad::report {

Result<std::string> ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path.string() + ": cannot open");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError(path.string() + ": read failed");
  return buffer.str();
}

Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& path) {
  auto text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidData(path.string() + ": not valid JSON: " + e.what());
  }
}

Status WriteTextFile(const std::filesystem::path& path, std::string_view content, bool overwrite) {
  auto output = AtomicOutput::Create(path, overwrite);
  if (!output.ok()) return output.status();
  {
    std::ofstream out(output->temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError(output->temp_path().string() + ": cannot create");
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) return Status::IoError(output->temp_path().string() + ": write failed");
  }
  return output->Commit();
}

}  // namespace tad::report
