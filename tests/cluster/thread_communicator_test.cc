#include "cluster/thread_communicator.h"

#include <gtest/gtest.h>

#include <atomic>
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
  ThreadCluster cluster(2);
  std::vector<double> seconds(2);
  cluster.Run([&](Communicator& communicator) {
    if (communicator.rank() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    communicator.Barrier();
    seconds[static_cast<size_t>(communicator.rank())] = communicator.seconds_in_collectives();
  });
  EXPECT_GE(seconds[0], 0.04);
  EXPECT_LT(seconds[1], 0.04);
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
