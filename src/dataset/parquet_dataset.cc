#include "dataset/parquet_dataset.h"
#include "dataset/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

namespace tad {
namespace {

// Hive partition values are percent-encoded in directory names (DuckDB writes `Health Fitness` as
// `category=Health%20Fitness`, as Hive and Spark do for special characters); labels are the
// decoded values.
std::string DecodeHivePartitionValue(const std::string& encoded) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string decoded;
  decoded.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() && hex(encoded[i + 1]) >= 0 && hex(encoded[i + 2]) >= 0) {
      decoded += static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2]));
      i += 2;
    } else {
      decoded += encoded[i];
    }
  }
  return decoded;
}

namespace fs = std::filesystem;

// Reads column `column` of row `row` of a materialised result as text ("" for NULL).
std::string CellText(DuckResult& result, idx_t column, idx_t row) {
  char* text = duckdb_value_varchar(result.raw(), column, row);
  std::string value = text ? text : "";
  duckdb_free(text);
  return value;
}


std::string SqlFileList(const std::vector<std::string>& paths) {
  std::string list = "[";
  for (size_t i = 0; i < paths.size(); ++i) list += (i ? ", " : "") + SqlQuote(paths[i]);
  return list + "]";
}

bool IsNumericType(const std::string& type) {
  static const std::set<std::string> kNumeric = {"TINYINT",  "SMALLINT",  "INTEGER",  "BIGINT", "HUGEINT",
                                                 "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT",
                                                 "DOUBLE",   "BOOLEAN"};
  return kNumeric.count(type) > 0 || type.rfind("DECIMAL", 0) == 0;
}

std::string_view StringOf(duckdb_string_t* value) {
  return {duckdb_string_t_data(value), duckdb_string_t_length(*value)};
}

}  // namespace

const std::vector<std::string>& DefaultFeatureColumns() {
  static const std::vector<std::string> kColumns = [] {
    std::vector<std::string> names;
    for (const ColumnSpec& column : PacketColumns()) names.push_back(column.name);
    return DefaultFeatures(names);
  }();
  return kColumns;
}

std::vector<std::string> ParquetDataset::DefaultFeatures() const {
  std::vector<std::string> names;
  for (const ColumnInfo& column : columns_) names.push_back(column.name);
  return tad::DefaultFeatures(names);
}

Result<ParquetDataset> ParquetDataset::Open(DuckDatabase& db, const fs::path& root, const std::string& label) {
  ParquetDataset dataset;
  dataset.root_ = root;
  dataset.label_ = label;
  std::error_code ec;
  if (!fs::exists(root, ec)) return Status::InvalidArgument(fmt::format("dataset {} does not exist", root.string()));

  // Files in sorted relative-path order; hidden names (temporaries of unfinished writes) skipped.
  std::vector<std::pair<std::string, std::string>> files;  // relative, full
  if (fs::is_regular_file(root, ec)) {
    files.emplace_back(root.filename().string(), root.string());
  } else {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".parquet") {
        files.emplace_back(fs::relative(it->path(), root).generic_string(), it->path().string());
      }
    }
    if (ec) return Status::IoError(fmt::format("cannot list dataset {}: {}", root.string(), ec.message()));
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Status::InvalidArgument(fmt::format("dataset {} has no Parquet files", root.string()));

  // Labels from hive partition directories: all files or none.
  const std::string prefix = label + "=";
  std::vector<std::string> file_labels(files.size());
  size_t labelled = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    for (const auto& part : fs::path(files[i].first).parent_path()) {
      const std::string component = part.string();
      if (component.rfind(prefix, 0) == 0) {
        file_labels[i] = DecodeHivePartitionValue(component.substr(prefix.size()));
        ++labelled;
        break;
      }
    }
  }
  if (labelled != 0 && labelled != files.size()) {
    return Status::InvalidData(fmt::format("dataset {}: some files are under {}=… directories and some are not",
                                           root.string(), label));
  }
  dataset.label_from_partition_ = labelled != 0;

  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const auto& file : files) paths.push_back(file.second);
  const std::string list = SqlFileList(paths);

  // Schema (the files must agree).
  {
    auto result = db.Query("DESCRIBE SELECT * FROM read_parquet(" + list + ", hive_partitioning = false)");
    if (!result.ok()) return result.status().WithContext("reading the schema of dataset " + root.string());
    const idx_t rows = duckdb_row_count(result->raw());
    for (idx_t r = 0; r < rows; ++r) dataset.columns_.push_back({CellText(*result, 0, r), CellText(*result, 1, r)});
  }
  // Packet rows are identified by their record number, flow rows by their flow number.
  dataset.row_index_column_ = dataset.FindColumn("packet_index") ? "packet_index" : "flow_index";
  dataset.has_row_identity_ = dataset.FindColumn("source_file") && dataset.FindColumn(dataset.row_index_column_);

  // Row groups.
  std::map<std::string, size_t> file_index;
  for (size_t i = 0; i < paths.size(); ++i) file_index[paths[i]] = i;
  std::vector<std::vector<std::pair<int64_t, int64_t>>> groups(files.size());  // (id, rows)
  {
    auto result = db.Query("SELECT file_name, row_group_id, any_value(row_group_num_rows) FROM parquet_metadata(" +
                           list + ") GROUP BY ALL");
    if (!result.ok()) return result.status().WithContext("reading the metadata of dataset " + root.string());
    const idx_t rows = duckdb_row_count(result->raw());
    for (idx_t r = 0; r < rows; ++r) {
      auto found = file_index.find(CellText(*result, 0, r));
      if (found == file_index.end()) return Status::Internal("parquet_metadata named an unknown file");
      groups[found->second].emplace_back(duckdb_value_int64(result->raw(), 1, r),
                                         duckdb_value_int64(result->raw(), 2, r));
    }
  }
  std::string identity;
  std::set<std::string> labels;
  for (size_t i = 0; i < files.size(); ++i) {
    std::sort(groups[i].begin(), groups[i].end());
    int64_t first_row = 0;
    for (const auto& [id, rows] : groups[i]) {
      if (rows == 0) continue;
      dataset.row_groups_.push_back({paths[i], files[i].first, id, first_row, rows, file_labels[i]});
      first_row += rows;
    }
    if (first_row > 0 && dataset.label_from_partition_) labels.insert(file_labels[i]);
    dataset.total_rows_ += first_row;
    identity += fmt::format("{}\n{}\n{}\n", files[i].first, fs::file_size(paths[i], ec), first_row);
  }
  dataset.fingerprint_ = fmt::format("{:016x}", HashBytes(identity));
  dataset.partition_labels_.assign(labels.begin(), labels.end());
  if (dataset.total_rows_ == 0) return Status::InvalidArgument(fmt::format("dataset {} has no rows", root.string()));
  return dataset;
}

const ColumnInfo* ParquetDataset::FindColumn(const std::string& name) const {
  for (const auto& column : columns_) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

Status ParquetDataset::CheckColumns(const std::vector<std::string>& features) const {
  if (!label_from_partition_ && !FindColumn(label_)) {
    return Status::InvalidArgument(fmt::format("dataset {} has no label column '{}' (and no {}=… directories)",
                                               root_.string(), label_, label_));
  }
  return CheckFeatures(features);
}

Status ParquetDataset::CheckFeatures(const std::vector<std::string>& features) const {
  if (features.empty()) return Status::InvalidArgument("no features chosen");
  std::set<std::string> seen;
  for (const auto& feature : features) {
    if (!seen.insert(feature).second) return Status::InvalidArgument(fmt::format("feature '{}' is listed twice", feature));
    if (feature == label_) return Status::InvalidArgument(fmt::format("the label '{}' cannot be a feature", feature));
    const ColumnInfo* column = FindColumn(feature);
    if (!column) return Status::InvalidArgument(fmt::format("dataset {} has no column '{}'", root_.string(), feature));
    if (!IsNumericType(column->type)) {
      return Status::InvalidArgument(fmt::format("dataset {}: feature '{}' is not numeric (its type is {})",
                                                 root_.string(), feature, column->type));
    }
  }
  return Status::Ok();
}

std::vector<size_t> ParquetDataset::RowGroupsForRank(int rank, int size) const {
  // A dataset written by category (PARTITION_BY) holds one class per file: blocks of the files in
  // order would give each rank its own classes, and then the ranks count very different numbers
  // of rows at each level (a histogram is counted for the child that is smaller over all ranks,
  // which may be a rank's larger one; docs/training.md, "Per-rank balance"). So the row groups are
  // taken by their position within their file (every file's first part, then every file's next
  // part, ...) and that order is cut into blocks of about total/size rows each (row groups differ
  // in size: the last of each file is short): block r ends with the row group that reaches row
  // total·(r+1)/size. Each rank then holds a share of every file that has enough row groups, as a
  // run of consecutive ones, and every block keeps at least one row group while there
  // are enough (the caller refuses fewer).
  const size_t count = row_groups_.size();
  std::map<std::string_view, int64_t> groups_in_file;
  for (const auto& group : row_groups_) ++groups_in_file[group.path];
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  // Position (index + 1/2) / groups, compared exactly as (2·index + 1)·groups' < (2·index' + 1)·groups.
  auto position = [&](size_t i) {
    return std::pair<int64_t, int64_t>{2 * row_groups_[i].index_in_file + 1, 2 * groups_in_file[row_groups_[i].path]};
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto [a_num, a_den] = position(a);
    const auto [b_num, b_den] = position(b);
    return static_cast<__int128>(a_num) * b_den < static_cast<__int128>(b_num) * a_den;
  });
  const auto ranks = static_cast<size_t>(size);
  size_t begin = 0;
  size_t end = 0;
  int64_t rows_before_end = 0;  // rows in row groups order[0, end)
  for (size_t r = 0; r <= static_cast<size_t>(rank); ++r) {
    begin = end;
    if (r + 1 == ranks) {
      end = count;
      break;
    }
    const auto target = static_cast<int64_t>(static_cast<__int128>(total_rows_) * static_cast<int64_t>(r + 1) / size);
    while (end < count && rows_before_end < target) rows_before_end += row_groups_[order[end++]].rows;
    const size_t most = count - std::min(count, ranks - r - 1);  // one row group left for each later rank
    const size_t least = std::min(begin + 1, most);
    while (end < least) rows_before_end += row_groups_[order[end++]].rows;
    while (end > most) rows_before_end -= row_groups_[order[--end]].rows;
  }
  std::vector<size_t> mine(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(end));
  std::sort(mine.begin(), mine.end());  // read in dataset order: a file's run in one query
  return mine;
}

Result<SplitChoice> ChooseSplit(DuckDatabase& db, const ParquetDataset& dataset, SplitBy requested) {
  const bool has_files = dataset.has_row_identity();
  const bool has_flows = has_files && dataset.FindColumn("flow_index");
  if (requested == SplitBy::kFile && !has_files) {
    return Status::InvalidArgument(fmt::format("--split-by file: dataset {} has no source_file/row index columns",
                                               dataset.root().string()));
  }
  if (requested == SplitBy::kFlow && !has_flows) {
    return Status::InvalidArgument(
        fmt::format("--split-by flow: dataset {} has no flow_index column", dataset.root().string()));
  }
  if (requested != SplitBy::kAuto) return SplitChoice{requested, "as requested (--split-by)"};
  if (has_files) {
    // Capture files per class: with enough of them, held-out files measure what a user will see.
    const std::string label = SqlIdentifier(dataset.label());
    const std::string glob = dataset.root().string() + (std::filesystem::is_directory(dataset.root()) ? "/**/*.parquet" : "");
    auto result = db.Query(fmt::format(
        "SELECT min(files) FROM (SELECT count(DISTINCT source_file) AS files FROM read_parquet({}, "
        "hive_partitioning = {}) GROUP BY {})",
        SqlQuote(glob), dataset.label_from_partition() ? "true" : "false", label));
    if (!result.ok()) return result.status().WithContext("counting the capture files of " + dataset.root().string());
    const int64_t fewest = CellText(*result, 0, 0).empty() ? 0 : std::stoll(CellText(*result, 0, 0));
    if (fewest >= kMinFilesForFileSplit) {
      return SplitChoice{SplitBy::kFile, fmt::format("every class has at least {} capture files (fewest: {})",
                                                     kMinFilesForFileSplit, fewest)};
    }
    if (has_flows) {
      return SplitChoice{SplitBy::kFlow, fmt::format("a class has only {} capture files (< {}) and the dataset has "
                                                     "flow_index", fewest, kMinFilesForFileSplit)};
    }
    return SplitChoice{SplitBy::kRow, fmt::format("a class has only {} capture files (< {}) and the dataset has no "
                                                  "flow_index", fewest, kMinFilesForFileSplit)};
  }
  return SplitChoice{SplitBy::kRow, "the dataset has no source_file column"};
}

namespace {

// Feature types converted to float here, as CAST(x AS FLOAT) would (round to nearest); DuckDB
// casts the rarer numeric types (DECIMAL, HUGEINT) itself.
bool ReadAsStored(const std::string& type) {
  static const std::set<std::string> kTypes = {"BOOLEAN",   "TINYINT",  "SMALLINT", "INTEGER", "BIGINT", "UTINYINT",
                                               "USMALLINT", "UINTEGER", "UBIGINT",  "FLOAT",   "DOUBLE"};
  return kTypes.count(type) > 0;
}

inline bool IsValid(const uint64_t* validity, idx_t row) { return !validity || ((validity[row / 64] >> (row % 64)) & 1); }

Result<FeatureType> FeatureTypeOf(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: return FeatureType::kBool;
    case DUCKDB_TYPE_TINYINT: return FeatureType::kInt8;
    case DUCKDB_TYPE_SMALLINT: return FeatureType::kInt16;
    case DUCKDB_TYPE_INTEGER: return FeatureType::kInt32;
    case DUCKDB_TYPE_BIGINT: return FeatureType::kInt64;
    case DUCKDB_TYPE_UTINYINT: return FeatureType::kUInt8;
    case DUCKDB_TYPE_USMALLINT: return FeatureType::kUInt16;
    case DUCKDB_TYPE_UINTEGER: return FeatureType::kUInt32;
    case DUCKDB_TYPE_UBIGINT: return FeatureType::kUInt64;
    case DUCKDB_TYPE_FLOAT: return FeatureType::kFloat;
    case DUCKDB_TYPE_DOUBLE: return FeatureType::kDouble;
    default: return Status::Internal(fmt::format("feature column of unexpected DuckDB type {}", static_cast<int>(type)));
  }
}

// Hashes of a string column, rehashing only when the value differs from the previous row's
// (source_file is the same over long runs of rows).
class CachedStringHash {
 public:
  explicit CachedStringHash(uint64_t seed) : seed_(seed) {}
  uint64_t operator()(std::string_view text) {
    if (!known_ || text != last_) {
      last_.assign(text);
      hash_ = HashBytes(last_, seed_);
      known_ = true;
    }
    return hash_;
  }

 private:
  uint64_t seed_;
  std::string last_;
  uint64_t hash_ = 0;
  bool known_ = false;
};

// Label names of one reader, in first-seen order.
class LabelDictionary {
 public:
  int32_t Id(std::string_view name) {
    if (last_id_ >= 0 && name == names_[static_cast<size_t>(last_id_)]) return last_id_;
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return last_id_ = static_cast<int32_t>(i);
    }
    names_.emplace_back(name);
    return last_id_ = static_cast<int32_t>(names_.size() - 1);
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  int32_t last_id_ = -1;  // the previous row's label: runs of equal labels skip the search
};

// One reading thread's chunk arrays, reused from chunk to chunk (they stay in cache).
struct ChunkBuffers {
  int64_t first_row = 0;
  std::vector<FeatureColumn> features;
  std::vector<uint64_t> identity;
  std::vector<uint64_t> split_key;
  std::vector<int32_t> labels;
};

// One SELECT per row group, its column list built once for all of them.
class RowGroupReader {
 public:
  RowGroupReader(const ParquetDataset& dataset, const std::vector<std::string>& features, uint64_t seed, SplitBy split)
      : dataset_(dataset), features_(static_cast<int32_t>(features.size())), seed_(seed), split_(split) {
    label_column_ = !dataset.label_from_partition() && dataset.FindColumn(dataset.label());
    no_label_ = !dataset.label_from_partition() && !label_column_;
    columns_ = "SELECT ";
    for (const auto& feature : features) {
      const ColumnInfo* column = dataset.FindColumn(feature);
      columns_ += column && ReadAsStored(column->type) ? SqlIdentifier(feature) + ", "
                                                        : "CAST(" + SqlIdentifier(feature) + " AS FLOAT), ";
    }
    if (label_column_) columns_ += "CAST(" + SqlIdentifier(dataset.label()) + " AS VARCHAR), ";
    if (dataset.has_row_identity()) {
      columns_ += "CAST(source_file AS VARCHAR), CAST(" + SqlIdentifier(dataset.row_index_column()) + " AS BIGINT), ";
      if (split == SplitBy::kFlow) columns_ += "CAST(flow_index AS BIGINT), ";
    }
    columns_ += "file_row_number";
  }

  // Reads `run`, consecutive row groups of one file, with `connection` in one query (filtered by
  // row number unless the run is the whole file: the filter costs as much as decoding a column),
  // handing each chunk to visit(k, chunk) for the run's k-th group; label ids from `labels`.
  template <typename Visit>
  Status Read(DuckConnection& connection, const std::vector<const ParquetRowGroup*>& run, bool whole_file,
              LabelDictionary& labels, ChunkBuffers& buffers, const Visit& visit) const {
    const ParquetRowGroup& first = *run.front();
    const ParquetRowGroup& last = *run.back();
    const std::string where = whole_file ? ""
                                         : fmt::format(" WHERE file_row_number >= {} AND file_row_number < {}",
                                                       first.first_row, last.first_row + last.rows);
    auto result = connection.QueryStreaming(
        columns_ + fmt::format(" FROM read_parquet({}, file_row_number = true, hive_partitioning = false)",
                               SqlQuote(first.path)) + where);
    if (!result.ok()) return result.status().WithContext("reading " + first.relative);
    std::vector<FeatureType> types(static_cast<size_t>(features_));
    for (int32_t f = 0; f < features_; ++f) {
      auto type = FeatureTypeOf(result->column_type(static_cast<idx_t>(f)));
      if (!type.ok()) return type.status();
      types[static_cast<size_t>(f)] = *type;
    }
    const Columns columns{types, static_cast<idx_t>(features_) + (label_column_ ? 1 : 0), result->column_count() - 1,
                          dataset_.label_from_partition() ? labels.Id(first.partition_label) : -1,
                          FileRowIdentity(first.relative, seed_)};
    CachedStringHash file_hash(seed_);
    std::vector<int64_t> rows(run.size(), 0);
    while (duckdb_data_chunk chunk = result->FetchChunk()) {
      // A scan's chunk holds rows of one row group: the one its first row is in.
      size_t k = 0;
      const idx_t n = duckdb_data_chunk_get_size(chunk);
      if (n > 0) {
        const int64_t row = static_cast<const int64_t*>(
            duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, columns.row_number)))[0];
        while (k + 1 < run.size() && row >= run[k + 1]->first_row) ++k;
      }
      Status status = ReadChunk(chunk, *run[k], columns, labels, file_hash, buffers);
      rows[k] += static_cast<int64_t>(n);
      // The feature columns point into the chunk: it lives until the visit is done.
      if (status.ok()) {
        status = visit(k, RowChunk{static_cast<int64_t>(n), buffers.first_row, buffers.features.data(),
                                   buffers.identity.data(), buffers.split_key.data(), buffers.labels.data(),
                                   &labels.names()});
      }
      duckdb_destroy_data_chunk(&chunk);
      TAD_RETURN_IF_ERROR(status);
    }
    TAD_RETURN_IF_ERROR(result->FetchStatus().WithContext("reading " + first.relative));
    for (size_t k = 0; k < run.size(); ++k) {
      if (rows[k] != run[k]->rows) {
        return Status::InvalidData(fmt::format("{}: row group {} has {} rows, its metadata says {} (was the file "
                                               "changed while reading?)", run[k]->relative, run[k]->index_in_file,
                                               rows[k], run[k]->rows));
      }
    }
    return Status::Ok();
  }

 private:
  // Where a result's columns are, and what holds for every row of its row group.
  struct Columns {
    const std::vector<FeatureType>& types;  // of the features, the first columns
    idx_t id;                               // source_file, then the row index (and flow_index)
    idx_t row_number;
    int32_t partition_label;
    FileRowIdentity file_row_identity;
  };

  // The chunk's rows into `buffers`, in the chunk's order: identities, split keys and labels
  // computed, feature columns pointing at the chunk's vectors.
  Status ReadChunk(duckdb_data_chunk chunk, const ParquetRowGroup& group, const Columns& columns,
                   LabelDictionary& labels, CachedStringHash& file_hash, ChunkBuffers& buffers) const {
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    buffers.features.resize(static_cast<size_t>(features_));
    buffers.identity.resize(n);
    buffers.split_key.resize(n);
    buffers.labels.resize(n);
    const int64_t* row_numbers =
        static_cast<const int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, columns.row_number)));
    // A scan without a filter (or with a filter on a range of row numbers) gives consecutive rows.
    buffers.first_row = n > 0 ? row_numbers[0] - group.first_row : 0;
    if (buffers.first_row < 0 || buffers.first_row + static_cast<int64_t>(n) > group.rows) {
      return Status::Internal("DuckDB returned a chunk across row groups");
    }
    for (idx_t r = 0; r < n; ++r) {
      if (row_numbers[r] != row_numbers[0] + static_cast<int64_t>(r)) {
        return Status::Internal("DuckDB returned a chunk of rows out of order");
      }
    }
    for (int32_t f = 0; f < features_; ++f) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, static_cast<idx_t>(f));
      buffers.features[static_cast<size_t>(f)] = {columns.types[static_cast<size_t>(f)], duckdb_vector_get_data(vector),
                                                  duckdb_vector_get_validity(vector)};
    }
    if (label_column_) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, static_cast<idx_t>(features_));
      auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
      const uint64_t* validity = duckdb_vector_get_validity(vector);
      for (idx_t r = 0; r < n; ++r) {
        if (!IsValid(validity, r)) {
          return Status::InvalidData(fmt::format("{}: row {} (counting from 0) has no {} (NULL label)", group.relative,
                                                 row_numbers[r], dataset_.label()));
        }
        buffers.labels[r] = labels.Id(StringOf(&data[r]));
      }
    } else {
      std::fill(buffers.labels.begin(), buffers.labels.end(), no_label_ ? -1 : columns.partition_label);
    }
    // The file row's own number identifies a row when the dataset has no identity columns or the
    // row's are NULL.
    const FileRowIdentity& fallback_identity = columns.file_row_identity;
    if (!dataset_.has_row_identity()) {
      for (idx_t r = 0; r < n; ++r) buffers.identity[r] = buffers.split_key[r] = fallback_identity(row_numbers[r]);
      return Status::Ok();
    }
    duckdb_vector files = duckdb_data_chunk_get_vector(chunk, columns.id);
    duckdb_vector indices = duckdb_data_chunk_get_vector(chunk, columns.id + 1);
    auto* file_data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(files));
    const int64_t* index_data = static_cast<const int64_t*>(duckdb_vector_get_data(indices));
    const uint64_t* file_valid = duckdb_vector_get_validity(files);
    const uint64_t* index_valid = duckdb_vector_get_validity(indices);
    const int64_t* flow_data = nullptr;
    const uint64_t* flow_valid = nullptr;
    if (split_ == SplitBy::kFlow) {
      duckdb_vector flows = duckdb_data_chunk_get_vector(chunk, columns.id + 2);
      flow_data = static_cast<const int64_t*>(duckdb_vector_get_data(flows));
      flow_valid = duckdb_vector_get_validity(flows);
    }
    for (idx_t r = 0; r < n; ++r) {
      const bool has_file = IsValid(file_valid, r);
      const uint64_t source_hash = has_file ? file_hash(StringOf(&file_data[r])) : 0;
      const uint64_t identity = has_file && IsValid(index_valid, r)
                                    ? HashCombine(source_hash, static_cast<uint64_t>(index_data[r]))
                                    : fallback_identity(row_numbers[r]);
      uint64_t split_key = identity;
      if (split_ == SplitBy::kFile && has_file) split_key = source_hash;
      if (split_ == SplitBy::kFlow && has_file && IsValid(flow_valid, r)) {
        split_key = HashCombine(source_hash, static_cast<uint64_t>(flow_data[r]));
      }
      buffers.identity[r] = identity;
      buffers.split_key[r] = split_key;
    }
    return Status::Ok();
  }

  const ParquetDataset& dataset_;
  int32_t features_;
  uint64_t seed_;
  SplitBy split_;
  bool label_column_ = false;
  bool no_label_ = false;
  std::string columns_;
};

void ResizeRows(LoadedRows& out, size_t rows) {
  out.values.resize(rows * static_cast<size_t>(out.features));
  out.identity.resize(rows);
  out.split_key.resize(rows);
  out.labels.resize(rows);
}

// Stores a chunk's rows in `out`, row i of the group at index `base` + i.
void StoreChunk(const RowChunk& chunk, size_t base, LoadedRows& out) {
  const size_t width = static_cast<size_t>(out.features);
  for (size_t f = 0; f < width; ++f) {
    const FeatureColumn& column = chunk.features[f];
    float* dest = out.values.data() + f;
    WithTypedData(column, [&](const auto* values) {
      for (int64_t r = 0; r < chunk.rows; ++r) {
        dest[(base + static_cast<size_t>(chunk.first_row + r)) * width] =
            column.IsValid(r) ? static_cast<float>(values[r]) : std::numeric_limits<float>::quiet_NaN();
      }
    });
  }
  for (int64_t r = 0; r < chunk.rows; ++r) {
    const size_t at = base + static_cast<size_t>(chunk.first_row + r);
    out.identity[at] = chunk.identity[r];
    out.split_key[at] = chunk.split_key[r];
    out.labels[at] = chunk.labels[r];
  }
}

}  // namespace

Status ReadRowGroup(DuckDatabase& db, const ParquetDataset& dataset, const ParquetRowGroup& group,
                    const std::vector<std::string>& features, uint64_t seed, LoadedRows& out, SplitBy split) {
  out.features = static_cast<int32_t>(features.size());
  const size_t base = out.identity.size();
  ResizeRows(out, base + static_cast<size_t>(group.rows));
  // The labels go into out's dictionary: its names first, so the ids already given stay.
  LabelDictionary labels;
  for (const auto& name : out.label_names) labels.Id(name);
  ChunkBuffers buffers;
  const Status status = RowGroupReader(dataset, features, seed, split)
                            .Read(db.main_connection(), {&group}, false, labels, buffers,
                                  [&](size_t, const RowChunk& chunk) {
                              StoreChunk(chunk, base, out);
                              return Status::Ok();
                            });
  if (!status.ok()) {
    ResizeRows(out, base);
    return status;
  }
  out.label_names = labels.names();
  out.bytes_read += static_cast<uint64_t>(group.rows) * features.size() * sizeof(float);
  return Status::Ok();
}

namespace {

// Work items for reading `groups` with `threads` threads: runs of consecutive entries that are
// consecutive row groups of one file (one query each), the longest halved while there are fewer
// runs than threads. Each item is [begin, end) of positions in `groups`.
std::vector<std::pair<size_t, size_t>> ReadRuns(const ParquetDataset& dataset, const std::vector<size_t>& groups,
                                                int threads) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < groups.size(); ++i) {
    const ParquetRowGroup& group = dataset.row_groups()[groups[i]];
    if (!runs.empty()) {
      const ParquetRowGroup& previous = dataset.row_groups()[groups[i - 1]];
      if (previous.path == group.path && previous.first_row + previous.rows == group.first_row) {
        runs.back().second = i + 1;
        continue;
      }
    }
    runs.emplace_back(i, i + 1);
  }
  while (runs.size() < static_cast<size_t>(threads)) {
    auto longest = std::max_element(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
      return a.second - a.first < b.second - b.first;
    });
    if (longest == runs.end() || longest->second - longest->first < 2) break;
    const size_t middle = longest->first + (longest->second - longest->first) / 2;
    const size_t end = longest->second;
    longest->second = middle;
    runs.emplace_back(middle, end);
  }
  return runs;
}

}  // namespace

Status ScanRowGroups(DuckDatabase& db, const ParquetDataset& dataset, const std::vector<size_t>& groups,
                     const std::vector<std::string>& features, uint64_t seed, SplitBy split, int threads,
                     const ChunkVisitor& visit) {
  const RowGroupReader reader(dataset, features, seed, split);
  const std::vector<std::pair<size_t, size_t>> runs = ReadRuns(dataset, groups, threads);
  threads = std::max(1, std::min<int>(threads, static_cast<int>(runs.size())));
  std::vector<Status> statuses(runs.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<Status> connect_status(static_cast<size_t>(threads));
  auto work = [&](int thread) {
    auto connection = db.Connect();
    if (!connection.ok()) {
      connect_status[static_cast<size_t>(thread)] = connection.status();
      failed = true;
      return;
    }
    LabelDictionary labels;
    ChunkBuffers buffers;
    for (size_t item = next++; item < runs.size() && !failed; item = next++) {
      const auto [begin, end] = runs[item];
      std::vector<const ParquetRowGroup*> run;
      for (size_t i = begin; i < end; ++i) run.push_back(&dataset.row_groups()[groups[i]]);
      // The whole file when no row group of it comes before or after the run.
      const size_t last = groups[end - 1];
      const bool whole_file = run.front()->first_row == 0 && (last + 1 == dataset.row_groups().size() ||
                                                              dataset.row_groups()[last + 1].path != run.back()->path);
      statuses[item] = reader.Read(*connection, run, whole_file, labels, buffers,
                                   [&](size_t k, const RowChunk& chunk) { return visit(thread, begin + k, chunk); });
      if (!statuses[item].ok()) failed = true;
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work, t);
  work(0);
  for (auto& worker : workers) worker.join();
  for (const Status& status : connect_status) TAD_RETURN_IF_ERROR(status);
  for (const Status& status : statuses) TAD_RETURN_IF_ERROR(status);
  return Status::Ok();
}

Result<LoadedRows> ReadRowGroups(DuckDatabase& db, const ParquetDataset& dataset, const std::vector<size_t>& groups,
                                 const std::vector<std::string>& features, uint64_t seed, SplitBy split, int threads) {
  LoadedRows out;
  out.features = static_cast<int32_t>(features.size());
  std::vector<int64_t> first(groups.size() + 1, 0);  // each group's first row in `out`
  for (size_t i = 0; i < groups.size(); ++i) first[i + 1] = first[i] + dataset.row_groups()[groups[i]].rows;
  ResizeRows(out, static_cast<size_t>(first.back()));
  // Each thread has its own label dictionary: the group it read, and its dictionary's names, so
  // that its rows' label ids can be mapped to the merged dictionary afterwards.
  threads = std::max(1, std::min<int>(threads, static_cast<int>(groups.size())));
  std::vector<int> reader_of(groups.size(), -1);
  std::vector<std::vector<std::string>> dictionaries(static_cast<size_t>(threads));
  TAD_RETURN_IF_ERROR(ScanRowGroups(db, dataset, groups, features, seed, split, threads,
                                    [&](int thread, size_t group, const RowChunk& chunk) {
                                      StoreChunk(chunk, static_cast<size_t>(first[group]), out);
                                      reader_of[group] = thread;
                                      auto& names = dictionaries[static_cast<size_t>(thread)];
                                      if (names.size() != chunk.label_names->size()) names = *chunk.label_names;
                                      return Status::Ok();
                                    }));

  // One dictionary: each thread's names in turn, its rows' ids mapped.
  LabelDictionary merged;
  std::vector<std::vector<int32_t>> merged_id(dictionaries.size());
  for (size_t t = 0; t < dictionaries.size(); ++t) {
    for (const auto& name : dictionaries[t]) merged_id[t].push_back(merged.Id(name));
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    if (reader_of[i] < 0) continue;  // an empty group
    const std::vector<int32_t>& map = merged_id[static_cast<size_t>(reader_of[i])];
    for (int64_t r = first[i]; r < first[i + 1]; ++r) {
      int32_t& label = out.labels[static_cast<size_t>(r)];
      if (label >= 0) label = map[static_cast<size_t>(label)];
    }
  }
  out.label_names = merged.names();
  out.bytes_read = static_cast<uint64_t>(first.back()) * features.size() * sizeof(float);
  return out;
}

uint16_t FeatureBins::Bin(float value) const {
  if (std::isnan(value)) return static_cast<uint16_t>(missing_bin());
  const double v = value;
  return static_cast<uint16_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin());
}

namespace {

// An unsigned key in the order of the float values (negative values' bits flipped, the sign bit
// set on the others), and back.
uint32_t OrderKey(float value) {
  const auto bits = std::bit_cast<uint32_t>(value);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}
float FromOrderKey(uint32_t key) { return std::bit_cast<float>((key & 0x80000000u) ? key & 0x7fffffffu : ~key); }

// Sorts values without NaN by value (-0 just before 0): a radix sort of their keys, 11 bits a
// pass, several times faster than std::sort on a bin sample of 200 000 values.
void SortValues(std::vector<float>& values) {
  constexpr int kBits = 11;
  constexpr size_t kBuckets = size_t{1} << kBits;
  std::vector<uint32_t> keys(values.size());
  std::vector<uint32_t> sorted(values.size());
  std::transform(values.begin(), values.end(), keys.begin(), OrderKey);
  for (int shift = 0; shift < 32; shift += kBits) {
    std::vector<size_t> next(kBuckets + 1, 0);
    for (uint32_t key : keys) ++next[((key >> shift) & (kBuckets - 1)) + 1];
    for (size_t b = 1; b <= kBuckets; ++b) next[b] += next[b - 1];
    for (uint32_t key : keys) sorted[next[(key >> shift) & (kBuckets - 1)]++] = key;
    keys.swap(sorted);
  }
  std::transform(keys.begin(), keys.end(), values.begin(), FromOrderKey);
}

}  // namespace

ValueCounts CountValues(std::vector<float> sample) {
  sample.erase(std::remove_if(sample.begin(), sample.end(), [](float v) { return std::isnan(v); }), sample.end());
  SortValues(sample);
  ValueCounts counts;
  for (float v : sample) {
    if (!counts.values.empty() && counts.values.back() == v) {
      ++counts.counts.back();
    } else {
      counts.values.push_back(v == 0.0f ? 0.0f : v);
      counts.counts.push_back(1);
    }
  }
  return counts;
}

ValueCounts MergeValueCounts(const ValueCounts& a, const ValueCounts& b) {
  ValueCounts merged;
  merged.values.reserve(a.values.size() + b.values.size());
  merged.counts.reserve(a.values.size() + b.values.size());
  size_t i = 0, j = 0;
  while (i < a.values.size() || j < b.values.size()) {
    if (j == b.values.size() || (i < a.values.size() && a.values[i] < b.values[j])) {
      merged.values.push_back(a.values[i]);
      merged.counts.push_back(a.counts[i++]);
    } else if (i == a.values.size() || b.values[j] < a.values[i]) {
      merged.values.push_back(b.values[j]);
      merged.counts.push_back(b.counts[j++]);
    } else {
      merged.values.push_back(a.values[i]);
      merged.counts.push_back(a.counts[i++] + b.counts[j++]);
    }
  }
  return merged;
}

FeatureBins ComputeFeatureBins(const ValueCounts& sample, int max_bins) {
  FeatureBins bins;
  const size_t distinct = sample.values.size();
  if (distinct == 0) return bins;
  if (distinct <= static_cast<size_t>(max_bins)) {
    for (size_t i = 0; i + 1 < distinct; ++i) bins.edges.push_back(sample.values[i]);
    return bins;
  }
  // Edge k is the value at position k·n/max_bins - 1 of the sorted sample: `run` is the run of
  // equal values holding that position, `end` the position after it.
  uint64_t n = 0;
  for (uint32_t count : sample.counts) n += count;
  const float largest = sample.values.back();
  size_t run = 0;
  uint64_t end = sample.counts[0];
  for (int k = 1; k < max_bins; ++k) {
    const uint64_t position = static_cast<uint64_t>(k) * n / static_cast<uint64_t>(max_bins);
    const uint64_t at = position == 0 ? 0 : position - 1;
    while (end <= at) end += sample.counts[++run];
    const float edge = sample.values[run];
    if (edge == largest) break;
    if (bins.edges.empty() || bins.edges.back() < edge) bins.edges.push_back(edge);
  }
  return bins;
}

FeatureBins ComputeFeatureBins(std::vector<float> sample, int max_bins) {
  return ComputeFeatureBins(CountValues(std::move(sample)), max_bins);
}

bool InBinSample(uint64_t identity, double sample_fraction) {
  return UnitInterval(Mix64(identity ^ 0x6a09e667f3bcc909ULL)) < sample_fraction;
}

std::vector<std::string> ChooseFeatures(const ParquetDataset& dataset, const std::string& features_option) {
  std::vector<std::string> features;
  if (!features_option.empty()) {
    std::stringstream stream(features_option);
    std::string item;
    while (std::getline(stream, item, ',')) {
      if (!item.empty()) features.push_back(item);
    }
    return features;
  }
  features = dataset.DefaultFeatures();
  if (!features.empty()) return features;
  static const std::set<std::string> kNotFeatures = {"source_file", "packet_index", "timestamp_ns", "row_id", "id"};
  for (const auto& column : dataset.columns()) {
    if (column.name == dataset.label() || kNotFeatures.count(column.name)) continue;
    if (dataset.CheckColumns({column.name}).ok()) features.push_back(column.name);
  }
  return features;
}

}  // namespace tad
