#pragma once
/// The flow options a dataset was extracted with (`tad extract --flows`, `--idle-timeout`,
/// `--active-timeout`, `--splt`): one JSON text that extract records in every Parquet file's
/// key-value metadata (key kFlowOptionsKey), `tad train` copies into the model file and `tad
/// classify` builds flows with (docs/flows.md, docs/model-format.md). Packet datasets record
/// them too: a packet row's flow_index, direction and iat follow the same timeouts.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "dataset/duckdb_database.h"
#include "dataset/feature_row.h"

namespace tad {

inline constexpr std::string_view kFlowOptionsKey = "tad.flow_options";

struct FlowOptions {
  FeatureRows rows = FeatureRows::kFlows;  // what a dataset row is
  double idle_timeout_s = 120;
  double active_timeout_s = 1800;
  int splt = 0;  // SPLT packets of a flow dataset; 0 for packet rows
  bool operator==(const FlowOptions&) const = default;
};

/// `{"rows": "flows", "idle_timeout_s": 120, "active_timeout_s": 1800, "splt": 10}`: the one
/// text of the options, in the Parquet metadata and the model file alike.
std::string FlowOptionsJson(const FlowOptions& options);
/// Parses FlowOptionsJson's text; InvalidData naming `source` when it is not that.
Result<FlowOptions> ParseFlowOptions(std::string_view text, const std::string& source);

/// The options of DuckDB's `COPY … (FORMAT parquet, …)` that record `options` in the file's
/// key-value metadata, with a leading comma: `, KV_METADATA {…}`.
std::string FlowOptionsCopyClause(const FlowOptions& options);

/// The options recorded in the Parquet files of `dataset` (a folder or one file): nullopt when no
/// file records them (a dataset written before they were recorded); InvalidData when some files
/// record them and some do not, or when they disagree.
Result<std::optional<FlowOptions>> ReadFlowOptions(DuckDatabase& db, const std::filesystem::path& dataset);

}  // namespace tad
