#include "cli/stderr_progress.h"

#include <cstdio>
#include <string>

namespace tad::cli {

void StderrProgress::Start(std::string_view job, uint64_t total, std::string_view unit) {
  bar_.emplace(std::string(job), total, std::string(unit), StderrIsTerminal());
}

void StderrProgress::SetLabel(std::string_view label) {
  if (bar_) bar_->SetLabel(std::string(label));
}

void StderrProgress::Advance(uint64_t amount) {
  if (bar_) bar_->Advance(amount);
}

void StderrProgress::Finish() {
  if (bar_) bar_->Finish();
}

void StderrProgress::Warn(std::string_view message) {
  std::fprintf(stderr, "tad: warning: %.*s\n", static_cast<int>(message.size()), message.data());
}

}  // namespace tad::cli
