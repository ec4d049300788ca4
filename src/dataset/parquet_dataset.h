#pragma once
/// The reader side of datasets: a folder of Parquet files (hive partitions such as
/// `category=Games/` give the label), shared out over executors by row group, read through DuckDB.
///
/// Rules every reader follows, so a row's fate depends only on what the row is:
/// - row identity: `RowIdentityHash(source_file, packet_index, seed)` when both columns exist
///   (flow datasets: flow_index in place of packet_index), otherwise `RowIdentityHash(<relative file path>, <row number in file>, seed)`;
/// - a row is a test row when `UnitInterval(split key) < test_fraction`; the split key is the row
///   identity (`--split-by row`), `RowIdentityHash(source_file, flow_index, seed)` (`flow`; rows
///   without a flow_index fall back to their identity) or `HashBytes(source_file, seed)` (`file`);
/// - feature values are read as numbers; NULL and NaN both become NaN ("missing").

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"
#include "dataset/schema.h"

namespace tad {

/// The packet columns that are features by default (dataset/schema.h: identifiers, indices and
/// timestamps left out).
const std::vector<std::string>& DefaultFeatureColumns();

class ParquetDataset;
struct SplitChoice {
  SplitBy split;
  std::string reason;  // one sentence: why this split
};
/// `requested`, checked against the dataset's columns, or for kAuto the default rule: file when
/// every class has at least kMinFilesForFileSplit capture files, else flow when the dataset has
/// flow_index, else row.
Result<SplitChoice> ChooseSplit(DuckDatabase& db, const ParquetDataset& dataset, SplitBy requested);
inline constexpr int64_t kMinFilesForFileSplit = 5;

struct ParquetRowGroup {
  std::string path;             // as DuckDB opens it
  std::string relative;         // relative to the dataset root, '/'-separated
  int64_t index_in_file = 0;    // row group number inside the file
  int64_t first_row = 0;        // row number in the file of its first row
  int64_t rows = 0;
  std::string partition_label;  // value of the `<label>=` directory above the file, if any
};

struct ColumnInfo {
  std::string name;
  std::string type;  // DuckDB type name, e.g. BIGINT, VARCHAR
};

class ParquetDataset {
 public:
  /// Finds every *.parquet file under `root` (or `root` itself if it is a file), in sorted path
  /// order, and reads their row-group metadata and schema. The label comes from `<label>=value`
  /// directories when present, otherwise from a column named `label`.
  static Result<ParquetDataset> Open(DuckDatabase& db, const std::filesystem::path& root, const std::string& label);

  const std::filesystem::path& root() const { return root_; }
  const std::vector<ParquetRowGroup>& row_groups() const { return row_groups_; }
  const std::vector<ColumnInfo>& columns() const { return columns_; }
  const std::string& label() const { return label_; }
  int64_t total_rows() const { return total_rows_; }
  /// 16 hex digits: hash of the sorted relative paths, file sizes and row counts.
  const std::string& fingerprint() const { return fingerprint_; }
  bool label_from_partition() const { return label_from_partition_; }
  /// Sorted distinct partition labels (empty when the label is a column).
  const std::vector<std::string>& partition_labels() const { return partition_labels_; }
  bool has_row_identity() const { return has_row_identity_; }
  /// packet_index (packet rows) or flow_index (flow rows): with source_file, the row's identity.
  const std::string& row_index_column() const { return row_index_column_; }
  /// The schema's default features among this dataset's columns (dataset/schema.h).
  std::vector<std::string> DefaultFeatures() const;
  const ColumnInfo* FindColumn(const std::string& name) const;

  /// Every feature exists and is numeric; the label exists. InvalidArgument naming the column.
  Status CheckColumns(const std::vector<std::string>& features) const;
  /// The schema check of every command that reads features (train, eval, predict): each feature
  /// is listed once, is not the label, exists and is numeric. InvalidArgument naming the dataset
  /// and the column.
  Status CheckFeatures(const std::vector<std::string>& features) const;

  /// Row groups of `rank` out of `size`, ascending: about total_rows()/size rows, a share of every
  /// file (a run of consecutive row groups where the file has enough, read in one query), so that
  /// each rank's rows are a sample of the whole dataset, not of some of its classes; at least one
  /// row group each when there are at least `size`.
  std::vector<size_t> RowGroupsForRank(int rank, int size) const;

 private:
  std::filesystem::path root_;
  std::string label_;
  std::vector<ParquetRowGroup> row_groups_;
  std::vector<ColumnInfo> columns_;
  int64_t total_rows_ = 0;
  std::string fingerprint_;
  bool label_from_partition_ = false;
  std::vector<std::string> partition_labels_;
  bool has_row_identity_ = false;
  std::string row_index_column_;
};

/// --features as given (comma-separated), or when empty the default: the schema's numeric feature
/// columns present in the dataset, or when it has none of them every numeric column except
/// identifiers and the label.
std::vector<std::string> ChooseFeatures(const ParquetDataset& dataset, const std::string& features_option);

/// Rows read from row groups, in the order of the row groups and of the rows in each file.
struct LoadedRows {
  int32_t features = 0;
  std::vector<float> values;        // row-major: rows × features; NaN = missing
  std::vector<uint64_t> identity;   // row identity hash (see the rules above)
  std::vector<uint64_t> split_key;  // what decides train or test (see the rules above)
  std::vector<int32_t> labels;      // index into label_names; -1 when the dataset has no label
  std::vector<std::string> label_names;  // this reader's label dictionary
  uint64_t bytes_read = 0;          // bytes of column values converted
  int64_t rows() const { return static_cast<int64_t>(identity.size()); }
};

/// Reads the `features` (and the label and identity columns) of one row group, appending to `out`.
/// A row whose label is NULL is an error (InvalidData naming the file). `split` (not kAuto) sets
/// the split keys.
Status ReadRowGroup(DuckDatabase& db, const ParquetDataset& dataset, const ParquetRowGroup& group,
                    const std::vector<std::string>& features, uint64_t seed, LoadedRows& out,
                    SplitBy split = SplitBy::kRow);

/// Reads the row groups `groups` (indices into dataset.row_groups()) as ReadRowGroup does, with
/// `threads` threads, each on its own connection taking the next run of consecutive row groups of
/// one file; rows land in the
/// order of `groups` whichever thread read them. On errors, the first failing group's Status.
Result<LoadedRows> ReadRowGroups(DuckDatabase& db, const ParquetDataset& dataset, const std::vector<size_t>& groups,
                                 const std::vector<std::string>& features, uint64_t seed, SplitBy split, int threads);

/// How a feature column's values are stored in a chunk (numeric types other than these are cast
/// to FLOAT by the query).
enum class FeatureType : uint8_t {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat,
  kDouble,
};

/// One feature's values in a chunk, as DuckDB decoded them: not converted to float, so that a
/// reader converts only the rows it needs (a value as float is static_cast<float>, i.e. rounded
/// to nearest as CAST(x AS FLOAT); NULL is NaN).
struct FeatureColumn {
  FeatureType type = FeatureType::kFloat;
  const void* data = nullptr;
  const uint64_t* validity = nullptr;  // a bit per row; nullptr when every row is valid
  bool IsValid(int64_t row) const { return !validity || ((validity[row / 64] >> (row % 64)) & 1); }
  float Value(int64_t row) const;
};

/// function(typed data pointer) for the column's stored type.
template <typename Function>
decltype(auto) WithTypedData(const FeatureColumn& column, Function&& function) {
  switch (column.type) {
    case FeatureType::kBool: return function(static_cast<const bool*>(column.data));
    case FeatureType::kInt8: return function(static_cast<const int8_t*>(column.data));
    case FeatureType::kInt16: return function(static_cast<const int16_t*>(column.data));
    case FeatureType::kInt32: return function(static_cast<const int32_t*>(column.data));
    case FeatureType::kInt64: return function(static_cast<const int64_t*>(column.data));
    case FeatureType::kUInt8: return function(static_cast<const uint8_t*>(column.data));
    case FeatureType::kUInt16: return function(static_cast<const uint16_t*>(column.data));
    case FeatureType::kUInt32: return function(static_cast<const uint32_t*>(column.data));
    case FeatureType::kUInt64: return function(static_cast<const uint64_t*>(column.data));
    case FeatureType::kFloat: return function(static_cast<const float*>(column.data));
    case FeatureType::kDouble: break;
  }
  return function(static_cast<const double*>(column.data));
}

inline float FeatureColumn::Value(int64_t row) const {
  if (!IsValid(row)) return std::numeric_limits<float>::quiet_NaN();
  return WithTypedData(*this, [row](const auto* values) { return static_cast<float>(values[row]); });
}

/// Consecutive rows of one row group as a reader read them; valid during the call it is handed to.
struct RowChunk {
  int64_t rows = 0;
  int64_t first_row = 0;                   // row i of the chunk is row first_row + i of its row group
  const FeatureColumn* features = nullptr; // one per feature, in the order asked for
  const uint64_t* identity = nullptr;      // as in LoadedRows
  const uint64_t* split_key = nullptr;
  const int32_t* labels = nullptr;         // index into *label_names; -1 when the dataset has no label
  const std::vector<std::string>* label_names = nullptr;  // the reading thread's dictionary so far
};
/// visit(thread, i, chunk) for a chunk of row group groups[i], read by thread `thread`.
using ChunkVisitor = std::function<Status(int thread, size_t group, const RowChunk& chunk)>;

/// Reads the row groups `groups` as ReadRowGroups does, but hands each chunk to `visit` rather
/// than keeping the rows: a thread's calls come one at a time, different threads' at once. Each
/// thread's label ids index its own dictionary, which only grows. On errors, the first failing
/// group's Status (or visit's).
Status ScanRowGroups(DuckDatabase& db, const ParquetDataset& dataset, const std::vector<size_t>& groups,
                     const std::vector<std::string>& features, uint64_t seed, SplitBy split, int threads,
                     const ChunkVisitor& visit);

/// Histogram bins of one feature. Value bin b holds values v with edges[b-1] < v <= edges[b]
/// (the last value bin has no upper edge); missing values (NULL, NaN) have their own bin after
/// the value bins and always go right at a split, as `NaN <= threshold` is false.
struct FeatureBins {
  std::vector<double> edges;  // strictly increasing upper edges; a split threshold is one of them
  int value_bins() const { return static_cast<int>(edges.size()) + 1; }
  int missing_bin() const { return value_bins(); }
  int total_bins() const { return value_bins() + 1; }
  uint16_t Bin(float value) const;
};

/// A sample of one feature's values as its distinct values, increasing, with how often each
/// occurs (NaN left out; -0 counted as 0). Bins depend only on this, so executors exchange these
/// summaries rather than the sample itself.
struct ValueCounts {
  std::vector<float> values;
  std::vector<uint32_t> counts;
  bool operator==(const ValueCounts&) const = default;
};
ValueCounts CountValues(std::vector<float> sample);
/// The summary of the union of the samples.
ValueCounts MergeValueCounts(const ValueCounts& a, const ValueCounts& b);

/// Bin edges from a sample of one feature's values: with at most `max_bins` distinct values a bin
/// per value, otherwise edges at the sample's quantiles. `max_bins` is 2…255.
FeatureBins ComputeFeatureBins(const ValueCounts& sample, int max_bins);
/// The same from the values themselves (any order; NaN ignored).
FeatureBins ComputeFeatureBins(std::vector<float> sample, int max_bins);

/// The identity of a row of a file without identity columns (or whose are NULL), by its place:
/// RowIdentityHash(relative path, row number in the file, seed), the path hashed once.
class FileRowIdentity {
 public:
  FileRowIdentity(std::string_view relative, uint64_t seed) : path_hash_(HashBytes(relative, seed)) {}
  uint64_t operator()(int64_t file_row) const { return HashCombine(path_hash_, static_cast<uint64_t>(file_row)); }

 private:
  uint64_t path_hash_;
};

/// Is this row in the test set?
inline bool IsTestRow(uint64_t identity, double test_fraction) { return UnitInterval(identity) < test_fraction; }
/// Is this row in the sample used for bin edges? (independent of the train/test decision)
bool InBinSample(uint64_t identity, double sample_fraction);

}  // namespace tad
