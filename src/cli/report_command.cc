// tad report RUN_DIR...: a self-contained HTML page of one run (and its scaling study, if any), or of
// several runs side by side.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/command.h"
#include "common/atomic_output.h"
#include "common/text_file.h"
#include "jobs/run_results.h"
#include "jobs/scaling_study.h"
#include "report/files.h"
#include "report/html_report.h"

#ifndef TAD_VERSION
#define TAD_VERSION "0.0.0"
#endif

namespace tad::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::vector<std::string> run_dirs;
  std::string out;
};

std::string UtcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The scaling study a run belongs to: scaling.json in the run directory or up to two levels above
// it (bench writes DIR/scaling.json and DIR/runs/n<N>-r<k>/).
std::optional<fs::path> FindScaling(const fs::path& run_dir) {
  fs::path dir = fs::absolute(run_dir).lexically_normal();
  for (int up = 0; up < 3 && !dir.empty(); ++up, dir = dir.parent_path()) {
    if (fs::exists(dir / "scaling.json")) return dir / "scaling.json";
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

// A run directory given on the command line, resolved: where its results.json is, and the study
// it belongs to. A scaling directory stands for its first run (the smallest executor count).
struct RunLocation {
  fs::path dir;  // as given; a results.json file stands for its folder
  fs::path results_dir;
  std::optional<jobs::ScalingStudy> scaling;
};

RunLocation LocateRun(const std::string& argument) {
  fs::path run_dir = argument;
  if (fs::exists(run_dir) && !fs::is_directory(run_dir) && run_dir.filename() == "results.json") {
    run_dir = run_dir.parent_path();
  }
  if (!fs::is_directory(run_dir)) {
    throw Error(Status::InvalidArgument(fmt::format("{}: not a directory", run_dir.string())));
  }
  const auto read_study = [](const fs::path& path) {
    auto study = jobs::ScalingFromJson(ValueOrThrow(report::ReadJsonFile(path)));
    if (!study.ok()) throw Error(Status::InvalidData(path.string() + ": " + study.status().message()));
    return std::move(*study);
  };
  RunLocation location{run_dir, run_dir, std::nullopt};
  if (!fs::exists(run_dir / "results.json") && fs::exists(run_dir / "scaling.json")) {
    location.scaling = read_study(run_dir / "scaling.json");
    const jobs::ScalingStudy& study = *location.scaling;
    if (study.points.empty() || study.points.front().runs.empty()) {
      throw Error(Status::InvalidData((run_dir / "scaling.json").string() + ": lists no runs"));
    }
    const fs::path first = study.points.front().runs.front().run_dir;
    location.results_dir = first.is_absolute() ? first : run_dir / first;
  } else if (auto found = FindScaling(run_dir)) {
    location.scaling = read_study(*found);
  }
  return location;
}

report::ReportRun LoadRun(const fs::path& results_dir) {
  const fs::path results_path = results_dir / "results.json";
  if (!fs::exists(results_path)) {
    throw Error(Status::NotFound(
        fmt::format("{}: no results.json (write one with tad train --run-dir)", results_dir.string())));
  }
  report::ReportRun run;
  run.results =
      ValueOrThrow(jobs::RunResults::FromJson(ValueOrThrow(ReadTextFile(results_path)), results_path.string()));
  run.run_dir = results_dir.string();
  // The model path as train recorded it, relative to the run directory (never to where report
  // runs: a copied run folder would draw another run's model); the file beside results.json too.
  const fs::path recorded = run.results.model.path.empty() ? "model.json" : run.results.model.path;
  fs::path model_path = recorded.is_absolute() ? recorded : results_dir / recorded;
  for (const fs::path& candidate : {model_path, results_dir / recorded.filename()}) {
    if (fs::is_regular_file(candidate)) {
      model_path = candidate;
      break;
    }
  }
  if (fs::is_regular_file(model_path)) {
    Model model = ValueOrThrow(Model::Load(model_path));
    if (model.parameters.classifier == Classifier::kGbt) {
      // A gbt tree's leaves add to a class's margin; they predict no class, so there are no rules.
      std::fprintf(stderr, "tad report: %s is a gbt model; the trees' shape and rules are left out\n",
                   model_path.string().c_str());
    } else {
      run.model = std::move(model);
    }
  } else {
    std::fprintf(stderr, "tad report: warning: %s: no such file; the tree's shape and rules are left out\n",
                 model_path.string().c_str());
  }
  return run;
}

int RunReport(const ReportOptions& options) {
  if (options.run_dirs.size() > 1 && options.out.empty()) {
    throw Error(Status::InvalidArgument("--out is required with several RUN_DIRs (which folder would it go to?)"));
  }
  report::ReportInputs inputs;
  fs::path first_dir;
  for (size_t i = 0; i < options.run_dirs.size(); ++i) {
    RunLocation location = LocateRun(options.run_dirs[i]);
    if (i == 0) {
      first_dir = location.dir;
      inputs.scaling = std::move(location.scaling);
    }
    inputs.runs.push_back(LoadRun(location.results_dir));
  }
  inputs.tad_version = TAD_VERSION;
  inputs.generated_at = UtcNow();
  const std::string html = ValueOrThrow(report::RenderHtmlReport(inputs));
  const fs::path out = options.out.empty() ? first_dir / "report.html" : fs::path(options.out);
  ThrowIfError(WriteFileAtomically(out, html, true));  // a report is derived: always replaced
  std::printf("%s\n", out.string().c_str());
  return kExitOk;
}

}  // namespace

CommandRunner AddReportCommand(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report",
      "Write a self-contained HTML report of a training run (and its scaling study, if any), or of several runs "
      "side by side");
  command
      ->add_option("RUN_DIR", options->run_dirs,
                   "A run directory of tad train --run-dir, or a tad bench scaling --out directory; several are "
                   "compared side by side (rows, split, classifier, accuracy, F1, times) and need --out")
      ->required();
  command->add_option("--out", options->out, "The HTML file to write (default RUN_DIR/report.html for one RUN_DIR)");
  return [options] { return RunReport(*options); };
}

}  // namespace tad::cli
