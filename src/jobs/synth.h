#pragma once
/// `tad synth` as a library function: capture/synth's generator writing into a folder that appears
/// whole or not at all.

#include <string>

#include "capture/synth.h"
#include "common/status.h"
#include "jobs/progress.h"

namespace tad::jobs {

struct SynthJobOptions {
  std::string out_dir;
  SynthOptions synth;
  bool overwrite = false;
  ProgressSink* progress = nullptr;  // packets written
};

struct SynthJobSummary {
  SynthSummary synth;
  double seconds = 0;  // the generator and the final rename
};

Result<SynthJobSummary> Synth(const SynthJobOptions& options);

}  // namespace tad::jobs
