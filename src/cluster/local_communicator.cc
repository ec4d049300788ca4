#include "cluster/local_communicator.h"

#include <string>

namespace tad {

void LocalCommunicator::AllReduceSum(std::span<int64_t>) {}
void LocalCommunicator::AllReduceSum(std::span<double>) {}
void LocalCommunicator::AllReduceMax(std::span<int64_t>) {}

void LocalCommunicator::Broadcast(std::vector<std::byte>&, int root) {
  if (root != 0) throw Error(Status::Internal("broadcast from rank " + std::to_string(root) + " of 1"));
}

std::vector<std::vector<std::byte>> LocalCommunicator::AllGather(std::span<const std::byte> local) {
  return {std::vector<std::byte>(local.begin(), local.end())};
}

}  // namespace tad
