#pragma once
/// Static line charts as standalone SVG, for the scaling study's files (the HTML report draws its
/// charts in the browser with ECharts instead). PNG copies come from `rsvg-convert`.

#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace tad::report {

struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // x, y
  std::string color;                              // CSS colour
  bool dashed = false;                            // e.g. the ideal line
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<ChartSeries> series;
  bool y_from_zero = true;
  int width = 720;
  int height = 440;
};

/// Round tick values covering [low, high]: steps of 1, 2 or 5 × 10^k, about `target` of them.
std::vector<double> NiceTicks(double low, double high, int target);

std::string RenderSvg(const LineChart& chart);

/// Converts an SVG file to PNG with `rsvg-convert` (Debian librsvg2-bin), written via
/// write-then-rename. NotFound when the converter is not installed.
Status ConvertSvgToPng(const std::filesystem::path& svg, const std::filesystem::path& png, bool overwrite);

}  // namespace tad::report
