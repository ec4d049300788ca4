#include "dataset/parquet_dataset.h"
#include "dataset/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

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
  std::vector<size_t> mine;
  for (size_t i = static_cast<size_t>(rank); i < row_groups_.size(); i += static_cast<size_t>(size)) mine.push_back(i);
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

Status ReadRowGroup(DuckDatabase& db, const ParquetDataset& dataset, const ParquetRowGroup& group,
                    const std::vector<std::string>& features, uint64_t seed, LoadedRows& out, SplitBy split) {
  const int32_t num_features = static_cast<int32_t>(features.size());
  out.features = num_features;
  std::string sql = "SELECT ";
  for (const auto& feature : features) sql += "CAST(" + SqlIdentifier(feature) + " AS FLOAT), ";
  // The label: a partition directory, a column, or absent (prediction needs none): -1.
  const bool label_column = !dataset.label_from_partition() && dataset.FindColumn(dataset.label());
  const bool no_label = !dataset.label_from_partition() && !label_column;
  if (label_column) sql += "CAST(" + SqlIdentifier(dataset.label()) + " AS VARCHAR), ";
  if (dataset.has_row_identity()) {
    sql += "CAST(source_file AS VARCHAR), CAST(" + SqlIdentifier(dataset.row_index_column()) + " AS BIGINT)";
    if (split == SplitBy::kFlow) sql += ", CAST(flow_index AS BIGINT)";
  } else {
    sql += "file_row_number";
  }
  sql += fmt::format(" FROM read_parquet({}, file_row_number = true, hive_partitioning = false)"
                     " WHERE file_row_number >= {} AND file_row_number < {}",
                     SqlQuote(group.path), group.first_row, group.first_row + group.rows);
  auto result = db.Query(sql);
  if (!result.ok()) return result.status().WithContext("reading " + group.relative);

  int32_t partition_label = -1;
  auto label_id = [&out](std::string_view name) {
    for (size_t i = 0; i < out.label_names.size(); ++i) {
      if (out.label_names[i] == name) return static_cast<int32_t>(i);
    }
    out.label_names.emplace_back(name);
    return static_cast<int32_t>(out.label_names.size() - 1);
  };
  if (dataset.label_from_partition()) partition_label = label_id(group.partition_label);
  const uint64_t path_hash = HashBytes(group.relative, seed);
  const float kMissing = std::numeric_limits<float>::quiet_NaN();

  const idx_t label_col = static_cast<idx_t>(num_features);
  const idx_t id_col = label_col + (label_column ? 1 : 0);
  // Last label seen, to skip the dictionary search for runs of equal labels.
  std::string last_label;
  int32_t last_label_id = -1;
  // The file row of the chunk's first row: the scan keeps the file's order.
  int64_t chunk_first_row = group.first_row;
  while (duckdb_data_chunk chunk = result->FetchChunk()) {
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    const size_t base = out.identity.size();
    out.values.resize((base + n) * static_cast<size_t>(num_features));
    out.identity.resize(base + n);
    out.labels.resize(base + n);
    for (int32_t f = 0; f < num_features; ++f) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, static_cast<idx_t>(f));
      const float* data = static_cast<const float*>(duckdb_vector_get_data(vector));
      uint64_t* validity = duckdb_vector_get_validity(vector);
      float* dest = out.values.data() + base * static_cast<size_t>(num_features) + f;
      for (idx_t r = 0; r < n; ++r) {
        const bool valid = !validity || duckdb_validity_row_is_valid(validity, r);
        dest[r * static_cast<size_t>(num_features)] = valid ? data[r] : kMissing;
      }
    }
    if (label_column) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, label_col);
      auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
      uint64_t* validity = duckdb_vector_get_validity(vector);
      for (idx_t r = 0; r < n; ++r) {
        if (validity && !duckdb_validity_row_is_valid(validity, r)) {
          duckdb_destroy_data_chunk(&chunk);
          return Status::InvalidData(
              fmt::format("{}: row {} (counting from 0) has no {} (NULL label)", group.relative,
                          chunk_first_row + static_cast<int64_t>(r), dataset.label()));
        }
        std::string_view name = StringOf(&data[r]);
        if (last_label_id < 0 || name != last_label) {
          last_label = name;
          last_label_id = label_id(name);
        }
        out.labels[base + r] = last_label_id;
      }
    } else {
      std::fill(out.labels.begin() + static_cast<std::ptrdiff_t>(base), out.labels.end(), no_label ? -1 : partition_label);
    }
    if (dataset.has_row_identity()) {
      duckdb_vector files = duckdb_data_chunk_get_vector(chunk, id_col);
      duckdb_vector indices = duckdb_data_chunk_get_vector(chunk, id_col + 1);
      auto* file_data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(files));
      const int64_t* index_data = static_cast<const int64_t*>(duckdb_vector_get_data(indices));
      uint64_t* file_valid = duckdb_vector_get_validity(files);
      uint64_t* index_valid = duckdb_vector_get_validity(indices);
      for (idx_t r = 0; r < n; ++r) {
        const bool valid = (!file_valid || duckdb_validity_row_is_valid(file_valid, r)) &&
                           (!index_valid || duckdb_validity_row_is_valid(index_valid, r));
        out.identity[base + r] = valid ? RowIdentityHash(StringOf(&file_data[r]), index_data[r], seed)
                                       : HashCombine(path_hash, static_cast<uint64_t>(group.first_row) + r);
      }
      out.split_key.insert(out.split_key.end(), out.identity.begin() + static_cast<std::ptrdiff_t>(base),
                           out.identity.end());
      if (split == SplitBy::kFile) {
        for (idx_t r = 0; r < n; ++r) {
          if (!file_valid || duckdb_validity_row_is_valid(file_valid, r)) {
            out.split_key[base + r] = HashBytes(StringOf(&file_data[r]), seed);
          }
        }
      } else if (split == SplitBy::kFlow) {
        duckdb_vector flows = duckdb_data_chunk_get_vector(chunk, id_col + 2);
        const int64_t* flow_data = static_cast<const int64_t*>(duckdb_vector_get_data(flows));
        uint64_t* flow_valid = duckdb_vector_get_validity(flows);
        for (idx_t r = 0; r < n; ++r) {
          const bool valid = (!file_valid || duckdb_validity_row_is_valid(file_valid, r)) &&
                             (!flow_valid || duckdb_validity_row_is_valid(flow_valid, r));
          if (valid) out.split_key[base + r] = RowIdentityHash(StringOf(&file_data[r]), flow_data[r], seed);
        }
      }
    } else {
      duckdb_vector numbers = duckdb_data_chunk_get_vector(chunk, id_col);
      const int64_t* data = static_cast<const int64_t*>(duckdb_vector_get_data(numbers));
      for (idx_t r = 0; r < n; ++r) out.identity[base + r] = HashCombine(path_hash, static_cast<uint64_t>(data[r]));
      out.split_key.insert(out.split_key.end(), out.identity.begin() + static_cast<std::ptrdiff_t>(base),
                           out.identity.end());
    }
    out.bytes_read += n * static_cast<uint64_t>(num_features) * sizeof(float);
    chunk_first_row += static_cast<int64_t>(n);
    duckdb_destroy_data_chunk(&chunk);
  }
  return Status::Ok();
}

uint16_t FeatureBins::Bin(float value) const {
  if (std::isnan(value)) return static_cast<uint16_t>(missing_bin());
  const double v = value;
  return static_cast<uint16_t>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin());
}

FeatureBins ComputeFeatureBins(std::vector<float> sample, int max_bins) {
  sample.erase(std::remove_if(sample.begin(), sample.end(), [](float v) { return std::isnan(v); }), sample.end());
  std::sort(sample.begin(), sample.end());
  FeatureBins bins;
  if (sample.empty()) return bins;
  std::vector<float> distinct;
  for (float v : sample) {
    if (distinct.empty() || distinct.back() != v) distinct.push_back(v);
  }
  if (distinct.size() <= static_cast<size_t>(max_bins)) {
    for (size_t i = 0; i + 1 < distinct.size(); ++i) bins.edges.push_back(distinct[i]);
    return bins;
  }
  const size_t n = sample.size();
  const float largest = sample.back();
  for (int k = 1; k < max_bins; ++k) {
    const size_t position = static_cast<size_t>(static_cast<uint64_t>(k) * n / static_cast<uint64_t>(max_bins));
    const float edge = sample[position == 0 ? 0 : position - 1];
    if (edge == largest) break;
    if (bins.edges.empty() || bins.edges.back() < edge) bins.edges.push_back(edge);
  }
  return bins;
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
