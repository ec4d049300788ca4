#pragma once
/// The one definition of the columns `tad extract` writes: packet rows (docs/extract.md) and flow
/// rows (`--flows`, docs/flows.md). The writer, the default training features and `--help` all
/// read these tables; the docs list the same names (tests/dataset/schema_docs_test checks it).

#include <string>
#include <vector>

#include "common/status.h"

namespace tad {

enum class ColumnType { kTinyInt, kSmallInt, kInteger, kBigInt, kDouble, kVarchar };

/// What a column is for; only kFeature columns are training features by default.
enum class ColumnRole {
  kIdentifier,  // source_file, the label partition
  kIndex,       // packet/flow numbers in their capture
  kTimestamp,   // capture times
  kAddress,     // IP addresses
  kText,        // other text (end_reason)
  kFeature,     // numeric properties of the packet or flow
};

struct ColumnSpec {
  std::string name;
  ColumnType type;
  ColumnRole role;
  bool nullable;
  std::string meaning;
};

/// Most packets in the SPLT columns (`--splt`).
inline constexpr int kMaxSplt = 64;
inline constexpr int kDefaultSplt = 10;

/// Packet rows, in file order; the last column is the partition (category).
const std::vector<ColumnSpec>& PacketColumns();
/// Flow rows with `splt` SPLT packets (0…kMaxSplt); the last column is the partition (category).
std::vector<ColumnSpec> FlowColumns(int splt);

/// The default features of a dataset with these column names: the kFeature columns of the flow
/// schema (SPLT columns up to kMaxSplt) when it has flow columns (`first_packet_index`), else
/// those of the packet schema; only names present, in schema order.
std::vector<std::string> DefaultFeatures(const std::vector<std::string>& present);

/// Which rows go to the test set together (`tad train --split-by`): each row alone, whole flows
/// (source_file, flow_index), or whole capture files (source_file). kAuto: the default rule
/// (ChooseSplit in dataset/parquet_dataset.h).
enum class SplitBy { kAuto, kRow, kFlow, kFile };
const char* SplitByName(SplitBy split);
/// "auto", "row", "flow" or "file"; InvalidArgument otherwise.
Result<SplitBy> ParseSplitBy(const std::string& text);

/// One line for `--help`: which flow columns are not features by default.
std::string FlowNonFeatureSummary();

}  // namespace tad
