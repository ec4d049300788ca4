#include "cli/executors.h"

#include <cstring>

namespace tad::cli {
namespace {

// Temporary single-process communicator until cluster/ lands its LocalCommunicator.
class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllReduceSum(std::span<int64_t>) override {}
  void AllReduceSum(std::span<double>) override {}
  void AllReduceMax(std::span<int64_t>) override {}
  void Broadcast(std::vector<std::byte>&, int) override {}
  std::vector<std::vector<std::byte>> AllGather(std::span<const std::byte> local) override {
    return {std::vector<std::byte>(local.begin(), local.end())};
  }
  void Barrier() override {}
  uint64_t bytes_sent() const override { return 0; }
  double seconds_in_collectives() const override { return 0; }
};

}  // namespace

Result<std::optional<int>> RelaunchUnderMpirunIfNeeded(const std::vector<std::string>&, int executors) {
  if (executors != 1) return Status::InvalidArgument("--executors above 1 needs the cluster module (not built yet)");
  return std::optional<int>();
}

Result<std::unique_ptr<Communicator>> OpenCommunicator() { return std::unique_ptr<Communicator>(new SingleProcess()); }

}  // namespace tad::cli
