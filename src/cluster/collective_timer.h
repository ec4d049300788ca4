#pragma once
/// Adds the wall time from construction to destruction to `seconds`: how every communicator
/// counts the seconds a rank spends inside collectives (waiting for the others included).

#include <chrono>

namespace tad {

class CollectiveTimer {
 public:
  explicit CollectiveTimer(double& seconds) : seconds_(seconds), start_(Clock::now()) {}
  ~CollectiveTimer() { seconds_ += std::chrono::duration<double>(Clock::now() - start_).count(); }
  CollectiveTimer(const CollectiveTimer&) = delete;
  CollectiveTimer& operator=(const CollectiveTimer&) = delete;

 private:
  using Clock = std::chrono::steady_clock;
  double& seconds_;
  Clock::time_point start_;
};

}  // namespace tad
