#pragma once
/// A job's progress as the CLI shows it: a bar on stderr (when it is a terminal) and one
/// "tad: warning: ..." line per warning.

#include <optional>

#include "common/progress.h"
#include "jobs/progress.h"

namespace tad::cli {

class StderrProgress : public jobs::ProgressSink {
 public:
  void Start(std::string_view job, uint64_t total, std::string_view unit) override;
  void SetLabel(std::string_view label) override;
  void Advance(uint64_t amount) override;
  void Finish() override;
  void Warn(std::string_view message) override;

 private:
  std::optional<ProgressBar> bar_;
};

}  // namespace tad::cli
