// A tiny MPI program for the integration tests: `cluster_probe --executors N MODE [RANK]`.
// It starts mpirun itself through the launcher, as `tad train` does. Modes:
//   check      every collective across the ranks (collective_checks.h); exit 0 when all agree
//   die K      rank K kills itself (SIGKILL) while the others wait for it in an allreduce
//   fail K     rank K exits with code 3 while the others wait for it in an allreduce
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cluster/collectives.h"
#include "cluster/launcher.h"
#include "collective_checks.h"

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv, argv + argc);
  int executors = 1;
  std::string mode = "check";
  int target = -1;
  for (size_t i = 1; i < arguments.size(); ++i) {
    if (arguments[i] == "--executors" && i + 1 < arguments.size()) {
      executors = std::atoi(arguments[++i].c_str());
    } else if (arguments[i] == "check" || arguments[i] == "die" || arguments[i] == "fail") {
      mode = arguments[i];
      if (mode != "check" && i + 1 < arguments.size()) target = std::atoi(arguments[++i].c_str());
    } else {
      std::fprintf(stderr, "usage: cluster_probe [--executors N] check|die K|fail K\n");
      return 2;
    }
  }
  try {
    auto relaunched = tad::ValueOrThrow(tad::RelaunchUnderMpirunIfNeeded(arguments, executors));
    if (relaunched) return *relaunched;
    auto communicator = tad::ValueOrThrow(tad::OpenCommunicator());
    const int rank = communicator->rank();
    if (mode == "check") {
      const auto failures = tad::testing::CheckCollectives(*communicator);
      for (const auto& failure : failures) std::fprintf(stderr, "%s\n", failure.c_str());
      std::vector<int64_t> failed = {static_cast<int64_t>(failures.size())};
      communicator->AllReduceSum(std::span<int64_t>(failed));
      const auto hosts = tad::AllGatherStrings(*communicator, tad::Hostname());
      if (rank == 0) {
        std::printf("ranks %d, failures %lld, hosts", communicator->size(), static_cast<long long>(failed[0]));
        for (const auto& host : hosts) std::printf(" %s", host.c_str());
        std::printf("\n");
      }
      return failed[0] == 0 ? 0 : 1;
    }
    communicator->Barrier();
    if (rank == target) {
      std::fprintf(stderr, "rank %d: going away (%s)\n", rank, mode.c_str());
      std::fflush(stderr);
      if (mode == "die") raise(SIGKILL);
      std::_Exit(3);
    }
    std::vector<int64_t> values = {1};
    communicator->AllReduceSum(std::span<int64_t>(values));  // never completes: rank `target` is gone
    std::printf("rank %d: allreduce returned %lld\n", rank, static_cast<long long>(values[0]));
    return 0;
  } catch (const tad::Error& e) {
    std::fprintf(stderr, "cluster_probe: error: %s\n", e.what());
    return 1;
  }
}
