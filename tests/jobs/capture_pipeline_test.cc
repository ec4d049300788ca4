// ProcessInFileOrder: every index is taken on the calling thread in order whatever the thread
// count and however long each index takes; a failing index ends the run after the indexes before
// it were taken, with its own error (the first in index order when several fail); a failing take
// ends the run with its error. Not timed: the delays only shuffle the order work finishes in.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "jobs/capture_pipeline.h"

namespace tad::jobs {
namespace {

// Later indexes finish sooner, so with several workers they are processed out of order.
void Shuffle(size_t index, size_t count) {
  std::this_thread::sleep_for(std::chrono::microseconds(200 * ((count - index) % 7)));
}

TEST(ProcessInFileOrderTest, TakesEveryIndexInOrderForAnyThreadCount) {
  constexpr size_t kCount = 40;
  for (int threads : {1, 2, 3, 7}) {
    std::vector<size_t> results(kCount, 0);
    std::vector<size_t> taken;
    std::atomic<int> bad_worker{0};
    ProcessInFileOrder(
        kCount, threads,
        [&](size_t index, int worker) {
          if (worker < 0 || worker >= threads) ++bad_worker;
          Shuffle(index, kCount);
          results[index] = index * index;
        },
        [&](size_t index) {
          EXPECT_EQ(results[index], index * index);
          taken.push_back(index);
        });
    std::vector<size_t> want(kCount);
    for (size_t i = 0; i < kCount; ++i) want[i] = i;
    EXPECT_EQ(taken, want) << threads << " threads";
    EXPECT_EQ(bad_worker.load(), 0);
  }
}

TEST(ProcessInFileOrderTest, FirstFailingIndexEndsTheRunAfterTheIndexesBeforeIt) {
  constexpr size_t kCount = 30;
  for (int threads : {1, 2, 3, 7}) {
    std::vector<size_t> taken;
    try {
      ProcessInFileOrder(
          kCount, threads,
          [&](size_t index, int) {
            Shuffle(index, kCount);
            // Two failures: the later one may well finish first with several threads.
            if (index == 11 || index == 13) throw std::runtime_error("index " + std::to_string(index));
          },
          [&](size_t index) { taken.push_back(index); });
      ADD_FAILURE() << "no error with " << threads << " threads";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "index 11") << threads << " threads";
    }
    std::vector<size_t> want(11);
    for (size_t i = 0; i < want.size(); ++i) want[i] = i;
    EXPECT_EQ(taken, want) << threads << " threads";
  }
}

TEST(ProcessInFileOrderTest, FailingTakeEndsTheRun) {
  for (int threads : {1, 3}) {
    std::atomic<size_t> processed{0};
    EXPECT_THROW(ProcessInFileOrder(
                     100, threads, [&](size_t, int) { ++processed; },
                     [&](size_t index) {
                       if (index == 2) throw std::runtime_error("take failed");
                     }),
                 std::runtime_error);
    // At most the window of indexes ahead of the failed take was processed.
    EXPECT_LE(processed.load(), 3 + 2 * static_cast<size_t>(threads));
  }
}

TEST(ProcessInFileOrderTest, NoIndexes) {
  bool called = false;
  ProcessInFileOrder(
      0, 2, [&](size_t, int) { called = true; }, [&](size_t) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace tad::jobs
