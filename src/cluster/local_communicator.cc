#include "cluster/local_communicator.h"

#include <string>

namespace tad {

// Bytes are counted as in the other implementations (the payload handed to each collective), so a
// one-executor run reports figures comparable to an N-executor one.
void LocalCommunicator::AllReduceSum(std::span<int64_t> values) { bytes_sent_ += values.size_bytes(); }
void LocalCommunicator::AllReduceSum(std::span<double> values) { bytes_sent_ += values.size_bytes(); }
void LocalCommunicator::AllReduceMax(std::span<int64_t> values) { bytes_sent_ += values.size_bytes(); }

void LocalCommunicator::Broadcast(std::vector<std::byte>& bytes, int root) {
  if (root != 0) throw Error(Status::Internal("broadcast from rank " + std::to_string(root) + " of 1"));
  bytes_sent_ += bytes.size();
}

std::vector<std::vector<std::byte>> LocalCommunicator::AllGather(std::span<const std::byte> local) {
  bytes_sent_ += local.size();
  return {std::vector<std::byte>(local.begin(), local.end())};
}

}  // namespace tad
