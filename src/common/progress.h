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

/// Set by tad's mpirun launcher for its ranks when its own stderr is a terminal: a rank's stderr
/// is mpirun's pipe, which the launcher passes through to that terminal.
inline constexpr const char* kStderrTerminalVariable = "TAD_STDERR_IS_TERMINAL";

/// True when stderr is a terminal (or leads to one through tad's launcher).
bool StderrIsTerminal();

/// A rate for people: bytes as "12.3 MB/s", other units as "1.2 M rows/s", "850 rows/s".
std::string FormatRate(double per_second, const std::string& unit);

}  // namespace tad
