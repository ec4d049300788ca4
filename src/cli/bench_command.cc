// tad bench scaling DATASET --executors 1-7: the seed's scaling study in one command. Each training
// is its own `tad train` process (its own MPI job, as a user would start it).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli/command.h"
#include "report/files.h"
#include "common/process.h"
#include "report/run_results.h"
#include "report/scaling.h"
#include "report/scaling_charts.h"

namespace tad::cli {
namespace {

namespace fs = std::filesystem;

struct ScalingOptions {
  std::string dataset;
  std::string executors = "1-7";
  int repeat = 1;
  std::string out = "scaling";
  bool overwrite = false;
  std::string tad_binary;  // hidden: the program run as `tad train` (tests use a stand-in)
  std::vector<std::string> train_arguments;
};

int Cores() {
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : static_cast<int>(std::thread::hardware_concurrency());
}

// The run's own error line from its log ("tad: error: …" without the prefix), or its last line.
std::string LastErrorLine(const fs::path& log) {
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

int RunScaling(const ScalingOptions& options) {
  const std::vector<int> counts = ValueOrThrow(report::ParseExecutorCounts(options.executors));
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

  report::ScalingStudy study;
  study.dataset = options.dataset;
  study.cores = Cores();
  study.repeat = options.repeat;
  study.train_arguments = options.train_arguments;
  const std::string program = options.tad_binary.empty() ? SelfExecutable().string() : options.tad_binary;

  for (int executors : counts) {
    report::ScalingPoint point;
    point.executors = executors;
    for (int repeat = 1; repeat <= options.repeat; ++repeat) {
      const std::string name = fmt::format("n{}-r{}", executors, repeat);
      const fs::path run_dir = runs_dir / name;
      std::vector<std::string> argv = {
          program, "train", options.dataset, "--executors", std::to_string(executors), "--run-dir", fs::absolute(run_dir).string()};
      argv.insert(argv.end(), options.train_arguments.begin(), options.train_arguments.end());
      std::fprintf(stderr, "tad bench: training with %d executor%s (run %d of %d)%s\n", executors,
                   executors == 1 ? "" : "s", repeat, options.repeat,
                   executors > study.cores ? ", oversubscribed" : "");
      const fs::path log = runs_dir / (name + ".log");
      const ProcessOutcome outcome = ValueOrThrow(RunProcess(argv, {.output_log = log}));
      if (outcome.exit_code != 0) {
        throw Error(Status::Internal(fmt::format("training with {} executor{} failed (exit {}): {} (see {})",
                                                 executors, executors == 1 ? "" : "s", outcome.exit_code,
                                                 LastErrorLine(log), log.string())));
      }
      const fs::path results_path = run_dir / "results.json";
      const auto results = ValueOrThrow(report::ReadJsonFile(results_path));
      auto summary = report::SummariseRun(results);
      if (!summary.ok()) throw Error(summary.status().WithContext(results_path.string()));
      report::ScalingRun run;
      run.repeat = repeat;
      run.run_dir = fs::relative(run_dir, out).string();
      run.wall_seconds = outcome.wall_seconds;
      run.summary = std::move(summary).value();
      point.runs.push_back(std::move(run));
    }
    study.points.push_back(std::move(point));
  }
  report::Summarise(study);

  const std::string table = report::ScalingMarkdown(study);
  ThrowIfError(report::WriteTextFile(out / "scaling.md", table, true));
  ThrowIfError(report::WriteTextFile(out / "scaling.csv", report::ScalingCsv(study), true));
  ThrowIfError(report::WriteTextFile(out / "scaling.json", report::ScalingToJson(study).dump(2) + "\n", true));
  const auto charts = ValueOrThrow(report::WriteScalingCharts(study, out));
  std::fputs(table.c_str(), stdout);
  std::printf("\nWritten to %s: scaling.md, scaling.csv, scaling.json, charts", out.string().c_str());
  for (const auto& file : charts.files) std::printf(" %s", file.filename().string().c_str());
  std::printf("\n");
  if (!charts.png_problem.empty()) std::fprintf(stderr, "tad bench: no PNG charts: %s\n", charts.png_problem.c_str());
  std::fflush(stdout);
  if (!study.same_model) {
    std::fprintf(stderr, "tad bench: WARNING: the runs produced different models (see the model hash column)\n");
  }
  return kExitOk;
}

}  // namespace

CommandRunner AddBenchCommand(CLI::App& app) {
  auto options = std::make_shared<ScalingOptions>();
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of the whole pipeline");
  bench->require_subcommand(1);
  CLI::App* scaling = bench->add_subcommand(
      "scaling",
      "Train once per executor count (each its own MPI job), R times each; print the table, write "
      "scaling.{md,csv,json} and charts. Options after -- go to every tad train (e.g. -- --max-depth 8)");
  scaling->add_option("DATASET", options->dataset, "Dataset folder written by tad extract (from captures, e.g. tad synth's)")->required();
  scaling->add_option("--executors", options->executors, "Executor counts: a range 1-7, a list 1,2,4, or both")
      ->capture_default_str();
  scaling->add_option("--repeat", options->repeat, "Runs per executor count; medians (min–max) are reported")
      ->capture_default_str();
  scaling->add_option("--out", options->out, "Folder for runs, table, CSV, JSON and charts")->capture_default_str();
  scaling->add_flag("--overwrite", options->overwrite, "Replace a scaling study already in --out");
  scaling->add_option("--tad-binary", options->tad_binary, "Program to run as tad train (default: this tad)")
      ->group("");
  scaling->add_option("TRAIN_ARGS", options->train_arguments, "Options passed to every tad train, after --");
  return [options] { return RunScaling(*options); };
}

}  // namespace tad::cli
