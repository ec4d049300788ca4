#pragma once
/// Starting a child process and waiting for it: how `tad bench scaling` runs each training job as
/// a user would, and how the report calls rsvg-convert.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

struct ProcessOutcome {
  int exit_code = 0;  // 128 + signal when the child was killed by a signal
  double wall_seconds = 0;
};

struct ProcessOptions {
  /// Look `argv[0]` up on PATH (otherwise it is a path).
  bool search_path = false;
  /// When set, stdout and stderr are appended to this file and stdin is /dev/null; otherwise the
  /// child shares this process's standard streams.
  std::filesystem::path output_log;
};

/// Starts `argv[0]` with `argv` and waits for it. An error only when it could not be started.
/// The child runs in its own process group; a SIGINT, SIGTERM or SIGHUP that reaches this process
/// while it waits is passed on to the child, and once the child has ended this process ends too
/// as that signal would have ended it (exit 128 + signal, temporaries removed).
Result<ProcessOutcome> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// While alive, SIGINT, SIGTERM and SIGHUP do not end this process but are passed on to the
/// child, once: the first one only, because a second SIGINT makes mpirun exit at once and abandon
/// its ranks. Made before the child is started (a signal in between is passed on as soon as the
/// child is named); the owner waits for the child, then calls EndIfInterrupted. One at a time.
class InterruptForwarder {
 public:
  InterruptForwarder();
  InterruptForwarder(const InterruptForwarder&) = delete;
  InterruptForwarder& operator=(const InterruptForwarder&) = delete;
  ~InterruptForwarder();  // restores the handlers there were

  /// The child to pass signals to; one received already goes to it now.
  void ForwardTo(pid_t child);
  /// The first signal received so far, or 0.
  int signal() const;
  /// When a signal was received: restores the handlers and raises it again, so this process ends
  /// the way it would have ended had it been signalled without a child (see
  /// InstallInterruptCleanup). Returns when no signal was received.
  void EndIfInterrupted();

 private:
  bool restored_ = false;
  void Restore();
};

/// The running executable's own path (/proc/self/exe resolved).
std::filesystem::path SelfExecutable();

}  // namespace tad
