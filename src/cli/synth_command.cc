// tad synth OUT_DIR: ZTE_TAD-like captures, one folder per app category (see docs/synth.md).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture/synth.h"
#include "cli/command.h"
#include "common/atomic_output.h"
#include "common/progress.h"

namespace tad::cli {
namespace {

namespace fs = std::filesystem;

struct SynthCommandOptions {
  std::string out_dir;
  uint64_t packets = 200000;
  uint64_t seed = 1;
  int files_per_category = 4;
  int threads = 0;
  bool overwrite = false;
  bool json = false;
};

int RunSynth(const SynthCommandOptions& options) {
  SynthOptions synth;
  synth.packets = options.packets;
  synth.seed = options.seed;
  synth.files_per_category = options.files_per_category;
  synth.threads = options.threads;
  if (synth.packets == 0) throw Error(Status::InvalidArgument("--packets must be at least 1"));

  AtomicOutput output = ValueOrThrow(AtomicOutput::Create(options.out_dir, options.overwrite));
  std::error_code ec;
  fs::create_directories(output.temp_path(), ec);
  if (ec) throw Error(Status::IoError(fmt::format("{}: {}", output.temp_path().string(), ec.message())));

  const auto start = std::chrono::steady_clock::now();
  SynthSummary summary;
  {
    ProgressBar progress("synth", synth.packets, "packets");
    summary = ValueOrThrow(WriteSynthCaptures(output.temp_path(), synth,
                                              [&progress](uint64_t n) { progress.Advance(n); }));
  }
  ThrowIfError(output.Commit());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (options.json) {
    nlohmann::ordered_json json;
    json["out_dir"] = options.out_dir;
    json["seed"] = options.seed;
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
              options.out_dir.c_str(), seconds, static_cast<unsigned long long>(options.seed));
  return kExitOk;
}

}  // namespace

CommandRunner AddSynthCommand(CLI::App& app) {
  auto options = std::make_shared<SynthCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "synth", "Write ZTE_TAD-like captures: 13 app-category folders of pcap files (deterministic per seed)");
  command->add_option("OUT_DIR", options->out_dir, "Directory to create (refused if it exists, see --overwrite)")
      ->required();
  command->add_option("--packets", options->packets, "Packets in all, shared out over the categories")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  command->add_option("--seed", options->seed, "Random seed: the same seed always writes the same bytes")
      ->capture_default_str();
  command->add_option("--files-per-category", options->files_per_category, "pcap files in each category folder")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command->add_option("--threads", options->threads, "Worker threads (0: one per core); the output does not depend on it")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));
  command->add_flag("--overwrite", options->overwrite, "Replace OUT_DIR if it exists");
  command->add_flag("--json", options->json, "Print the summary as JSON on stdout");
  return [options] { return RunSynth(*options); };
}

}  // namespace tad::cli
