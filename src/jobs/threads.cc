#include "jobs/threads.h"

#include <algorithm>
#include <thread>

namespace tad::jobs {

int HostCores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int DefaultThreads(int executors) { return std::max(1, HostCores() / std::max(1, executors)); }

}  // namespace tad::jobs
