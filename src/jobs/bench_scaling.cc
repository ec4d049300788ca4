#include "jobs/bench_scaling.h"

#include <filesystem>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "common/atomic_output.h"
#include "common/process.h"
#include "common/text_file.h"
#include "jobs/threads.h"

namespace tad::jobs {
namespace {

// The run's own error line from its log ("tad: error: …" without the prefix), or its last line.
std::string LastErrorLine(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line;
  std::string last;
  std::string error;
  constexpr std::string_view kPrefix = "tad: error: ";
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.rfind(kPrefix, 0) == 0) error = line.substr(kPrefix.size());
  }
  return error.empty() ? last : error;
}

namespace fs = std::filesystem;

ScalingStudy RunStudy(const BenchScalingOptions& options) {
  const std::vector<int> counts = ValueOrThrow(ParseExecutorCounts(options.executors));
  if (options.repeat < 1) throw Error(Status::InvalidArgument("--repeat must be at least 1"));
  if (!fs::exists(options.dataset)) {
    throw Error(Status::InvalidArgument(fmt::format("{}: no such dataset", options.dataset)));
  }
  for (const std::string& argument : options.train_arguments) {
    for (const char* owned : {"--executors", "--run-dir", "--json", "--model"}) {
      if (argument == owned || argument.rfind(std::string(owned) + "=", 0) == 0) {
        throw Error(Status::InvalidArgument(fmt::format("{} is set by tad bench scaling itself", owned)));
      }
    }
  }
  const fs::path out = options.out;
  const fs::path runs_dir = out / "runs";
  if (fs::exists(out / "scaling.json") || fs::exists(runs_dir)) {
    if (!options.overwrite) {
      throw Error(Status::AlreadyExists(
          fmt::format("{}: holds a scaling study already (use --overwrite to replace it)", out.string())));
    }
    fs::remove_all(runs_dir);
  }
  fs::create_directories(runs_dir);

  ScalingStudy study;
  study.dataset = options.dataset;
  study.cores = HostCores();
  study.repeat = options.repeat;
  study.train_arguments = options.train_arguments;
  const std::string program = options.tad_binary.empty() ? SelfExecutable().string() : options.tad_binary;

  for (int executors : counts) {
    ScalingPoint point;
    point.executors = executors;
    for (int repeat = 1; repeat <= options.repeat; ++repeat) {
      const std::string name = fmt::format("n{}-r{}", executors, repeat);
      const fs::path run_dir = runs_dir / name;
      std::vector<std::string> argv = {program,       "train",
                                       options.dataset, "--executors",
                                       std::to_string(executors), "--run-dir",
                                       fs::absolute(run_dir).string()};
      argv.insert(argv.end(), options.train_arguments.begin(), options.train_arguments.end());
      if (options.on_run_start) options.on_run_start({executors, repeat, options.repeat, executors > study.cores});
      const fs::path log = runs_dir / (name + ".log");
      const ProcessOutcome outcome = ValueOrThrow(RunProcess(argv, {.output_log = log}));
      if (outcome.exit_code != 0) {
        throw Error(Status::Internal(fmt::format("training with {} executor{} failed (exit {}): {} (see {})",
                                                 executors, executors == 1 ? "" : "s", outcome.exit_code,
                                                 LastErrorLine(log), log.string())));
      }
      const fs::path results_path = run_dir / "results.json";
      const std::string text = ValueOrThrow(ReadTextFile(results_path));
      const RunResults results = ValueOrThrow(RunResults::FromJson(text, results_path.string()));
      ScalingRun run;
      run.repeat = repeat;
      run.run_dir = fs::relative(run_dir, out).string();
      run.wall_seconds = outcome.wall_seconds;
      run.summary = SummariseRun(results);
      point.runs.push_back(std::move(run));
    }
    study.points.push_back(std::move(point));
  }
  Summarise(study);
  ThrowIfError(WriteFileAtomically(out / "scaling.json", ScalingToJson(study).dump(2) + "\n", true));
  return study;
}

}  // namespace

Result<ScalingStudy> BenchScaling(const BenchScalingOptions& options) {
  try {
    return RunStudy(options);
  } catch (const Error& e) {
    return e.status();
  } catch (const std::exception& e) {  // file system errors
    return Status::Internal(e.what());
  }
}

}  // namespace tad::jobs
