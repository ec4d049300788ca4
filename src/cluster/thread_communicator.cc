#include "cluster/thread_communicator.h"
#include "cluster/collective_timer.h"

#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

namespace tad {

/// What the ranks share: a reusable barrier and one posted buffer per rank. A rank posts its
/// buffer, everyone meets at the barrier, each reads what it needs, and everyone meets again
/// before any buffer may change.
class ThreadHub {
 public:
  explicit ThreadHub(int size) : size_(size), posted_(static_cast<size_t>(size)) {}

  int size() const { return size_; }

  void Barrier() {
    std::unique_lock lock(mutex_);
    if (failed_) throw Error(Status::Cancelled("another executor failed"));
    const uint64_t generation = generation_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++generation_;
      changed_.notify_all();
      return;
    }
    changed_.wait(lock, [&] { return generation_ != generation || failed_; });
    if (generation_ == generation) throw Error(Status::Cancelled("another executor failed"));
  }

  /// Releases every rank waiting at the barrier, now and later (until Reset).
  void Fail() {
    std::lock_guard lock(mutex_);
    failed_ = true;
    changed_.notify_all();
  }

  void Reset() {
    std::lock_guard lock(mutex_);
    failed_ = false;
    arrived_ = 0;
    for (auto& span : posted_) span = {};
  }

  void Post(int rank, std::span<const std::byte> bytes) { posted_[static_cast<size_t>(rank)] = bytes; }
  std::span<const std::byte> posted(int rank) const { return posted_[static_cast<size_t>(rank)]; }

 private:
  const int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  bool failed_ = false;
  // Written by each rank before a barrier and read by all after it; the barrier's mutex orders it.
  std::vector<std::span<const std::byte>> posted_;
};

namespace {

template <typename T>
std::span<const std::byte> AsBytes(std::span<T> values) {
  return {reinterpret_cast<const std::byte*>(values.data()), values.size_bytes()};
}

}  // namespace

int ThreadCommunicator::size() const { return hub_.size(); }

template <typename T, typename Op>
void ThreadCommunicator::Reduce(std::span<T> values, Op op) {
  CollectiveTimer timer(seconds_);
  bytes_sent_ += values.size_bytes();
  hub_.Post(rank_, AsBytes(values));
  hub_.Barrier();
  for (int r = 0; r < hub_.size(); ++r) {
    if (hub_.posted(r).size() != values.size_bytes()) {
      hub_.Fail();
      throw Error(Status::Internal("allreduce of " + std::to_string(values.size()) + " values on rank " +
                                   std::to_string(rank_) + " but " +
                                   std::to_string(hub_.posted(r).size() / sizeof(T)) + " on rank " +
                                   std::to_string(r)));
    }
  }
  std::vector<T> result(values.size());
  for (int r = 0; r < hub_.size(); ++r) {
    const std::byte* data = hub_.posted(r).data();
    for (size_t i = 0; i < values.size(); ++i) {
      T value;
      std::memcpy(&value, data + i * sizeof(T), sizeof(T));
      result[i] = r == 0 ? value : op(result[i], value);
    }
  }
  hub_.Barrier();  // nobody overwrites its buffer before everyone has read it
  std::copy(result.begin(), result.end(), values.begin());
}

void ThreadCommunicator::AllReduceSum(std::span<int64_t> values) {
  Reduce(values, [](int64_t a, int64_t b) { return a + b; });
}

void ThreadCommunicator::AllReduceSum(std::span<double> values) {
  Reduce(values, [](double a, double b) { return a + b; });
}

void ThreadCommunicator::AllReduceMax(std::span<int64_t> values) {
  Reduce(values, [](int64_t a, int64_t b) { return a > b ? a : b; });
}

void ThreadCommunicator::Broadcast(std::vector<std::byte>& bytes, int root) {
  if (root < 0 || root >= hub_.size()) {
    hub_.Fail();
    throw Error(Status::Internal("broadcast from rank " + std::to_string(root) + " of " +
                                 std::to_string(hub_.size())));
  }
  CollectiveTimer timer(seconds_);
  if (rank_ == root) bytes_sent_ += bytes.size();
  hub_.Post(rank_, bytes);
  hub_.Barrier();
  std::vector<std::byte> received;
  if (rank_ != root) received.assign(hub_.posted(root).begin(), hub_.posted(root).end());
  hub_.Barrier();
  if (rank_ != root) bytes = std::move(received);
}

std::vector<std::vector<std::byte>> ThreadCommunicator::AllGather(std::span<const std::byte> local) {
  CollectiveTimer timer(seconds_);
  bytes_sent_ += local.size();
  hub_.Post(rank_, local);
  hub_.Barrier();
  std::vector<std::vector<std::byte>> all(static_cast<size_t>(hub_.size()));
  for (int r = 0; r < hub_.size(); ++r) all[static_cast<size_t>(r)].assign(hub_.posted(r).begin(), hub_.posted(r).end());
  hub_.Barrier();
  return all;
}

void ThreadCommunicator::Barrier() {
  CollectiveTimer timer(seconds_);
  hub_.Barrier();
}

ThreadCluster::ThreadCluster(int size) : size_(size) {
  if (size < 1) throw Error(Status::InvalidArgument("a thread cluster needs at least 1 rank, not " + std::to_string(size)));
  hub_ = std::make_unique<ThreadHub>(size);
}

ThreadCluster::~ThreadCluster() = default;

void ThreadCluster::Run(const std::function<void(Communicator&)>& body) {
  hub_->Reset();
  std::mutex error_mutex;
  std::exception_ptr first_error;
  bool first_is_cancel = false;  // a rank released because another failed is not the cause
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(size_));
  for (int r = 0; r < size_; ++r) {
    threads.emplace_back([&, r] {
      ThreadCommunicator communicator(*hub_, r);
      try {
        body(communicator);
      } catch (...) {
        bool cancelled = false;
        try {
          throw;
        } catch (const Error& e) {
          cancelled = e.status().code() == StatusCode::kCancelled;
        } catch (...) {
        }
        {
          std::lock_guard lock(error_mutex);
          if (!first_error || (first_is_cancel && !cancelled)) {
            first_error = std::current_exception();
            first_is_cancel = cancelled;
          }
        }
        hub_->Fail();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace tad
