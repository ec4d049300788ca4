#include "report/scaling_charts.h"

#include "common/atomic_output.h"

namespace tad::report {

std::vector<std::pair<std::string, LineChart>> ScalingCharts(const jobs::ScalingStudy& study) {
  ChartSeries train{"training time", {}, "#3b6fb6"};
  ChartSeries total{"total time", {}, "#d9822b"};
  ChartSeries ideal_time{"ideal (training)", {}, "#868e96", true};
  // Speedup and efficiency of both times: training alone can scale while the whole job (loading,
  // start-up) does not, or the other way round; one series alone would tell half the story.
  ChartSeries speedup{"training", {}, "#3b6fb6"};
  ChartSeries total_speedup{"total", {}, "#d9822b"};
  ChartSeries ideal_speedup{"ideal speedup", {}, "#868e96", true};
  ChartSeries efficiency{"training", {}, "#3b6fb6"};
  ChartSeries total_efficiency{"total", {}, "#d9822b"};
  ChartSeries ideal_efficiency{"ideal", {}, "#868e96", true};
  if (!study.points.empty()) {
    const jobs::ScalingPoint& base = study.points.front();
    for (const jobs::ScalingPoint& p : study.points) {
      const double x = p.executors;
      train.points.emplace_back(x, p.train_seconds.median);
      total.points.emplace_back(x, p.total_seconds.median);
      ideal_time.points.emplace_back(x, base.train_seconds.median * base.executors / p.executors);
      speedup.points.emplace_back(x, p.speedup);
      total_speedup.points.emplace_back(x, p.total_speedup);
      ideal_speedup.points.emplace_back(x, x);
      efficiency.points.emplace_back(x, p.efficiency);
      total_efficiency.points.emplace_back(x, p.total_efficiency);
      ideal_efficiency.points.emplace_back(x, 1.0);
    }
  }
  return {
      {"scaling_time",
       LineChart{"Time against executors (median)", "executors", "seconds", {train, total, ideal_time}}},
      {"scaling_speedup",
       LineChart{
           "Speedup of training and of total time", "executors", "speedup", {speedup, total_speedup, ideal_speedup}}},
      {"scaling_efficiency", LineChart{"Parallel efficiency",
                                       "executors",
                                       "speedup / executors",
                                       {efficiency, total_efficiency, ideal_efficiency}}},
  };
}

Result<WrittenCharts> WriteScalingCharts(const jobs::ScalingStudy& study, const std::filesystem::path& dir) {
  WrittenCharts written;
  for (const auto& [name, chart] : ScalingCharts(study)) {
    const auto svg = dir / (name + ".svg");
    TAD_RETURN_IF_ERROR(WriteFileAtomically(svg, RenderSvg(chart), true));
    written.files.push_back(svg);
    if (!written.png_problem.empty()) continue;
    const auto png = dir / (name + ".png");
    const Status status = ConvertSvgToPng(svg, png, true);
    if (status.ok()) {
      written.files.push_back(png);
    } else if (status.code() == StatusCode::kNotFound) {
      written.png_problem = status.message();
    } else {
      return status;
    }
  }
  return written;
}

}  // namespace tad::report
