// tad bench scaling DATASET --executors 1-7: the seed's scaling study in one command (jobs::BenchScaling),
// then its table, CSV and charts (report/).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/train_options.h"
#include "common/atomic_output.h"
#include "jobs/bench_scaling.h"
#include "report/scaling.h"
#include "report/scaling_charts.h"

namespace tad::cli {
namespace {

void AnnounceRun(const jobs::ScalingRunStart& run) {
  std::fprintf(stderr, "tad bench: training with %d executor%s (run %d of %d)%s\n", run.executors,
               run.executors == 1 ? "" : "s", run.repeat, run.repeats, run.oversubscribed ? ", oversubscribed" : "");
}

struct ScalingCommand {
  jobs::BenchScalingOptions options;
  TreeOptionValues tree;
  CLI::App* command = nullptr;
};

// The tree parameters given to bench (validated here, so a bad value stops the study before any
// training starts) go to every tad train, before the arguments after --.
std::vector<std::string> GivenTreeArguments(const ScalingCommand& scaling) {
  (void)ValueOrThrow(ParseTreeOptions(scaling.tree));
  std::vector<std::string> arguments;
  for (size_t i = 0; i < kTreeParameterSpecs.size(); ++i) {
    const std::string option = "--" + std::string(kTreeParameterSpecs[i].name);
    if (scaling.command->count(option) == 0) continue;
    arguments.push_back(option);
    arguments.push_back(scaling.tree[i]);
  }
  return arguments;
}

// The study as tables and charts beside its scaling.json, and the table on stdout.
int RunScaling(ScalingCommand& scaling) {
  jobs::BenchScalingOptions& options = scaling.options;
  std::vector<std::string> arguments = GivenTreeArguments(scaling);
  arguments.insert(arguments.end(), options.train_arguments.begin(), options.train_arguments.end());
  options.train_arguments = std::move(arguments);
  options.on_run_start = AnnounceRun;
  const jobs::ScalingStudy study = ValueOrThrow(jobs::BenchScaling(options));
  const std::filesystem::path out = options.out;
  const std::string table = report::ScalingMarkdown(study);
  ThrowIfError(WriteFileAtomically(out / "scaling.md", table, true));
  ThrowIfError(WriteFileAtomically(out / "scaling.csv", report::ScalingCsv(study), true));
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
  auto command = std::make_shared<ScalingCommand>();
  jobs::BenchScalingOptions* options = &command->options;
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of the whole pipeline");
  bench->require_subcommand(1);
  CLI::App* scaling = bench->add_subcommand(
      "scaling",
      "Train once per executor count (each its own MPI job), R times each; print the table, write "
      "scaling.{md,csv,json} and charts. The tree parameters (--classifier, --max-depth, ...) and the "
      "options after -- go to every tad train (e.g. --classifier gbt --max-iter 10 -- --threads 2)");
  command->command = scaling;
  scaling->add_option("DATASET", options->dataset, "Dataset folder written by tad extract (from captures, e.g. tad synth's)")->required();
  scaling->add_option("--executors", options->executors, "Executor counts: a range 1-7, a list 1,2,4, or both")
      ->capture_default_str();
  scaling->add_option("--repeat", options->repeat, "Runs per executor count; medians (min–max) are reported")
      ->capture_default_str();
  scaling->add_option("--out", options->out, "Folder for runs, table, CSV, JSON and charts")->capture_default_str();
  scaling->add_flag("--overwrite", options->overwrite, "Replace a scaling study already in --out");
  scaling->add_option("--tad-binary", options->tad_binary, "Program to run as tad train (default: this tad)")
      ->group("");
  AddTreeOptions(*scaling, command->tree);
  scaling->add_option("TRAIN_ARGS", options->train_arguments, "Options passed to every tad train, after --");
  return [command] { return RunScaling(*command); };
}

}  // namespace tad::cli
