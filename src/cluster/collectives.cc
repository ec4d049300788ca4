#include "cluster/collectives.h"

#include <unistd.h>

namespace tad {

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

std::vector<std::string> AllGatherStrings(Communicator& communicator, const std::string& text) {
  const auto all =
      communicator.AllGather(std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  std::vector<std::string> strings;
  strings.reserve(all.size());
  for (const auto& bytes : all) strings.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return strings;
}

}  // namespace tad
