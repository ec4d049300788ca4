#include "cluster/launcher.h"

#include <gtest/gtest.h>

namespace tad {
namespace {

TEST(MpirunArgumentsTest, SameBinarySameArgumentsNoBinding) {
  const auto arguments = MpirunArguments("mpirun", 2, 2, "/opt/tad/bin/tad", {"./tad", "train", "data", "--executors", "2"});
  EXPECT_EQ(arguments, (std::vector<std::string>{"mpirun", "-np", "2", "--bind-to", "none", "/opt/tad/bin/tad", "train",
                                                 "data", "--executors", "2"}));
}

TEST(MpirunArgumentsTest, OversubscribesOnlyBeyondTheCores) {
  const auto arguments = MpirunArguments("mpirun", 7, 2, "/t", {"t"});
  EXPECT_EQ(arguments[3], "--oversubscribe");
}

TEST(MpirunStderrFilterTest, DeathNoticeBecomesOneLine) {
  MpirunStderrFilter filter;
  const std::string rule(74, '-');
  std::vector<std::string> shown;
  for (const std::string& line :
       {std::string("rank output"), rule,
        std::string("Primary job  terminated normally, but 1 process returned"), rule, rule,
        std::string("mpirun noticed that process rank 1 with PID 4242 on node box exited on signal 9 (Killed)."), rule}) {
    for (auto& out : filter.Feed(line)) shown.push_back(out);
  }
  for (auto& out : filter.Finish()) shown.push_back(out);
  EXPECT_EQ(shown, std::vector<std::string>{"rank output"});
  EXPECT_EQ(filter.death(), "executor 1 (pid 4242, host box) died: killed by signal 9 (Killed)");
}

TEST(MpirunStderrFilterTest, OtherNoticesArePassedOn) {
  MpirunStderrFilter filter;
  const std::string rule(74, '-');
  std::vector<std::string> shown;
  for (const std::string& line : {rule, std::string("There are not enough slots available in the system"), rule}) {
    for (auto& out : filter.Feed(line)) shown.push_back(out);
  }
  EXPECT_EQ(shown.size(), 3u);
  EXPECT_TRUE(filter.death().empty());
}

TEST(LauncherTest, ZeroExecutorsIsAUsageError) {
  auto result = RelaunchUnderMpirunIfNeeded({"tad"}, 0);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(LauncherTest, OneExecutorOutsideMpiRunsHere) {
  if (RunningUnderMpi()) GTEST_SKIP() << "this test runs outside MPI";
  auto result = RelaunchUnderMpirunIfNeeded({"tad"}, 1);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->has_value());
  auto communicator = OpenCommunicator();
  ASSERT_TRUE(communicator.ok());
  EXPECT_EQ((*communicator)->size(), 1);
}

}  // namespace
}  // namespace tad
