#pragma once
/// N ranks as threads in one process: the distributed code path under a unit test, without MPI.
///
///   ThreadCluster cluster(3);
///   cluster.Run([](Communicator& communicator) { ... every rank's code ... });
///
/// Collectives meet at a shared barrier and read each other's buffers directly; sums are added in
/// rank order, so every rank gets the same bits (doubles included), as with MpiCommunicator.

#include <functional>
#include <memory>

#include "cluster/communicator.h"

namespace tad {

class ThreadHub;  // the state the ranks of one ThreadCluster share

/// One rank of a ThreadCluster; made by ThreadCluster::Run.
class ThreadCommunicator : public Communicator {
 public:
  ThreadCommunicator(ThreadHub& hub, int rank) : hub_(hub), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override;
  void AllReduceSum(std::span<int64_t> values) override;
  void AllReduceSum(std::span<double> values) override;
  void AllReduceMax(std::span<int64_t> values) override;
  void Broadcast(std::vector<std::byte>& bytes, int root) override;
  std::vector<std::vector<std::byte>> AllGather(std::span<const std::byte> local) override;
  void Barrier() override;
  uint64_t bytes_sent() const override { return size() > 1 ? bytes_sent_ : 0; }
  double seconds_in_collectives() const override { return seconds_; }

 private:
  template <typename T, typename Op>
  void Reduce(std::span<T> values, Op op);

  ThreadHub& hub_;
  int rank_;
  uint64_t bytes_sent_ = 0;
  double seconds_ = 0.0;
};

class ThreadCluster {
 public:
  /// `size` ranks, at least 1.
  explicit ThreadCluster(int size);
  ~ThreadCluster();
  ThreadCluster(const ThreadCluster&) = delete;
  ThreadCluster& operator=(const ThreadCluster&) = delete;

  int size() const { return size_; }

  /// Runs `body` once per rank, each on its own thread, and joins them all. If a rank throws, the
  /// ranks waiting for it in a collective are released with an Error (kCancelled) and the first
  /// exception thrown is rethrown here. A ThreadCluster can Run more than once.
  void Run(const std::function<void(Communicator&)>& body);

 private:
  int size_;
  std::unique_ptr<ThreadHub> hub_;
};

}  // namespace tad
