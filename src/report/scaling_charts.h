#pragma once
/// The scaling study's charts as files: time against executors with the ideal-speedup line,
/// speedup and efficiency, each as SVG and (when rsvg-convert is installed) PNG.

#include <filesystem>
#include <string>
#include <vector>

#include "jobs/scaling_study.h"
#include "report/svg_chart.h"

namespace tad::report {

/// {"scaling_time", chart}, {"scaling_speedup", chart}, {"scaling_efficiency", chart}.
std::vector<std::pair<std::string, LineChart>> ScalingCharts(const jobs::ScalingStudy& study);

struct WrittenCharts {
  std::vector<std::filesystem::path> files;
  std::string png_problem;  // why PNGs are missing, empty when they were written
};

/// Writes `<name>.svg` and `<name>.png` into `dir`. SVG failures are errors; a missing converter
/// only leaves `png_problem` set.
Result<WrittenCharts> WriteScalingCharts(const jobs::ScalingStudy& study, const std::filesystem::path& dir);

}  // namespace tad::report
