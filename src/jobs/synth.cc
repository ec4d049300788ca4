#include "jobs/synth.h"

#include <filesystem>

#include <fmt/format.h>

#include "common/atomic_output.h"
#include "common/elapsed.h"

namespace tad::jobs {

Result<SynthJobSummary> Synth(const SynthJobOptions& options) {
  if (options.synth.packets == 0) return Status::InvalidArgument("--packets must be at least 1");
  auto output = AtomicOutput::Create(options.out_dir, options.overwrite);
  if (!output.ok()) return output.status();
  std::error_code ec;
  std::filesystem::create_directories(output->temp_path(), ec);
  if (ec) return Status::IoError(fmt::format("{}: {}", output->temp_path().string(), ec.message()));

  ProgressSink& progress = SinkOrNone(options.progress);
  const auto start = SteadyClock::now();
  progress.Start("synth", options.synth.packets, "packets");
  auto summary = WriteSynthCaptures(output->temp_path(), options.synth,
                                    [&progress](uint64_t packets) { progress.Advance(packets); });
  progress.Finish();
  if (!summary.ok()) return summary.status();
  TAD_RETURN_IF_ERROR(output->Commit());
  return SynthJobSummary{std::move(*summary), SecondsSince(start)};
}

}  // namespace tad::jobs
