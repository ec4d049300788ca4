#pragma once
/// How a command gets its executors: re-launch under mpirun when asked for N > 1 and not already
/// under MPI, then open the communicator of this process's rank. Adapts cluster/'s launcher.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/communicator.h"
#include "common/status.h"

namespace tad::cli {

/// When this process must hand over to `mpirun -np executors`: runs it and returns its exit code.
/// Returns nullopt when this process is itself a rank (or executors is 1 outside MPI).
Result<std::optional<int>> RelaunchUnderMpirunIfNeeded(const std::vector<std::string>& command_line, int executors);

/// The communicator of this process: MPI when under mpirun, otherwise a single-process one.
Result<std::unique_ptr<Communicator>> OpenCommunicator();

}  // namespace tad::cli
