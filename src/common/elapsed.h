#pragma once
/// Elapsed wall time, the one way every module measures its phases.

#include <chrono>

namespace tad {

using SteadyClock = std::chrono::steady_clock;

/// Seconds from `start` to now, on the monotonic clock.
inline double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace tad
