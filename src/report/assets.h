#pragma once
/// Web assets compiled into the binary, so `tad report` writes a self-contained page anywhere:
/// ECharts (pinned in report/package.json, installed by scripts/setup.sh) and the report's own
/// script and style sheet (report/report.js, report/report.css).

#include <string_view>

namespace tad::report {

std::string_view EchartsScript();
std::string_view ReportScript();
std::string_view ReportStyle();

}  // namespace tad::report
