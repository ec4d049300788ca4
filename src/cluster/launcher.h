#pragma once
/// How a process gets its executors. `tad train --executors N` outside MPI re-runs itself under
/// `mpirun -np N` and waits; under mpirun (or the MPI Operator's launcher) each process is one rank
/// and opens the MPI communicator. A rank that dies ends the whole job with one line naming it.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/communicator.h"
#include "common/status.h"

namespace tad {

/// Set in the environment of the mpirun the launcher starts, so a rank can tell it was launched by
/// tad (and a relaunch can never recurse). Its value is a directory where each local rank leaves
/// its pid and host, for the message naming a rank that died.
inline constexpr const char* kLaunchedMarker = "TAD_LAUNCHED_UNDER_MPIRUN";

/// Whether this process is a rank started by an MPI launcher (OMPI_COMM_WORLD_SIZE, PMIX_RANK or
/// PMI_RANK in the environment).
bool RunningUnderMpi();

/// The number of ranks the MPI launcher announced in the environment, or 0 if it did not.
int MpiWorldSizeFromEnvironment();

/// The mpirun command line that runs `command_line` (argv of this process; argv[0] replaced by
/// `self_path`) on `executors` ranks of a machine with `cores` hardware threads: `--bind-to none`
/// (ranks run their own threads) and `--oversubscribe` when the ranks may outnumber the physical
/// cores Open MPI counts as slots.
std::vector<std::string> MpirunArguments(const std::string& mpirun, int executors, unsigned cores,
                                         const std::string& self_path, const std::vector<std::string>& command_line);

/// The environment of the mpirun the launcher starts (and so of its local ranks): `inherited`
/// ("NAME=value" entries) plus, for each start-up setting it does not name, tad's default: hwloc
/// without its OpenCL, OpenGL, PCI and libxml plugins, I/O or cpuid discovery; Open MPI's ob1
/// point-to-point layer and its sm and pt2pt one-sided components, with no UCX or OFI probing; a dead
/// rank ends the job. A setting in `inherited` (the user's) is kept as it is.
std::vector<std::string> MpirunEnvironment(const std::vector<std::string>& inherited);

/// When this process must hand over to `mpirun -np executors`: runs it (same binary, same
/// arguments), passes its output through, and returns the exit code to end with. A rank killed by
/// a signal becomes "tad: error: executor K (pid P, host H) died: killed by signal S" and exit 1.
/// A SIGINT or SIGTERM to this process (alone or with its process group) goes to mpirun, which
/// stops the ranks (they remove their unfinished outputs); a local rank still running after
/// mpirun has ended is stopped too, and then this process ends with that signal (exit 130, 143).
/// Returns nullopt when this process should run as a rank itself: under MPI already (a warning if
/// `executors` differs from the ranks there are), or `executors` is 1.
/// The mpirun binary is $TAD_MPIRUN if set, else `mpirun` on PATH.
Result<std::optional<int>> RelaunchUnderMpirunIfNeeded(const std::vector<std::string>& command_line, int executors);

/// The communicator of this process: MPI when under an MPI launcher, otherwise a LocalCommunicator.
Result<std::unique_ptr<Communicator>> OpenCommunicator();

/// Reads mpirun's stderr: keeps its boxed notices about a dead or failed rank out of the user's
/// way and turns them into one line. Feed it every line (without the newline); it says whether to
/// print the line.
class MpirunStderrFilter {
 public:
  /// The lines to show the user now. Lines inside mpirun's boxed notices are held until the box
  /// closes; a box about the job's failure is swallowed, any other box is released whole.
  std::vector<std::string> Feed(const std::string& line);
  /// Lines still held when mpirun's output ended (an unclosed box).
  std::vector<std::string> Finish();

  /// "executor K (pid P, host H) died: killed by signal S (Name)" once mpirun reported it, else empty.
  const std::string& death() const { return death_; }
  /// Where the launcher's ranks left "pid host" in files rank-K (Open MPI 4.1 reports PID 0).
  void set_pid_directory(std::string directory);

 private:
  void Scan(const std::string& line);
  bool in_box_ = false;
  std::vector<std::string> box_;
  std::string death_;
  std::string pid_directory_;
};

}  // namespace tad
