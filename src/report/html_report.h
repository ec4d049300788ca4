#pragma once
/// The self-contained HTML report of one run or of several side by side: tables rendered here,
/// charts drawn in the browser by the embedded ECharts from the runs' data embedded as JSON. No
/// network access is needed to view it.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobs/run_results.h"
#include "jobs/scaling_study.h"
#include "tree/model.h"

namespace tad::report {

/// One run of the report.
struct ReportRun {
  jobs::RunResults results;
  std::optional<Model> model;  // absent when the model file could not be found
  std::string run_dir;
};

struct ReportInputs {
  /// One or more; several get a comparison table (rows, split, classifier, figures, times) and
  /// each its own sections, in this order.
  std::vector<ReportRun> runs;
  std::optional<jobs::ScalingStudy> scaling;  // when the (first) run is part of a study
  std::string tad_version;
  std::string generated_at;  // UTC, ISO 8601
};

/// Fails (InvalidArgument) when there is no run.
Result<std::string> RenderHtmlReport(const ReportInputs& inputs);

/// HTML-escapes text for element content and attribute values.
std::string EscapeHtml(std::string_view text);

/// JSON for a <script type="application/json"> element: "</" is written "<\/" so no string in the
/// data can end the element.
std::string JsonForScript(const nlohmann::json& value);

}  // namespace tad::report
