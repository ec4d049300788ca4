#include "report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "report/html_report.h"
#include "common/atomic_output.h"
#include "common/process.h"

namespace tad::report {
namespace {


std::string TickLabel(double value) { return fmt::format("{:g}", std::abs(value) < 1e-12 ? 0.0 : value); }

}  // namespace

std::vector<double> NiceTicks(double low, double high, int target) {
  if (!(high > low)) high = low + 1;
  const double raw = (high - low) / std::max(1, target);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  const double first = std::floor(low / step + 1e-9) * step;
  for (int i = 0; i < 1000; ++i) {
    const double t = first + i * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= high - step * 1e-9) break;
  }
  return ticks;
}

std::string RenderSvg(const LineChart& chart) {
  const double left = 70, right = 170, top = 40, bottom = 55;
  const double plot_w = chart.width - left - right, plot_h = chart.height - top - bottom;
  double x_min = std::numeric_limits<double>::max(), x_max = std::numeric_limits<double>::lowest();
  double y_min = chart.y_from_zero ? 0 : std::numeric_limits<double>::max(), y_max = 0;
  for (const auto& s : chart.series) {
    for (auto [x, y] : s.points) {
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  }
  if (x_min > x_max) x_min = 0, x_max = 1;
  if (y_min > y_max) y_min = 0, y_max = 1;
  const auto x_ticks = NiceTicks(x_min, x_max, std::min(8, std::max(1, static_cast<int>(x_max - x_min))));
  const auto y_ticks = NiceTicks(y_min, y_max, 5);
  const double x_lo = x_ticks.front(), x_hi = std::max(x_ticks.back(), x_lo + 1e-9);
  const double y_lo = y_ticks.front(), y_hi = std::max(y_ticks.back(), y_lo + 1e-9);
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double y) { return top + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
      "<text x=\"{2}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{3}</text>\n",
      chart.width, chart.height, left, EscapeHtml(chart.title));
  for (double t : y_ticks) {
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#e3e3e3\"/>"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        left, py(t), left + plot_w, left - 6, py(t) + 4, TickLabel(t));
  }
  for (double t : x_ticks) {
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#f0f0f0\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        px(t), top, top + plot_h, top + plot_h + 18, TickLabel(t));
  }
  svg += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#888\"/>\n", left, top,
      plot_w, plot_h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", left + plot_w / 2,
                     static_cast<double>(chart.height) - 12, EscapeHtml(chart.x_label));
  svg += fmt::format("<text transform=\"translate(18 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     top + plot_h / 2, EscapeHtml(chart.y_label));
  double legend_y = top + 10;
  for (const auto& s : chart.series) {
    std::string path;
    for (auto [x, y] : s.points) path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", px(x), py(y));
    const std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
    svg += fmt::format("<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", path,
                       s.color, dash);
    if (!s.dashed) {
      for (auto [x, y] : s.points) {
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", px(x), py(y), s.color);
      }
    }
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>"
        "<text x=\"{5:.1f}\" y=\"{6:.1f}\">{7}</text>\n",
        left + plot_w + 12, legend_y, left + plot_w + 36, s.color, dash, left + plot_w + 42, legend_y + 4,
        EscapeHtml(s.name));
    legend_y += 20;
  }
  svg += "</svg>\n";
  return svg;
}

Status ConvertSvgToPng(const std::filesystem::path& svg, const std::filesystem::path& png, bool overwrite) {
  auto output = AtomicOutput::Create(png, overwrite);
  if (!output.ok()) return output.status();
  const std::string in_path = svg.string();
  const auto outcome =
      RunProcess({"rsvg-convert", "-o", output->temp_path().string(), in_path}, {.search_path = true});
  if (!outcome.ok() || outcome->exit_code == 127) {
    return Status::NotFound("rsvg-convert is not installed (Debian package librsvg2-bin)");
  }
  if (outcome->exit_code != 0) return Status::IoError(fmt::format("rsvg-convert failed on {}", in_path));
  return output->Commit();
}

}  // namespace tad::report
