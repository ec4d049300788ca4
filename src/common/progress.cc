#include "common/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tad {

bool StderrIsTerminal() {
  const char* relayed = std::getenv(kStderrTerminalVariable);
  return isatty(STDERR_FILENO) == 1 || (relayed && std::string(relayed) == "1");
}

std::string FormatRate(double per_second, const std::string& unit) {
  char text[64];
  if (unit == "bytes") {
    std::snprintf(text, sizeof(text), "%.1f MB/s", per_second / 1e6);
  } else if (per_second >= 1e6) {
    std::snprintf(text, sizeof(text), "%.1f M %s/s", per_second / 1e6, unit.c_str());
  } else if (per_second >= 1e4) {
    std::snprintf(text, sizeof(text), "%.0f k %s/s", per_second / 1e3, unit.c_str());
  } else {
    std::snprintf(text, sizeof(text), "%.0f %s/s", per_second, unit.c_str());
  }
  return text;
}

ProgressBar::ProgressBar(std::string label, uint64_t total, std::string unit, bool enabled)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(enabled && StderrIsTerminal()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Advance(uint64_t amount) {
  done_.fetch_add(amount, std::memory_order_relaxed);
  if (enabled_) Draw(false);
}

void ProgressBar::SetLabel(std::string label) {
  std::lock_guard lock(draw_mutex_);
  label_ = std::move(label);
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  std::lock_guard lock(draw_mutex_);
  finished_ = true;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

void ProgressBar::Draw(bool force) {
  auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  uint64_t done = done_.load(std::memory_order_relaxed);
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  if (total_ > 0) {
    constexpr int kWidth = 30;
    double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0.0;
    std::fprintf(stderr, "\r\033[K%s [%s] %5.1f%% %s ETA %.0fs", label_.c_str(), bar.c_str(), fraction * 100.0,
                 FormatRate(rate, unit_).c_str(), eta);
  } else {
    std::fprintf(stderr, "\r\033[K%s %llu %s (%s)", label_.c_str(), static_cast<unsigned long long>(done),
                 unit_.c_str(), FormatRate(rate, unit_).c_str());
  }
  std::fflush(stderr);
}

}  // namespace tad
