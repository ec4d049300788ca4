#pragma once
/// The only way tree code talks to other executors. Three implementations:
/// - LocalCommunicator: one process, size 1 (every collective is a copy);
/// - ThreadCommunicator: N ranks as threads in one process, for unit tests of the distributed path;
/// - MpiCommunicator: one rank per MPI process (the only file that includes <mpi.h>).
/// Every collective must be called by all ranks in the same order, as with MPI.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace tad {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_driver() const { return rank() == 0; }

  /// Element-wise sum over all ranks, in place. Integer sums are exact, so the result does not
  /// depend on how rows were split over ranks; that is what makes models identical for any N.
  virtual void AllReduceSum(std::span<int64_t> values) = 0;
  virtual void AllReduceSum(std::span<double> values) = 0;
  virtual void AllReduceMax(std::span<int64_t> values) = 0;

  /// Copies `bytes` from `root` to every rank; on other ranks `bytes` is resized and overwritten.
  virtual void Broadcast(std::vector<std::byte>& bytes, int root) = 0;

  /// Every rank contributes any number of bytes; every rank receives all contributions, by rank.
  virtual std::vector<std::vector<std::byte>> AllGather(std::span<const std::byte> local) = 0;

  virtual void Barrier() = 0;

  /// Bytes this rank has sent and seconds it spent inside collectives (waiting for the others
  /// included): the communication side of the compute/communication split. Bytes sent are the
  /// payload this rank hands to collectives, counted alike by every implementation: the values of
  /// an allreduce, its own part of an allgather, the bytes of a broadcast on its root (0 elsewhere);
  /// with a single rank nothing crosses to another, so 0.
  virtual uint64_t bytes_sent() const = 0;
  virtual double seconds_in_collectives() const = 0;
};

}  // namespace tad
