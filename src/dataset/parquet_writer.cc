#include "dataset/parquet_writer.h"

#include <fmt/format.h>

#include <system_error>

namespace tad {
namespace {

enum Column {
  kSourceFile, kPacketIndex, kTimestampNs, kFrameLen, kIpVersion, kIpHeaderLen, kIpTos, kIpTtl, kIpProto,
  kSrcPort, kDstPort, kTcpFlags, kTcpWindow, kPayloadLen, kDirection, kInterArrivalUs, kCategory, kColumnCount
};

constexpr const char* kCreateTable =
    "CREATE TABLE rows (source_file VARCHAR, packet_index BIGINT, timestamp_ns BIGINT, frame_len INTEGER, "
    "ip_version TINYINT, ip_header_len SMALLINT, ip_tos SMALLINT, ip_ttl SMALLINT, ip_proto SMALLINT, "
    "src_port INTEGER, dst_port INTEGER, tcp_flags SMALLINT, tcp_window INTEGER, payload_len INTEGER, "
    "direction TINYINT, inter_arrival_us BIGINT, category VARCHAR)";

constexpr duckdb_type kTypes[kColumnCount] = {
    DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT,   DUCKDB_TYPE_BIGINT,   DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_TINYINT,
    DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_INTEGER,
    DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_INTEGER,  DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_TINYINT,
    DUCKDB_TYPE_BIGINT,  DUCKDB_TYPE_VARCHAR};

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
  TAD_RETURN_IF_ERROR(db->Execute(kCreateTable));
  std::unique_ptr<ParquetDatasetWriter> writer(
      new ParquetDatasetWriter(std::move(db).value(), directory, flush_rows == 0 ? 1 : flush_rows));
  if (duckdb_appender_create(writer->db_.connection(), nullptr, "rows", &writer->appender_) == DuckDBError) {
    return Status::Internal("duckdb: cannot create an appender");
  }
  duckdb_logical_type types[kColumnCount];
  for (int i = 0; i < kColumnCount; ++i) types[i] = duckdb_create_logical_type(kTypes[i]);
  writer->chunk_ = duckdb_create_data_chunk(types, kColumnCount);
  for (int i = 0; i < kColumnCount; ++i) duckdb_destroy_logical_type(&types[i]);
  writer->chunk_capacity_ = duckdb_vector_size();
  for (int i = 0; i < kColumnCount; ++i) {
    writer->vectors_[i] = duckdb_data_chunk_get_vector(writer->chunk_, i);
    if (i == kSrcPort || i == kDstPort || i == kTcpFlags || i == kTcpWindow) {
      duckdb_vector_ensure_validity_writable(writer->vectors_[i]);
      writer->validity_[i] = duckdb_vector_get_validity(writer->vectors_[i]);
    }
  }
  return writer;
}

ParquetDatasetWriter::ParquetDatasetWriter(DuckDatabase db, std::filesystem::path directory, uint64_t flush_rows)
    : db_(std::move(db)), directory_(std::move(directory)), flush_rows_(flush_rows) {}

ParquetDatasetWriter::~ParquetDatasetWriter() {
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  if (appender_) duckdb_appender_destroy(&appender_);
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
  if (duckdb_append_data_chunk(appender_, chunk_) == DuckDBError) {
    return Status::Internal(fmt::format("duckdb: appending rows: {}", duckdb_appender_error(appender_)));
  }
  table_rows_ += chunk_rows_;
  chunk_rows_ = 0;
  duckdb_data_chunk_reset(chunk_);
  // Reset may give the vectors new validity masks: fetch them again.
  for (int i : {kSrcPort, kDstPort, kTcpFlags, kTcpWindow}) {
    duckdb_vector_ensure_validity_writable(vectors_[i]);
    validity_[i] = duckdb_vector_get_validity(vectors_[i]);
  }
  return Status::Ok();
}

Status ParquetDatasetWriter::Flush() {
  TAD_RETURN_IF_ERROR(AppendChunk());
  if (table_rows_ == 0) return Status::Ok();
  if (duckdb_appender_flush(appender_) == DuckDBError) {
    return Status::Internal(fmt::format("duckdb: appending rows: {}", duckdb_appender_error(appender_)));
  }
  const std::string sql = fmt::format(
      "COPY (SELECT * FROM rows) TO {} (FORMAT parquet, PARTITION_BY (category), OVERWRITE_OR_IGNORE, "
      "FILENAME_PATTERN 'part-{:05d}-{{i}}')",
      SqlQuote(directory_.string()), flushes_);
  TAD_RETURN_IF_ERROR(db_.Execute(sql).WithContext("writing " + directory_.string()));
  TAD_RETURN_IF_ERROR(db_.Execute("DELETE FROM rows"));
  ++flushes_;
  table_rows_ = 0;
  return Status::Ok();
}

Status ParquetDatasetWriter::Finish() {
  TAD_RETURN_IF_ERROR(Flush());
  if (appender_) duckdb_appender_destroy(&appender_);
  appender_ = nullptr;
  return Status::Ok();
}

}  // namespace tad
