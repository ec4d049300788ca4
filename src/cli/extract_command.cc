// tad extract INPUT_DIR --out DATASET_DIR: per-packet features (or, with --flows, per-flow
// features) of every capture, one sub-folder of INPUT_DIR per category, into a hive-partitioned
// Parquet dataset (see docs/extract.md and docs/flows.md). The pipeline is jobs::Extract.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/stderr_progress.h"
#include "dataset/schema.h"
#include "jobs/extract.h"

namespace tad::cli {
namespace {

struct ExtractCommandOptions {
  jobs::ExtractOptions job;
  bool json = false;  // the summary as JSON on stdout
};

void PrintSummary(const jobs::ExtractSummary& summary, const ExtractCommandOptions& command) {
  const jobs::ExtractOptions& options = command.job;
  const double seconds = summary.seconds;
  const double rate = seconds > 0 ? static_cast<double>(summary.counts.packets) / seconds : 0.0;
  if (command.json) {
    nlohmann::ordered_json json;
    json["input_dir"] = options.input_dir;
    json["out_dir"] = options.out_dir;
    json["sample"] = options.sample;
    json["seed"] = options.seed;
    json["files"] = summary.files;
    json["packets"] = summary.counts.packets;
    json["ip_packets"] = summary.counts.ip_packets;
    json["rows"] = summary.rows;
    json["rows_are"] = options.flows ? "flows" : "packets";
    nlohmann::ordered_json skipped;
    skipped["non_ip"] = summary.counts.non_ip;
    skipped["unsupported_link"] = summary.counts.unsupported_link;
    skipped["malformed"] = summary.counts.malformed;
    if (options.flows) skipped["later_fragments"] = summary.counts.later_fragments;
    json["skipped"] = skipped;
    json["truncated_transport"] = summary.counts.truncated_transport;
    json["truncated_files"] = summary.counts.truncated_files;
    json["invalid_files"] = summary.invalid;
    nlohmann::ordered_json categories = nlohmann::ordered_json::object();
    for (const auto& [name, c] : summary.categories) {
      categories[name] = {{"files", c.files}, {"packets", c.packets}, {"rows", c.rows}};
    }
    json["categories"] = categories;
    json["bytes"] = summary.bytes;
    json["seconds"] = seconds;
    json["packets_per_second"] = rate;
    std::printf("%s\n", json.dump(2).c_str());
  }
  if (options.flows) {
    std::fprintf(stderr, "  flow rows: %llu later fragments (no transport header) in no flow\n",
                 static_cast<unsigned long long>(summary.counts.later_fragments));
  }
  std::fprintf(stderr, "extracted %llu rows from %llu packets in %llu files (%.2f s, %.0f packets/s) into %s\n",
               static_cast<unsigned long long>(summary.rows), static_cast<unsigned long long>(summary.counts.packets),
               static_cast<unsigned long long>(summary.files), seconds, rate, options.out_dir.c_str());
  for (const auto& [name, c] : summary.categories) {
    std::fprintf(stderr, "  %-20s %4llu files %10llu packets %10llu rows\n", name.c_str(),
                 static_cast<unsigned long long>(c.files), static_cast<unsigned long long>(c.packets),
                 static_cast<unsigned long long>(c.rows));
  }
  std::fprintf(stderr,
               "  skipped: %llu non-IP, %llu unsupported link type, %llu malformed; %llu with a cut-short "
               "transport header (kept); %llu files cut short; %llu invalid files\n",
               static_cast<unsigned long long>(summary.counts.non_ip),
               static_cast<unsigned long long>(summary.counts.unsupported_link),
               static_cast<unsigned long long>(summary.counts.malformed),
               static_cast<unsigned long long>(summary.counts.truncated_transport),
               static_cast<unsigned long long>(summary.counts.truncated_files),
               static_cast<unsigned long long>(summary.invalid.size()));
}

int RunExtract(ExtractCommandOptions& command) {
  StderrProgress progress;
  command.job.progress = &progress;
  const jobs::ExtractSummary summary = ValueOrThrow(jobs::Extract(command.job));
  PrintSummary(summary, command);
  return kExitOk;
}

}  // namespace

CommandRunner AddExtractCommand(CLI::App& app) {
  auto command_options = std::make_shared<ExtractCommandOptions>();
  jobs::ExtractOptions* options = &command_options->job;
  CLI::App* command = app.add_subcommand(
      "extract",
      "Per-packet (or, with --flows, per-flow) features of pcap/pcapng captures (one sub-folder per category) into a "
      "Parquet dataset");
  command->add_option("INPUT_DIR", options->input_dir, "Folder with one sub-folder of captures per category")
      ->required();
  command->add_option("--out", options->out_dir, "Dataset folder to write (hive-partitioned by category)")->required();
  command->add_option("--sample", options->sample,
                      "Keep this fraction of packets (of flows with --flows), 0 < F <= 1, chosen by identity")
      ->default_val(1.0);
  command->add_option("--seed", options->seed, "Seed of the sampling hash")->default_val(0);
  command->add_flag("--overwrite", options->overwrite, "Replace an existing --out");
  command->add_flag("--skip-invalid", options->skip_invalid, "Warn about files that are not captures and go on");
  command
      ->add_option("--threads", options->threads,
                   "Threads reading captures and writing Parquet files (0: one per core); the dataset does not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  command->add_flag("--json", command_options->json, "Print the summary as JSON on stdout");
  command->add_flag("--flows", options->flows,
                    "One row per bidirectional flow (columns and rules: docs/flows.md) instead of per packet");
  command->add_option("--idle-timeout", options->idle_timeout_s,
                      "Seconds without a packet after which a flow's next packet starts a new flow")
      ->capture_default_str();
  command->add_option("--active-timeout", options->active_timeout_s,
                      "Seconds after a flow's first packet from which its next packet starts a new flow")
      ->capture_default_str();
  command->add_option("--splt", options->splt, "Packets in the splt_size/dir/iat columns (--flows)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxSplt));
  return [command_options] { return RunExtract(*command_options); };
}

}  // namespace tad::cli
