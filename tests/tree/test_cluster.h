#pragma once
// N ranks as threads for the tree tests: a minimal Communicator over shared memory (the cluster
// module's ThreadCommunicator does the same for real use; this keeps the tree tests independent).

#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/communicator.h"

namespace tad::testing {

class Hub {
 public:
  explicit Hub(int size) : size_(size), slots_(static_cast<size_t>(size)) {}
  int size() const { return size_; }
  void Barrier() {
    std::unique_lock lock(mutex_);
    const uint64_t generation = generation_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++generation_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return generation_ != generation; });
    }
  }
  std::vector<std::byte>& slot(int rank) { return slots_[static_cast<size_t>(rank)]; }

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  std::vector<std::vector<std::byte>> slots_;
};

class HubCommunicator : public Communicator {
 public:
  HubCommunicator(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size(); }
  void AllReduceSum(std::span<int64_t> values) override { Reduce(values, [](auto a, auto b) { return a + b; }); }
  void AllReduceSum(std::span<double> values) override { Reduce(values, [](auto a, auto b) { return a + b; }); }
  void AllReduceMax(std::span<int64_t> values) override { Reduce(values, [](auto a, auto b) { return a > b ? a : b; }); }
  void Broadcast(std::vector<std::byte>& bytes, int root) override {
    auto all = AllGather(bytes);
    bytes = all[static_cast<size_t>(root)];
  }
  std::vector<std::vector<std::byte>> AllGather(std::span<const std::byte> local) override {
    hub_.slot(rank_).assign(local.begin(), local.end());
    sent_ += local.size();
    hub_.Barrier();
    std::vector<std::vector<std::byte>> all;
    for (int r = 0; r < hub_.size(); ++r) all.push_back(hub_.slot(r));
    hub_.Barrier();
    return all;
  }
  void Barrier() override { hub_.Barrier(); }
  uint64_t bytes_sent() const override { return sent_; }
  double seconds_in_collectives() const override { return 0; }

 private:
  template <typename T, typename Op>
  void Reduce(std::span<T> values, Op op) {
    auto all = AllGather(std::span<const std::byte>(reinterpret_cast<const std::byte*>(values.data()), values.size_bytes()));
    for (size_t i = 0; i < values.size(); ++i) {
      T acc{};
      for (size_t r = 0; r < all.size(); ++r) {
        T v;
        std::memcpy(&v, all[r].data() + i * sizeof(T), sizeof(T));
        acc = r == 0 ? v : op(acc, v);
      }
      values[i] = acc;
    }
  }
  Hub& hub_;
  int rank_;
  uint64_t sent_ = 0;
};

/// Runs body(communicator) on `size` threads, one per rank.
inline void RunRanks(int size, const std::function<void(Communicator&)>& body) {
  Hub hub(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&hub, &body, r] {
      HubCommunicator communicator(hub, r);
      body(communicator);
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace tad::testing
