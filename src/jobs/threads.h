#pragma once
/// How many threads a job uses when it is not told.

namespace tad::jobs {

/// The cores of this host, at least 1.
int HostCores();

/// Threads per executor when none are asked for: this host's cores shared out over `executors`.
int DefaultThreads(int executors);

}  // namespace tad::jobs
