#include "report/scaling.h"

#include <fmt/format.h>

#include <cmath>

namespace tad::report {
namespace {

using jobs::RunSummary;
using jobs::ScalingPoint;
using jobs::ScalingRun;
using jobs::ScalingStudy;
using jobs::Spread;

std::string Cell(const Spread& spread, int repeat, std::string (*format)(double)) {
  const std::string median = format(spread.median), min = format(spread.min), max = format(spread.max);
  if (repeat <= 1 || min == max) return median;
  return fmt::format("{} ({}–{})", median, min, max);
}

std::string Ratio(double value) { return fmt::format("{:.3f}", value); }

std::string ShortHash(const std::vector<std::string>& hashes) {
  std::string joined;
  for (const auto& hash : hashes) joined += (joined.empty() ? "" : ", ") + hash;
  return joined.empty() ? "—" : joined;
}

}  // namespace

std::string FormatSeconds(double seconds) {
  if (seconds < 0.01) return fmt::format("{:.1f} ms", seconds * 1000);
  if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1000);
  if (seconds < 60) return fmt::format("{:.2f} s", seconds);
  if (seconds < 3600) return fmt::format("{:.1f} min", seconds / 60);
  const auto minutes = static_cast<int64_t>(std::llround(seconds / 60));
  return fmt::format("{} h {} min", minutes / 60, minutes % 60);
}

std::string FormatBytes(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024.0 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  if (bytes < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
}

std::string ScalingMarkdown(const ScalingStudy& study) {
  std::string out;
  out +=
      "| executors | training time | total time | accuracy | precision | recall | F1 | speedup (training / total) | "
      "efficiency (training / total) | comm / compute | bytes sent | model hash | note |\n";
  out += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n";
  const int repeat = study.repeat;
  for (const ScalingPoint& p : study.points) {
    const double busy = p.comm_seconds.median + p.compute_seconds.median;
    const std::string split =
        busy > 0 ? fmt::format("{} / {} ({:.0f} % comm)", FormatSeconds(p.comm_seconds.median),
                               FormatSeconds(p.compute_seconds.median), 100 * p.comm_seconds.median / busy)
                 : "—";
    const std::string note =
        p.oversubscribed ? fmt::format("oversubscribed ({} > {} cores)", p.executors, study.cores) : "";
    // Speedups compare medians, so they carry no range.
    const std::string speedup = fmt::format("{:.2f}× / {:.2f}×", p.speedup, p.total_speedup);
    const std::string efficiency =
        fmt::format("{:.0f} % / {:.0f} %", 100 * p.efficiency, 100 * p.total_efficiency);
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", p.executors,
                       Cell(p.train_seconds, repeat, FormatSeconds), Cell(p.total_seconds, repeat, FormatSeconds),
                       Cell(p.accuracy, repeat, Ratio), Cell(p.precision, repeat, Ratio), Cell(p.recall, repeat, Ratio),
                       Cell(p.f1, repeat, Ratio), speedup, efficiency, split, Cell(p.bytes_sent, repeat, FormatBytes), ShortHash(p.hashes),
                       note);
  }
  out += "\n";
  if (repeat > 1) out += fmt::format("Medians of {} runs each, (min–max) where they differ.\n", repeat);
  if (study.same_model) {
    out += fmt::format("Same model on every run: yes (hash {}).\n", ShortHash(study.model_hashes));
  } else {
    out += fmt::format(
        "WARNING: the runs produced {} different models (hashes {}); tad promises the same model for any "
        "executor count, so this is a bug worth reporting.\n",
        study.model_hashes.size(), ShortHash(study.model_hashes));
  }
  return out;
}

std::string ScalingCsv(const ScalingStudy& study) {
  std::string out =
      "executors,repeat,train_seconds,total_seconds,wall_seconds,accuracy,weighted_precision,weighted_recall,"
      "weighted_f1,comm_seconds,compute_seconds,bytes_sent,model_hash,oversubscribed,run_dir\n";
  for (const ScalingPoint& p : study.points) {
    for (const ScalingRun& r : p.runs) {
      const RunSummary& s = r.summary;
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", p.executors, r.repeat, s.train_seconds,
                         s.total_seconds, r.wall_seconds, s.accuracy, s.precision, s.recall, s.f1, s.comm_seconds,
                         s.compute_seconds, s.bytes_sent, s.model_hash, s.oversubscribed ? "true" : "false", r.run_dir);
    }
  }
  return out;
}

}  // namespace tad::report
