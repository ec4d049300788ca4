#include "dataset/flow_options.h"

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "dataset/schema.h"

namespace tad {
namespace {

std::string RowsName(FeatureRows rows) { return rows == FeatureRows::kFlows ? "flows" : "packets"; }

bool ValidTimeout(double seconds) { return seconds > 0 && seconds <= 1e9; }

}  // namespace

std::string FlowOptionsJson(const FlowOptions& options) {
  // fmt prints doubles shortest round-trip, so the text reads back to the same values.
  return fmt::format(R"({{"rows": "{}", "idle_timeout_s": {}, "active_timeout_s": {}, "splt": {}}})",
                     RowsName(options.rows), options.idle_timeout_s, options.active_timeout_s, options.splt);
}

Result<FlowOptions> ParseFlowOptions(std::string_view text, const std::string& source) {
  FlowOptions options;
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    const std::string rows = json.at("rows").get<std::string>();
    if (rows != "flows" && rows != "packets") throw std::invalid_argument("rows: '" + rows + "'");
    options.rows = rows == "flows" ? FeatureRows::kFlows : FeatureRows::kPackets;
    options.idle_timeout_s = json.at("idle_timeout_s").get<double>();
    options.active_timeout_s = json.at("active_timeout_s").get<double>();
    options.splt = json.at("splt").get<int>();
  } catch (const std::exception& e) {
    return Status::InvalidData(fmt::format("{}: flow options are damaged: {}", source, e.what()));
  }
  if (!ValidTimeout(options.idle_timeout_s) || !ValidTimeout(options.active_timeout_s) || options.splt < 0 ||
      options.splt > kMaxSplt) {
    return Status::InvalidData(fmt::format("{}: flow options out of range: {}", source, text));
  }
  return options;
}

std::string FlowOptionsCopyClause(const FlowOptions& options) {
  return fmt::format(", KV_METADATA {{{}: {}}}", SqlQuote(std::string(kFlowOptionsKey)),
                     SqlQuote(FlowOptionsJson(options)));
}

Result<std::optional<FlowOptions>> ReadFlowOptions(DuckDatabase& db, const std::filesystem::path& dataset) {
  std::error_code ec;
  const std::string files =
      SqlQuote(dataset.string() + (std::filesystem::is_directory(dataset, ec) ? "/**/*.parquet" : ""));
  auto listed = db.Query(fmt::format("SELECT count(*) FROM glob({})", files));
  if (!listed.ok()) return listed.status().WithContext("listing dataset " + dataset.string());
  const int64_t file_count = duckdb_value_int64(listed->raw(), 0, 0);
  auto recorded = db.Query(fmt::format(
      "SELECT file_name, decode(value) FROM parquet_kv_metadata({}) WHERE decode(key) = {}", files,
      SqlQuote(std::string(kFlowOptionsKey))));
  if (!recorded.ok()) return recorded.status().WithContext("reading the metadata of dataset " + dataset.string());
  const idx_t rows = duckdb_row_count(recorded->raw());
  if (rows == 0) return std::optional<FlowOptions>();
  std::set<std::string> texts;
  for (idx_t r = 0; r < rows; ++r) {
    char* text = duckdb_value_varchar(recorded->raw(), 1, r);
    texts.insert(text ? text : "");
    duckdb_free(text);
  }
  if (static_cast<int64_t>(rows) != file_count || texts.size() != 1) {
    return Status::InvalidData(fmt::format(
        "dataset {}: its Parquet files were extracted with different flow options ({} of {} files record {})",
        dataset.string(), rows, file_count, fmt::join(texts, " / ")));
  }
  auto options = ParseFlowOptions(*texts.begin(), "dataset " + dataset.string());
  if (!options.ok()) return options.status();
  return std::optional<FlowOptions>(*options);
}

}  // namespace tad
