#pragma once
/// The self-contained HTML report of one run: tables rendered here, charts drawn in the browser by
/// the embedded ECharts from the run's data embedded as JSON. No network access is needed to view it.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "jobs/run_results.h"
#include "tree/model.h"

namespace tad::report {

struct ReportInputs {
  jobs::RunResults results;
  std::optional<Model> model;         // absent when the model file could not be found
  std::optional<nlohmann::json> scaling;  // tad.scaling/1, when the run is part of a study
  std::string run_dir;
  std::string tad_version;
  std::string generated_at;  // UTC, ISO 8601
};

/// Fails (InvalidData) when the scaling JSON is malformed.
Result<std::string> RenderHtmlReport(const ReportInputs& inputs);

/// HTML-escapes text for element content and attribute values.
std::string EscapeHtml(std::string_view text);

/// JSON for a <script type="application/json"> element: "</" is written "<\/" so no string in the
/// data can end the element.
std::string JsonForScript(const nlohmann::json& value);

}  // namespace tad::report
