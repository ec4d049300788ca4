// The only file in tad that includes <mpi.h>.
#include "cluster/mpi_communicator.h"
#include "cluster/collective_timer.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>

namespace tad {

struct MpiCommunicator::Mpi {
  MPI_Comm comm = MPI_COMM_NULL;
  bool finalize = false;  // this process called MPI_Init_thread, so it calls MPI_Finalize
};

namespace {

std::string MpiErrorText(int code) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

Status MpiStatus(int code, const char* what) {
  if (code == MPI_SUCCESS) return Status::Ok();
  return Status::IoError(std::string(what) + " failed: " + MpiErrorText(code));
}

void Check(int code, const char* what) { ThrowIfError(MpiStatus(code, what)); }

// MPI counts are int: larger buffers go in pieces of at most this many elements.
constexpr size_t kMaxChunk = size_t{1} << 30;

}  // namespace

Result<std::unique_ptr<MpiCommunicator>> MpiCommunicator::Open() {
  auto mpi = std::make_unique<Mpi>();
  int initialized = 0;
  TAD_RETURN_IF_ERROR(MpiStatus(MPI_Initialized(&initialized), "MPI_Initialized"));
  if (!initialized) {
    int provided = 0;
    TAD_RETURN_IF_ERROR(MpiStatus(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread"));
    mpi->finalize = true;
  }
  // A communicator of our own, so our error handler does not change anyone else's.
  Status status = MpiStatus(MPI_Comm_dup(MPI_COMM_WORLD, &mpi->comm), "MPI_Comm_dup");
  if (status.ok()) status = MpiStatus(MPI_Comm_set_errhandler(mpi->comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  if (!status.ok()) {
    if (mpi->finalize) MPI_Finalize();
    return status;
  }
  return std::unique_ptr<MpiCommunicator>(new MpiCommunicator(std::move(mpi)));
}

MpiCommunicator::MpiCommunicator(std::unique_ptr<Mpi> mpi) : mpi_(std::move(mpi)) {
  MPI_Comm_rank(mpi_->comm, &rank_);
  MPI_Comm_size(mpi_->comm, &size_);
}

MpiCommunicator::~MpiCommunicator() {
  if (mpi_->comm != MPI_COMM_NULL) MPI_Comm_free(&mpi_->comm);
  if (mpi_->finalize) MPI_Finalize();
}

void MpiCommunicator::AllReduceSum(std::span<int64_t> values) {
  CollectiveTimer timer(seconds_);
  bytes_sent_ += values.size_bytes();
  for (size_t offset = 0; offset < values.size(); offset += kMaxChunk) {
    const int count = static_cast<int>(std::min(kMaxChunk, values.size() - offset));
    Check(MPI_Allreduce(MPI_IN_PLACE, values.data() + offset, count, MPI_INT64_T, MPI_SUM, mpi_->comm),
          "MPI_Allreduce (sum)");
  }
}

void MpiCommunicator::AllReduceMax(std::span<int64_t> values) {
  CollectiveTimer timer(seconds_);
  bytes_sent_ += values.size_bytes();
  for (size_t offset = 0; offset < values.size(); offset += kMaxChunk) {
    const int count = static_cast<int>(std::min(kMaxChunk, values.size() - offset));
    Check(MPI_Allreduce(MPI_IN_PLACE, values.data() + offset, count, MPI_INT64_T, MPI_MAX, mpi_->comm),
          "MPI_Allreduce (max)");
  }
}

void MpiCommunicator::AllReduceSum(std::span<double> values) {
  CollectiveTimer timer(seconds_);
  bytes_sent_ += values.size_bytes();
  // Floating-point addition is not associative: gather and add in rank order on every rank.
  const size_t ranks = static_cast<size_t>(size_);
  const size_t chunk = std::max<size_t>(1, kMaxChunk / ranks);
  std::vector<double> all;
  for (size_t offset = 0; offset < values.size(); offset += chunk) {
    const size_t count = std::min(chunk, values.size() - offset);
    all.resize(count * ranks);
    Check(MPI_Allgather(values.data() + offset, static_cast<int>(count), MPI_DOUBLE, all.data(),
                        static_cast<int>(count), MPI_DOUBLE, mpi_->comm),
          "MPI_Allgather (double sum)");
    for (size_t i = 0; i < count; ++i) {
      double sum = all[i];
      for (size_t r = 1; r < ranks; ++r) sum += all[r * count + i];
      values[offset + i] = sum;
    }
  }
}

void MpiCommunicator::Broadcast(std::vector<std::byte>& bytes, int root) {
  if (root < 0 || root >= size_) {
    throw Error(Status::Internal("broadcast from rank " + std::to_string(root) + " of " + std::to_string(size_)));
  }
  CollectiveTimer timer(seconds_);
  uint64_t length = bytes.size();
  Check(MPI_Bcast(&length, 1, MPI_UINT64_T, root, mpi_->comm), "MPI_Bcast (size)");
  if (rank_ == root) {
    bytes_sent_ += bytes.size();
  } else {
    bytes.resize(length);
  }
  for (size_t offset = 0; offset < length; offset += kMaxChunk) {
    const int count = static_cast<int>(std::min<size_t>(kMaxChunk, length - offset));
    Check(MPI_Bcast(bytes.data() + offset, count, MPI_BYTE, root, mpi_->comm), "MPI_Bcast");
  }
}

std::vector<std::vector<std::byte>> MpiCommunicator::AllGather(std::span<const std::byte> local) {
  CollectiveTimer timer(seconds_);
  bytes_sent_ += local.size();
  const size_t ranks = static_cast<size_t>(size_);
  int64_t local_size = static_cast<int64_t>(local.size());
  std::vector<int64_t> sizes(ranks);
  Check(MPI_Allgather(&local_size, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, mpi_->comm),
        "MPI_Allgather (sizes)");
  std::vector<std::vector<std::byte>> all(ranks);
  int64_t total = 0;
  for (size_t r = 0; r < ranks; ++r) {
    all[r].resize(static_cast<size_t>(sizes[r]));
    total += sizes[r];
  }
  if (total <= INT_MAX) {
    std::vector<std::byte> gathered(static_cast<size_t>(total));
    std::vector<int> counts(ranks);
    std::vector<int> displacements(ranks);
    int offset = 0;
    for (size_t r = 0; r < ranks; ++r) {
      counts[r] = static_cast<int>(sizes[r]);
      displacements[r] = offset;
      offset += counts[r];
    }
    // MPI wants a non-const send buffer in its C signature; it does not write to it.
    Check(MPI_Allgatherv(const_cast<std::byte*>(local.data()), static_cast<int>(local.size()), MPI_BYTE,
                         gathered.data(), counts.data(), displacements.data(), MPI_BYTE, mpi_->comm),
          "MPI_Allgatherv");
    for (size_t r = 0; r < ranks; ++r) {
      std::memcpy(all[r].data(), gathered.data() + displacements[r], all[r].size());
    }
    return all;
  }
  // Over 2 GiB in all: one broadcast per rank, in pieces.
  for (size_t r = 0; r < ranks; ++r) {
    if (r == static_cast<size_t>(rank_)) std::memcpy(all[r].data(), local.data(), local.size());
    for (size_t offset = 0; offset < all[r].size(); offset += kMaxChunk) {
      const int count = static_cast<int>(std::min(kMaxChunk, all[r].size() - offset));
      Check(MPI_Bcast(all[r].data() + offset, count, MPI_BYTE, static_cast<int>(r), mpi_->comm), "MPI_Bcast");
    }
  }
  return all;
}

void MpiCommunicator::Barrier() {
  CollectiveTimer timer(seconds_);
  Check(MPI_Barrier(mpi_->comm), "MPI_Barrier");
}

void MpiCommunicator::Abort(int exit_code) {
  MPI_Abort(mpi_->comm, exit_code);
  std::_Exit(exit_code);  // MPI_Abort does not return; this keeps [[noreturn]] honest if it did
}

}  // namespace tad
