#pragma once
/// A progress bar on stderr, drawn only when stderr is a terminal (logs and CI stay clean).
/// Thread-safe: workers call Advance(); redraws are throttled to ~10 per second.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tad {

class ProgressBar {
 public:
  /// `total` in `unit`s (e.g. bytes, rows); 0 means unknown (a counter is shown instead).
  ProgressBar(std::string label, uint64_t total, std::string unit, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Advance(uint64_t amount);
  void SetLabel(std::string label);
  /// Clears the bar's line; called by the destructor too.
  void Finish();
  bool drawing() const { return enabled_; }

 private:
  void Draw(bool force);
  std::string label_;
  uint64_t total_;
  std::string unit_;
  bool enabled_;
  bool finished_ = false;
  std::atomic<uint64_t> done_{0};
  std::mutex draw_mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

/// True when stderr is a terminal.
bool StderrIsTerminal();

}  // namespace tad
