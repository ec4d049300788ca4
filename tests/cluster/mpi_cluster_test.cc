// Integration: real mpirun, real processes (label "integration"). Runs cluster_probe, which
// starts mpirun through the launcher as `tad train --executors N` does.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>

#ifndef TAD_CLUSTER_PROBE
#error "TAD_CLUSTER_PROBE must name the cluster_probe binary"
#endif

namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
  double seconds = 0;
};

// Runs the probe with a hard limit of 60 s (the test must never hang).
Outcome RunProbe(const std::string& arguments) {
  const std::string command = "timeout -s KILL 60 " + std::string(TAD_CLUSTER_PROBE) + " " + arguments + " 2>&1";
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return outcome;
  std::array<char, 4096> buffer{};
  size_t count;
  while ((count = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) outcome.output.append(buffer.data(), count);
  const int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

TEST(MpiClusterTest, CollectivesAgreeAcrossThreeProcesses) {
  const Outcome outcome = RunProbe("--executors 3 check");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("ranks 3, failures 0"), std::string::npos) << outcome.output;
}

TEST(MpiClusterTest, OversubscribedSevenRanks) {
  const Outcome outcome = RunProbe("--executors 7 check");
  EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
  EXPECT_NE(outcome.output.find("ranks 7, failures 0"), std::string::npos) << outcome.output;
}

TEST(MpiClusterTest, KilledRankEndsTheJobQuicklyAndIsNamed) {
  const Outcome outcome = RunProbe("--executors 3 die 1");
  EXPECT_EQ(outcome.exit_code, 1) << outcome.output;
  EXPECT_LT(outcome.seconds, 15.0) << outcome.output;
  EXPECT_NE(outcome.output.find("tad: error: executor 1 (pid "), std::string::npos) << outcome.output;
  EXPECT_NE(outcome.output.find("died: killed by signal 9"), std::string::npos) << outcome.output;
  // mpirun's own boxed notice is replaced by that line; no rank got past the allreduce.
  EXPECT_EQ(outcome.output.find("mpirun noticed"), std::string::npos) << outcome.output;
  EXPECT_EQ(outcome.output.find("allreduce returned"), std::string::npos) << outcome.output;
}

TEST(MpiClusterTest, FailingRankEndsTheJobWithItsExitCode) {
  const Outcome outcome = RunProbe("--executors 3 fail 2");
  EXPECT_EQ(outcome.exit_code, 3) << outcome.output;
  EXPECT_LT(outcome.seconds, 15.0) << outcome.output;
  EXPECT_NE(outcome.output.find("rank 2: going away"), std::string::npos) << outcome.output;
  EXPECT_EQ(outcome.output.find("allreduce returned"), std::string::npos) << outcome.output;
}

}  // namespace
