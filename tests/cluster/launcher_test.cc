#include "cluster/launcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>

namespace tad {
namespace {

TEST(MpirunArgumentsTest, SameBinarySameArgumentsNoBinding) {
  const auto arguments = MpirunArguments("mpirun", 2, 4, "/opt/tad/bin/tad", {"./tad", "train", "data", "--executors", "2"});
  EXPECT_EQ(arguments, (std::vector<std::string>{"mpirun", "-np", "2", "--bind-to", "none", "/opt/tad/bin/tad", "train",
                                                 "data", "--executors", "2"}));
}

TEST(MpirunArgumentsTest, OversubscribesWhenRanksMayOutnumberPhysicalCores) {
  EXPECT_EQ(MpirunArguments("mpirun", 7, 2, "/t", {"t"})[3], "--oversubscribe");
  EXPECT_EQ(MpirunArguments("mpirun", 2, 2, "/t", {"t"})[3], "--oversubscribe");  // 2 threads may be 1 core
  EXPECT_EQ(MpirunArguments("mpirun", 2, 4, "/t", {"t"})[3], "--bind-to");
}

// The value `environment` gives NAME, or nullopt.
std::optional<std::string> ValueOf(const std::vector<std::string>& environment, const std::string& name) {
  std::optional<std::string> value;
  for (const auto& entry : environment) {
    if (entry.rfind(name + "=", 0) == 0) {
      EXPECT_FALSE(value.has_value()) << name << " is set twice";
      value = entry.substr(name.size() + 1);
    }
  }
  return value;
}

TEST(MpirunEnvironmentTest, AddsStartupDefaultsAndKeepsTheUsersOwn) {
  const std::vector<std::string> inherited = {"PATH=/usr/bin", "OMPI_MCA_pml=ucx", "HWLOC_COMPONENTS=linux"};
  const auto environment = MpirunEnvironment(inherited);
  EXPECT_EQ(ValueOf(environment, "PATH"), "/usr/bin");
  EXPECT_EQ(ValueOf(environment, "OMPI_MCA_pml"), "ucx");
  EXPECT_EQ(ValueOf(environment, "HWLOC_COMPONENTS"), "linux");
  EXPECT_EQ(ValueOf(environment, "OMPI_MCA_orte_abort_on_non_zero_status"), "1");
  EXPECT_TRUE(ValueOf(environment, "HWLOC_PLUGINS_BLACKLIST").has_value());
  EXPECT_EQ(ValueOf(MpirunEnvironment({}), "OMPI_MCA_pml"), "ob1");
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

TEST(MpirunStderrFilterTest, PidZeroIsReplacedByTheRanksOwnRecord) {
  const std::string directory = ::testing::TempDir() + "/tad-pid-test";
  std::filesystem::create_directories(directory);
  std::ofstream(directory + "/rank-2") << "777 node7\n";
  MpirunStderrFilter filter;
  filter.set_pid_directory(directory);
  (void)filter.Feed("mpirun noticed that process rank 2 with PID 0 on node vm exited on signal 9 (Killed).");
  EXPECT_EQ(filter.death(), "executor 2 (pid 777, host node7) died: killed by signal 9 (Killed)");
  MpirunStderrFilter without;
  (void)without.Feed("mpirun noticed that process rank 0 with PID 0 on node vm exited on signal 15 (Terminated).");
  EXPECT_EQ(without.death(), "executor 0 (host vm) died: killed by signal 15 (Terminated)");
  std::filesystem::remove_all(directory);
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
