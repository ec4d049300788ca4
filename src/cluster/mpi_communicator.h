#pragma once
/// One rank per MPI process. mpi_communicator.cc is the only file in tad that includes <mpi.h>:
/// MPI return codes become a tad::Error there (the communicator sets MPI_ERRORS_RETURN).

#include <memory>
#include <string>

#include "cluster/communicator.h"
#include "common/status.h"

namespace tad {

class MpiCommunicator : public Communicator {
 public:
  /// Initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED: only the thread that opened it calls
  /// MPI) unless it already is, and returns the communicator of all ranks. The destructor
  /// finalises MPI if this call initialised it. Open it once per process.
  static Result<std::unique_ptr<MpiCommunicator>> Open();

  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  /// Integer sums and maxima: MPI_Allreduce. Double sums are gathered and added in rank order,
  /// so every rank gets the same bits and the result matches ThreadCommunicator's.
  void AllReduceSum(std::span<int64_t> values) override;
  void AllReduceSum(std::span<double> values) override;
  void AllReduceMax(std::span<int64_t> values) override;
  void Broadcast(std::vector<std::byte>& bytes, int root) override;
  /// MPI_Allgather of the sizes, then MPI_Allgatherv of the bytes.
  std::vector<std::vector<std::byte>> AllGather(std::span<const std::byte> local) override;
  void Barrier() override;
  uint64_t bytes_sent() const override { return size_ > 1 ? bytes_sent_ : 0; }
  double seconds_in_collectives() const override { return seconds_; }

  /// Ends every rank of the job now (MPI_Abort) with `exit_code`: for a rank that cannot go on
  /// while the others wait for it in a collective.
  [[noreturn]] void Abort(int exit_code);

 private:
  struct Mpi;  // MPI handles, defined beside <mpi.h>
  explicit MpiCommunicator(std::unique_ptr<Mpi> mpi);

  std::unique_ptr<Mpi> mpi_;
  int rank_ = 0;
  int size_ = 1;
  uint64_t bytes_sent_ = 0;
  double seconds_ = 0.0;
};

}  // namespace tad
