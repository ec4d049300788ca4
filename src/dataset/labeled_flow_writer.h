#pragma once
/// The records of `tad classify`: one labeled flow each (docs/classify.md), and their Parquet
/// writer. Column names are those of the flow schema (dataset/schema.h) where the value is the
/// same, so the records join a `tad extract --flows` dataset on (source_file, flow_index).

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "capture/flow_record.h"
#include "common/atomic_output.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"

namespace tad {

struct LabeledFlow {
  std::string source_file;  // relative to the input folder (a file given itself: its name), or the interface
  const FlowRecord* flow = nullptr;
  std::string prediction;
  double probability = 0;  // the predicted class's
};

/// Text of an address as tshark prints it (dotted quad; RFC 5952 for IPv6).
std::string AddressText(const std::array<uint8_t, 16>& address, int version);

/// Labeled flows into one Parquet file, whole or not at all.
class LabeledFlowWriter {
 public:
  /// `path` is refused if it exists and `overwrite` is false.
  static Result<std::unique_ptr<LabeledFlowWriter>> Create(const std::filesystem::path& path, bool overwrite);
  ~LabeledFlowWriter();
  LabeledFlowWriter(const LabeledFlowWriter&) = delete;
  LabeledFlowWriter& operator=(const LabeledFlowWriter&) = delete;

  void Append(const LabeledFlow& record);
  /// Writes the Parquet file and renames it into place. Call once at the end.
  Status Finish();

 private:
  LabeledFlowWriter(DuckDatabase db, AtomicOutput output) : db_(std::move(db)), output_(std::move(output)) {}
  DuckDatabase db_;
  AtomicOutput output_;
  duckdb_appender appender_ = nullptr;
};

}  // namespace tad
