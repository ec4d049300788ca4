#include "dataset/parquet_writer.h"

#include <fmt/format.h>

#include <system_error>

namespace tad {
namespace {

enum Column {
  kSourceFile, kPacketIndex, kTimestampNs, kFrameLen, kIpVersion, kIpHeaderLen, kIpTos, kIpTtl, kIpProto,
  kSrcPort, kDstPort, kTcpFlags, kTcpWindow, kPayloadLen, kDirection, kInterArrivalUs, kCategory, kColumnCount
};

constexpr const char* kNames[kColumnCount] = {
    "source_file", "packet_index", "timestamp_ns", "frame_len", "ip_version", "ip_header_len",
    "ip_tos",      "ip_ttl",       "ip_proto",     "src_port",  "dst_port",   "tcp_flags",
    "tcp_window",  "payload_len",  "direction",    "inter_arrival_us", "category"};

constexpr duckdb_type kTypes[kColumnCount] = {
    DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT,   DUCKDB_TYPE_BIGINT,   DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_TINYINT,
    DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_INTEGER,
    DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_INTEGER,  DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_TINYINT,
    DUCKDB_TYPE_BIGINT,  DUCKDB_TYPE_VARCHAR};

void Bind(duckdb_bind_info info) {
  for (int i = 0; i < kColumnCount; ++i) {
    duckdb_logical_type type = duckdb_create_logical_type(kTypes[i]);
    duckdb_bind_add_result_column(info, kNames[i], type);
    duckdb_destroy_logical_type(&type);
  }
}

// One thread scans, so the COPY sees the rows in the order they were appended.
void Init(duckdb_init_info info) { duckdb_init_set_max_threads(info, 1); }

template <typename T>
inline void Put(duckdb_vector vector, idx_t row, T value) {
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
}

}  // namespace

Result<std::unique_ptr<ParquetDatasetWriter>> ParquetDatasetWriter::Create(const std::filesystem::path& directory,
                                                                           uint64_t flush_rows, int threads) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Status::IoError(fmt::format("{}: {}", directory.string(), ec.message()));
  auto db = DuckDatabase::OpenInMemory(threads);
  if (!db.ok()) return db.status();
  std::unique_ptr<ParquetDatasetWriter> writer(
      new ParquetDatasetWriter(std::move(db).value(), directory, flush_rows == 0 ? 1 : flush_rows));
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, "tad_rows");
  duckdb_table_function_set_extra_info(function, writer.get(), nullptr);
  duckdb_table_function_set_bind(function, Bind);
  duckdb_table_function_set_init(function, Init);
  duckdb_table_function_set_function(function, &ParquetDatasetWriter::Scan);
  const duckdb_state registered = duckdb_register_table_function(writer->db_.connection(), function);
  duckdb_destroy_table_function(&function);
  if (registered == DuckDBError) return Status::Internal("duckdb: cannot register the table function");
  writer->chunk_capacity_ = duckdb_vector_size();
  writer->NewChunk();
  return writer;
}

void ParquetDatasetWriter::NewChunk() {
  if (!pool_.empty()) {
    chunk_ = pool_.back();
    pool_.pop_back();
    duckdb_data_chunk_reset(chunk_);
  } else {
    duckdb_logical_type types[kColumnCount];
    for (int i = 0; i < kColumnCount; ++i) types[i] = duckdb_create_logical_type(kTypes[i]);
    chunk_ = duckdb_create_data_chunk(types, kColumnCount);
    for (int i = 0; i < kColumnCount; ++i) duckdb_destroy_logical_type(&types[i]);
  }
  for (int i = 0; i < kColumnCount; ++i) vectors_[i] = duckdb_data_chunk_get_vector(chunk_, i);
  for (int i : {kSrcPort, kDstPort, kTcpFlags, kTcpWindow}) {
    duckdb_vector_ensure_validity_writable(vectors_[i]);
    validity_[i] = duckdb_vector_get_validity(vectors_[i]);
  }
}

void ParquetDatasetWriter::Scan(duckdb_function_info info, duckdb_data_chunk output) {
  auto* writer = static_cast<ParquetDatasetWriter*>(duckdb_function_get_extra_info(info));
  if (writer->scan_next_ >= writer->full_.size()) {
    duckdb_data_chunk_set_size(output, 0);
    return;
  }
  duckdb_data_chunk chunk = writer->full_[writer->scan_next_++];
  for (idx_t i = 0; i < kColumnCount; ++i) {
    duckdb_vector_reference_vector(duckdb_data_chunk_get_vector(output, i), duckdb_data_chunk_get_vector(chunk, i));
  }
  duckdb_data_chunk_set_size(output, duckdb_data_chunk_get_size(chunk));
}

ParquetDatasetWriter::ParquetDatasetWriter(DuckDatabase db, std::filesystem::path directory, uint64_t flush_rows)
    : db_(std::move(db)), directory_(std::move(directory)), flush_rows_(flush_rows) {}

ParquetDatasetWriter::~ParquetDatasetWriter() {
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  for (duckdb_data_chunk& chunk : full_) duckdb_destroy_data_chunk(&chunk);
  for (duckdb_data_chunk& chunk : pool_) duckdb_destroy_data_chunk(&chunk);
}

void ParquetDatasetWriter::SetSource(const std::string& source_file, const std::string& category) {
  source_file_ = source_file;
  category_ = category;
}

Status ParquetDatasetWriter::Append(const PacketFeatures& row) {
  const idx_t r = chunk_rows_;
  duckdb_vector_assign_string_element_len(vectors_[kSourceFile], r, source_file_.data(), source_file_.size());
  Put<int64_t>(vectors_[kPacketIndex], r, row.packet_index);
  Put<int64_t>(vectors_[kTimestampNs], r, row.timestamp_ns);
  Put<int32_t>(vectors_[kFrameLen], r, row.frame_len);
  Put<int8_t>(vectors_[kIpVersion], r, static_cast<int8_t>(row.ip_version));
  Put<int16_t>(vectors_[kIpHeaderLen], r, static_cast<int16_t>(row.ip_header_len));
  Put<int16_t>(vectors_[kIpTos], r, row.ip_tos);
  Put<int16_t>(vectors_[kIpTtl], r, row.ip_ttl);
  Put<int16_t>(vectors_[kIpProto], r, row.ip_proto);
  Put<int32_t>(vectors_[kSrcPort], r, row.src_port);
  Put<int32_t>(vectors_[kDstPort], r, row.dst_port);
  Put<int16_t>(vectors_[kTcpFlags], r, static_cast<int16_t>(row.tcp_flags));
  Put<int32_t>(vectors_[kTcpWindow], r, row.tcp_window);
  duckdb_validity_set_row_validity(validity_[kSrcPort], r, row.has_ports);
  duckdb_validity_set_row_validity(validity_[kDstPort], r, row.has_ports);
  duckdb_validity_set_row_validity(validity_[kTcpFlags], r, row.is_tcp);
  duckdb_validity_set_row_validity(validity_[kTcpWindow], r, row.is_tcp);
  Put<int32_t>(vectors_[kPayloadLen], r, row.payload_len);
  Put<int8_t>(vectors_[kDirection], r, row.direction);
  Put<int64_t>(vectors_[kInterArrivalUs], r, row.inter_arrival_us);
  duckdb_vector_assign_string_element_len(vectors_[kCategory], r, category_.data(), category_.size());
  ++chunk_rows_;
  ++rows_total_;
  if (chunk_rows_ == chunk_capacity_) TAD_RETURN_IF_ERROR(AppendChunk());
  if (table_rows_ >= flush_rows_) TAD_RETURN_IF_ERROR(Flush());
  return Status::Ok();
}

Status ParquetDatasetWriter::AppendChunk() {
  if (chunk_rows_ == 0) return Status::Ok();
  duckdb_data_chunk_set_size(chunk_, chunk_rows_);
  full_.push_back(chunk_);
  table_rows_ += chunk_rows_;
  chunk_rows_ = 0;
  NewChunk();
  return Status::Ok();
}

Status ParquetDatasetWriter::Flush() {
  TAD_RETURN_IF_ERROR(AppendChunk());
  if (table_rows_ == 0) return Status::Ok();
  scan_next_ = 0;
  const std::string sql = fmt::format(
      "COPY (SELECT * FROM tad_rows()) TO {} (FORMAT parquet, PARTITION_BY (category), OVERWRITE_OR_IGNORE, "
      "FILENAME_PATTERN 'part-{:05d}-{{i}}')",
      SqlQuote(directory_.string()), flushes_);
  const Status copied = db_.Execute(sql).WithContext("writing " + directory_.string());
  pool_.insert(pool_.end(), full_.begin(), full_.end());
  full_.clear();
  TAD_RETURN_IF_ERROR(copied);
  ++flushes_;
  table_rows_ = 0;
  return Status::Ok();
}

Status ParquetDatasetWriter::Finish() { return Flush(); }

}  // namespace tad
