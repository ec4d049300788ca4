#include "cluster/thread_communicator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <stdexcept>

#include "cluster/collectives.h"
#include "cluster/local_communicator.h"
#include "collective_checks.h"

namespace tad {
namespace {

class ThreadCollectivesTest : public ::testing::TestWithParam<int> {};

TEST_P(ThreadCollectivesTest, EveryCollectiveGivesTheSameAnswerOnEveryRank) {
  const int size = GetParam();
  ThreadCluster cluster(size);
  std::mutex mutex;
  std::vector<std::string> failures;
  std::atomic<int> ran = 0;
  cluster.Run([&](Communicator& communicator) {
    EXPECT_EQ(communicator.size(), size);
    EXPECT_EQ(communicator.is_driver(), communicator.rank() == 0);
    auto found = testing::CheckCollectives(communicator);
    std::lock_guard lock(mutex);
    failures.insert(failures.end(), found.begin(), found.end());
    ++ran;
  });
  EXPECT_EQ(ran.load(), size);
  EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
}

TEST_P(ThreadCollectivesTest, RepeatedCollectivesDoNotMixRounds) {
  const int size = GetParam();
  ThreadCluster cluster(size);
  std::atomic<int> wrong = 0;
  cluster.Run([&](Communicator& communicator) {
    for (int64_t round = 0; round < 200; ++round) {
      std::vector<int64_t> values = {round * (communicator.rank() + 1)};
      communicator.AllReduceSum(std::span<int64_t>(values));
      if (values[0] != round * size * (size + 1) / 2) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Ranks, ThreadCollectivesTest, ::testing::Values(1, 2, 3, 7));

TEST(ThreadClusterTest, RanksRunConcurrently) {
  // A barrier only completes if all ranks are running at the same time.
  ThreadCluster cluster(4);
  std::atomic<int> done = 0;
  cluster.Run([&](Communicator& communicator) {
    communicator.Barrier();
    ++done;
  });
  EXPECT_EQ(done.load(), 4);
}

TEST(ThreadClusterTest, FirstExceptionIsRethrownAndWaitingRanksAreReleased) {
  ThreadCluster cluster(3);
  try {
    cluster.Run([](Communicator& communicator) {
      if (communicator.rank() == 1) throw std::runtime_error("rank 1 broke");
      std::vector<int64_t> values = {1};
      communicator.AllReduceSum(std::span<int64_t>(values));  // would wait forever for rank 1
    });
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "rank 1 broke");
  }
  // The cluster is usable again afterwards.
  std::atomic<int64_t> total = 0;
  cluster.Run([&](Communicator& communicator) {
    std::vector<int64_t> values = {2};
    communicator.AllReduceSum(std::span<int64_t>(values));
    total += values[0];
  });
  EXPECT_EQ(total.load(), 18);
}

TEST(ThreadClusterTest, MismatchedReductionSizesAreAnError) {
  ThreadCluster cluster(2);
  EXPECT_THROW(cluster.Run([](Communicator& communicator) {
    std::vector<int64_t> values(static_cast<size_t>(communicator.rank() + 1), 1);
    communicator.AllReduceSum(std::span<int64_t>(values));
  }),
               Error);
}

TEST(ThreadClusterTest, ZeroRanksIsRefused) { EXPECT_THROW(ThreadCluster(0), Error); }

TEST(ThreadClusterTest, BytesSentCountsOnlyTheBroadcastRoot) {
  ThreadCluster cluster(3);
  std::vector<uint64_t> sent(3);
  cluster.Run([&](Communicator& communicator) {
    std::vector<std::byte> bytes(communicator.rank() == 2 ? 100 : 0);
    communicator.Broadcast(bytes, 2);
    EXPECT_EQ(bytes.size(), 100u);
    sent[static_cast<size_t>(communicator.rank())] = communicator.bytes_sent();
  });
  EXPECT_EQ(sent, (std::vector<uint64_t>{0, 0, 100}));
}

TEST(ThreadClusterTest, SecondsInCollectivesIncludeWaitingForOthers) {
  // Rank 1 reaches the barrier 50 ms after rank 0 said it was about to: rank 0's time in
  // collectives should include that wait. A loaded machine may hold rank 0 back past rank 1's
  // arrival in one round, so the wait need only show in one of several rounds; what must hold in
  // every round is that no rank counts more than the wall time of its own call.
  constexpr int kRounds = 20;
  ThreadCluster cluster(2);
  std::atomic<int> rank0_entering{-1};
  bool wait_seen = false;
  cluster.Run([&](Communicator& communicator) {
    for (int round = 0; round < kRounds; ++round) {
      const double before = communicator.seconds_in_collectives();
      if (communicator.rank() == 1) {
        while (rank0_entering.load() < round) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      const auto call_start = std::chrono::steady_clock::now();
      if (communicator.rank() == 0) rank0_entering.store(round);
      communicator.Barrier();
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - call_start).count();
      const double counted = communicator.seconds_in_collectives() - before;
      EXPECT_LE(counted, wall) << "rank " << communicator.rank() << " round " << round;
      // Both ranks read wait_seen only after the next barrier, so rank 0 alone writes it here.
      if (communicator.rank() == 0 && counted >= 0.04) wait_seen = true;
      communicator.Barrier();
      if (wait_seen) break;
    }
  });
  EXPECT_TRUE(wait_seen) << "rank 0 never counted the 50 ms it waited for rank 1";
}

TEST(ThreadClusterTest, AllGatherStringsAndHostname) {
  ThreadCluster cluster(3);
  cluster.Run([](Communicator& communicator) {
    const auto names = AllGatherStrings(communicator, std::string(static_cast<size_t>(communicator.rank()), 'x'));
    EXPECT_EQ(names, (std::vector<std::string>{"", "x", "xx"}));
  });
  EXPECT_FALSE(Hostname().empty());
}

TEST(LocalCommunicatorTest, CollectivesAreCopies) {
  LocalCommunicator local;
  EXPECT_EQ(local.size(), 1);
  EXPECT_TRUE(local.is_driver());
  EXPECT_TRUE(testing::CheckCollectives(local).empty());
  std::vector<std::byte> bytes(5);
  EXPECT_THROW(local.Broadcast(bytes, 1), Error);
}

}  // namespace
}  // namespace tad
