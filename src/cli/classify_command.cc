// tad classify INPUT... --model M [--out FILE.parquet | FILE.jsonl | -]: every flow of the captures
// labeled by the model, and a table of flows, packets and bytes per predicted category
// (docs/classify.md).
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/stderr_progress.h"
#include "cli/train_support.h"
#include "jobs/classify.h"
#include "jobs/threads.h"

namespace tad::cli {
namespace {

/// The summary as JSON; `live`: with the kernel's counts of a live capture (null offline).
std::string SummaryJson(const jobs::ClassifySummary& summary, const std::string& model,
                        const jobs::LiveClassifySummary* live) {
  nlohmann::ordered_json out;
  out["model"] = model;
  out["labels"] = summary.rows == FeatureRows::kFlows ? "flows" : "packets";
  out["files"] = summary.files;
  out["invalid_files"] = summary.invalid_files;
  out["packets"] = summary.packets;
  if (live) {
    out["kernel_received"] = live->received;
    out["kernel_dropped"] = live->dropped;
  }
  out["flows"] = summary.flows;
  nlohmann::ordered_json categories = nlohmann::ordered_json::object();
  for (size_t c = 0; c < summary.categories.size(); ++c) {
    const jobs::CategoryTotals& t = summary.totals[c];
    categories[summary.categories[c]] = {{"flows", t.flows}, {"packets", t.packets}, {"bytes", t.bytes}};
  }
  out["categories"] = categories;
  out["seconds"] = summary.seconds;
  out["packets_per_second"] = summary.seconds > 0 ? static_cast<double>(summary.packets) / summary.seconds : 0.0;
  return out.dump(2) + "\n";
}

/// The table per category and the totals, for people.
void PrintSummary(const jobs::ClassifySummary& summary, std::FILE* stream, const jobs::LiveClassifySummary* live) {
  const double rate = summary.seconds > 0 ? static_cast<double>(summary.packets) / summary.seconds : 0.0;
  std::fprintf(stream, "%-20s %10s %12s %14s\n", "category", "flows", "packets", "bytes");
  for (size_t c = 0; c < summary.categories.size(); ++c) {
    const jobs::CategoryTotals& t = summary.totals[c];
    std::fprintf(stream, "%-20s %10lld %12lld %14lld\n", summary.categories[c].c_str(), static_cast<long long>(t.flows),
                 static_cast<long long>(t.packets), static_cast<long long>(t.bytes));
  }
  std::fprintf(stream, "classified %lld flows (%s model) from %lld packets in %lld files (%.2f s, %.0f packets/s)\n",
               static_cast<long long>(summary.flows), summary.rows == FeatureRows::kFlows ? "flow" : "packet",
               static_cast<long long>(summary.packets), static_cast<long long>(summary.files), summary.seconds, rate);
  if (live) {
    std::fprintf(stream, "kernel: %llu packets received, %llu dropped\n",
                 static_cast<unsigned long long>(live->received), static_cast<unsigned long long>(live->dropped));
  }
  std::fflush(stream);
}

/// Prints the summary: the JSON to `json` (a file, "-" for stdout, "" for none), the table to
/// stderr when stdout holds records or JSON, else to stdout.
void Report(const jobs::ClassifySummary& summary, const std::string& model, const std::string& json, bool records_on_stdout,
            const jobs::LiveClassifySummary* live) {
  PrintSummary(summary, records_on_stdout ? stderr : HumanOutput(json), live);
  if (!json.empty()) WriteTextOutput(json, SummaryJson(summary, model, live), true);
}

}  // namespace

CommandRunner AddClassifyCommand(CLI::App& app) {
  auto options = std::make_shared<jobs::ClassifyOptions>();
  auto live = std::make_shared<jobs::LiveClassifyOptions>();
  auto json = std::make_shared<std::string>();
  auto progress = std::make_shared<StderrProgress>();
  CLI::App* command = app.add_subcommand(
      "classify", "Label every flow of captures with a model: one record per flow, a table per category");
  command->add_option("INPUT", options->inputs, "Capture files or folders (every file below, any layout)");
  command->add_option("--interface", live->interface,
                      "Capture live from this network interface instead (a JSON line per flow as it ends, until "
                      "SIGINT/SIGTERM)");
  command->add_option("--filter", live->filter, "BPF filter of the live capture");
  command->add_option("--metrics-port", live->metrics_port,
                      "Serve Prometheus metrics of the live capture on this port (0: off)")
      ->capture_default_str();
  command->add_option("--metrics-address", live->metrics_address, "Address the metrics endpoint binds")
      ->capture_default_str();
  command->add_option("--model", options->model, "Model file written by tad train")->required();
  command->add_option("--out", options->out, "Labeled flows: FILE.parquet, FILE.jsonl or - (JSON lines on stdout)");
  command->add_flag("--overwrite", options->overwrite, "Replace an existing --out");
  command->add_flag("--skip-invalid", options->skip_invalid, "Warn about files that are not captures and go on");
  options->threads = jobs::HostCores();
  command
      ->add_option("--threads", options->threads,
                   "Threads reading captures and labeling their flows (offline); the records do not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  command->add_option("--json", *json, "Also write the summary as JSON here ('-' for stdout)");
  command->add_option("--idle-timeout", options->timeouts.idle_timeout_s,
                      "Flow idle timeout in seconds (default: the model's, as its dataset was extracted; a different "
                      "one is warned about)");
  command->add_option("--active-timeout", options->timeouts.active_timeout_s,
                      "Flow active timeout in seconds (default: the model's, as its dataset was extracted; a "
                      "different one is warned about)");
  return [options, live, json, progress] {
    if (options->inputs.empty() == live->interface.empty()) {
      throw Error(Status::InvalidArgument("classify: give capture files or folders, or --interface, not both"));
    }
    if (!live->interface.empty()) {
      live->model = options->model;
      live->timeouts = options->timeouts;
      live->progress = progress.get();
      if (!options->out.empty()) live->out = options->out;
      if (live->out == "-" && *json == "-") {
        throw Error(Status::InvalidArgument("--json -: stdout holds the flow records; give --out FILE.jsonl"));
      }
      const jobs::LiveClassifySummary summary = ValueOrThrow(jobs::ClassifyLive(*live));
      Report(summary.flows, options->model, *json, live->out == "-", &summary);
      return kExitOk;
    }
    if (options->out == "-" && *json == "-") {
      throw Error(Status::InvalidArgument("--json -: stdout holds the flow records (--out -); give --json FILE"));
    }
    options->progress = progress.get();
    const jobs::ClassifySummary summary = ValueOrThrow(jobs::Classify(*options));
    for (const std::string& warning : summary.warnings) progress->Warn(warning);
    Report(summary, options->model, *json, options->out == "-", nullptr);
    return kExitOk;
  };
}

}  // namespace tad::cli
