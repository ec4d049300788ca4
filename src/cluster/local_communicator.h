#pragma once
/// The communicator of a single process: size 1, every collective a copy of the local data.

#include "cluster/communicator.h"

namespace tad {

class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllReduceSum(std::span<int64_t> values) override;
  void AllReduceSum(std::span<double> values) override;
  void AllReduceMax(std::span<int64_t> values) override;
  void Broadcast(std::vector<std::byte>& bytes, int root) override;
  std::vector<std::vector<std::byte>> AllGather(std::span<const std::byte> local) override;
  void Barrier() override {}
  uint64_t bytes_sent() const override { return 0; }  // nothing crosses to another rank
  double seconds_in_collectives() const override { return 0.0; }
};

}  // namespace tad
