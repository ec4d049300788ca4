// tad synth OUT_DIR: ZTE_TAD-like captures, one folder per app category (see docs/synth.md).
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/stderr_progress.h"
#include "jobs/synth.h"

namespace tad::cli {
namespace {

struct SynthCommandOptions {
  jobs::SynthJobOptions job;
  bool json = false;  // the summary as JSON on stdout
};

int RunSynth(SynthCommandOptions& options) {
  StderrProgress progress;
  options.job.progress = &progress;
  const jobs::SynthJobSummary done = ValueOrThrow(jobs::Synth(options.job));
  const SynthSummary& summary = done.synth;
  const double seconds = done.seconds;

  if (options.json) {
    nlohmann::ordered_json json;
    json["out_dir"] = options.job.out_dir;
    json["seed"] = options.job.synth.seed;
    json["files"] = summary.files;
    json["flows"] = summary.flows;
    json["packets"] = summary.packets;
    json["bytes"] = summary.bytes;
    json["seconds"] = seconds;
    json["categories"] = nlohmann::ordered_json::array();
    for (const auto& category : summary.categories) {
      json["categories"].push_back({{"category", category.category},
                                    {"files", category.files},
                                    {"flows", category.flows},
                                    {"packets", category.packets},
                                    {"bytes", category.bytes}});
    }
    std::printf("%s\n", json.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-16s %6s %9s %11s %13s\n", "category", "files", "flows", "packets", "bytes");
  for (const auto& category : summary.categories) {
    std::printf("%-16s %6lld %9lld %11lld %13lld\n", category.category.c_str(),
                static_cast<long long>(category.files), static_cast<long long>(category.flows),
                static_cast<long long>(category.packets), static_cast<long long>(category.bytes));
  }
  std::printf("synth: wrote %lld packets in %lld flows, %lld files, %.1f MB to %s in %.1f s (seed %llu)\n",
              static_cast<long long>(summary.packets), static_cast<long long>(summary.flows),
              static_cast<long long>(summary.files), static_cast<double>(summary.bytes) / 1e6,
              options.job.out_dir.c_str(), seconds, static_cast<unsigned long long>(options.job.synth.seed));
  return kExitOk;
}

}  // namespace

CommandRunner AddSynthCommand(CLI::App& app) {
  auto options = std::make_shared<SynthCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "synth", "Write ZTE_TAD-like captures: 13 app-category folders of pcap files (deterministic per seed)");
  command->add_option("OUT_DIR", options->job.out_dir, "Directory to create (refused if it exists, see --overwrite)")
      ->required();
  command->add_option("--packets", options->job.synth.packets, "Packets in all, shared out over the categories")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  command->add_option("--seed", options->job.synth.seed, "Random seed: the same seed always writes the same bytes")
      ->capture_default_str();
  command->add_option("--files-per-category", options->job.synth.files_per_category, "pcap files in each category folder")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command->add_option("--threads", options->job.synth.threads, "Worker threads (0: one per core); the output does not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  command->add_option("--snaplen", options->job.synth.snaplen,
                      "Keep the first N bytes of each frame, as tcpdump -s N (0: whole frames; else at least 96, "
                      "every header); features do not change, the files shrink")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_flag("--overwrite", options->job.overwrite, "Replace OUT_DIR if it exists");
  command->add_flag("--json", options->json, "Print the summary as JSON on stdout");
  return [options] { return RunSynth(*options); };
}

}  // namespace tad::cli
