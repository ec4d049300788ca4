// tad report RUN_DIR: a self-contained HTML page of one run (and its scaling study, if any).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "cli/command.h"
#include "common/atomic_output.h"
#include "common/text_file.h"
#include "jobs/run_results.h"
#include "report/files.h"
#include "report/html_report.h"

#ifndef TAD_VERSION
#define TAD_VERSION "0.0.0"
#endif

namespace tad::cli {
namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::string run_dir;
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

int RunReport(const ReportOptions& options) {
  fs::path run_dir = options.run_dir;
  if (fs::exists(run_dir) && !fs::is_directory(run_dir) && run_dir.filename() == "results.json") {
    run_dir = run_dir.parent_path();
  }
  if (!fs::is_directory(run_dir)) {
    throw Error(Status::InvalidArgument(fmt::format("{}: not a directory", run_dir.string())));
  }
  std::optional<nlohmann::json> scaling;
  fs::path results_dir = run_dir;
  if (!fs::exists(run_dir / "results.json") && fs::exists(run_dir / "scaling.json")) {
    // A scaling directory: report on its first run (the smallest executor count).
    scaling = ValueOrThrow(report::ReadJsonFile(run_dir / "scaling.json"));
    const auto runs = scaling->value("/points/0/runs/0/run_dir"_json_pointer, std::string());
    if (runs.empty()) throw Error(Status::InvalidData((run_dir / "scaling.json").string() + ": lists no runs"));
    results_dir = fs::path(runs).is_absolute() ? fs::path(runs) : run_dir / runs;
  } else if (auto found = FindScaling(run_dir)) {
    scaling = ValueOrThrow(report::ReadJsonFile(*found));
  }
  const fs::path results_path = results_dir / "results.json";
  if (!fs::exists(results_path)) {
    throw Error(Status::NotFound(
        fmt::format("{}: no results.json (write one with tad train --run-dir)", results_dir.string())));
  }
  report::ReportInputs inputs;
  inputs.results =
      ValueOrThrow(jobs::RunResults::FromJson(ValueOrThrow(ReadTextFile(results_path)), results_path.string()));
  // The model path as train recorded it, relative to the run directory (never to where report
  // runs: a copied run folder would draw another run's model); the file beside results.json too.
  const fs::path recorded = inputs.results.model.path.empty() ? "model.json" : inputs.results.model.path;
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
      inputs.model = std::move(model);
    }
  } else {
    std::fprintf(stderr, "tad report: warning: %s: no such file; the tree's shape and rules are left out\n",
                 model_path.string().c_str());
  }
  inputs.scaling = scaling;
  inputs.run_dir = results_dir.string();
  inputs.tad_version = TAD_VERSION;
  inputs.generated_at = UtcNow();
  const std::string html = ValueOrThrow(report::RenderHtmlReport(inputs));
  const fs::path out = options.out.empty() ? run_dir / "report.html" : fs::path(options.out);
  ThrowIfError(WriteFileAtomically(out, html, true));  // a report is derived: always replaced
  std::printf("%s\n", out.string().c_str());
  return kExitOk;
}

}  // namespace

CommandRunner AddReportCommand(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "Write a self-contained HTML report of a training run (and its scaling study, if any)");
  command
      ->add_option("RUN_DIR", options->run_dir,
                   "A run directory of tad train --run-dir, or a tad bench scaling --out directory")
      ->required();
  command->add_option("--out", options->out, "The HTML file to write (default RUN_DIR/report.html)");
  return [options] { return RunReport(*options); };
}

}  // namespace tad::cli
