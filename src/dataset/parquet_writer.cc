#include "dataset/parquet_writer.h"

#include <fmt/format.h>

#include <system_error>

#include "dataset/labeled_flow_writer.h"  // AddressText

namespace tad {
namespace {

// Packet schema positions (PacketColumns()).
enum PacketColumn {
  kSourceFile, kPacketIndex, kTimestampNs, kFrameLen, kIpVersion, kIpHeaderLen, kIpTos, kIpTtl, kIpProto,
  kSrcPort, kDstPort, kTcpFlags, kTcpWindow, kPayloadLen, kDirection, kInterArrivalUs, kFlowIndex, kCategory
};

duckdb_type DuckType(ColumnType type) {
  switch (type) {
    case ColumnType::kTinyInt: return DUCKDB_TYPE_TINYINT;
    case ColumnType::kSmallInt: return DUCKDB_TYPE_SMALLINT;
    case ColumnType::kInteger: return DUCKDB_TYPE_INTEGER;
    case ColumnType::kBigInt: return DUCKDB_TYPE_BIGINT;
    case ColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kVarchar: break;
  }
  return DUCKDB_TYPE_VARCHAR;
}

// One thread scans, so the COPY sees the rows in the order they were appended.
void Init(duckdb_init_info info) { duckdb_init_set_max_threads(info, 1); }

template <typename T>
inline void Put(duckdb_vector vector, idx_t row, T value) {
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
}

}  // namespace

void ParquetDatasetWriter::Bind(duckdb_bind_info info) {
  auto* writer = static_cast<ParquetDatasetWriter*>(duckdb_bind_get_extra_info(info));
  for (const ColumnSpec& column : writer->columns_) {
    duckdb_logical_type type = duckdb_create_logical_type(DuckType(column.type));
    duckdb_bind_add_result_column(info, column.name.c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
}

Result<std::unique_ptr<ParquetDatasetWriter>> ParquetDatasetWriter::Create(const std::filesystem::path& directory,
                                                                           std::vector<ColumnSpec> columns,
                                                                           uint64_t flush_rows, int threads) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Status::IoError(fmt::format("{}: {}", directory.string(), ec.message()));
  auto db = DuckDatabase::OpenInMemory(threads);
  if (!db.ok()) return db.status();
  std::unique_ptr<ParquetDatasetWriter> writer(
      new ParquetDatasetWriter(std::move(db).value(), directory, std::move(columns), flush_rows == 0 ? 1 : flush_rows));
  duckdb_table_function function = duckdb_create_table_function();
  duckdb_table_function_set_name(function, "tad_rows");
  duckdb_table_function_set_extra_info(function, writer.get(), nullptr);
  duckdb_table_function_set_bind(function, &ParquetDatasetWriter::Bind);
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
    std::vector<duckdb_logical_type> types;
    for (const ColumnSpec& column : columns_) types.push_back(duckdb_create_logical_type(DuckType(column.type)));
    chunk_ = duckdb_create_data_chunk(types.data(), types.size());
    for (duckdb_logical_type& type : types) duckdb_destroy_logical_type(&type);
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    vectors_[i] = duckdb_data_chunk_get_vector(chunk_, i);
    validity_[i] = nullptr;
    if (columns_[i].nullable) {
      duckdb_vector_ensure_validity_writable(vectors_[i]);
      validity_[i] = duckdb_vector_get_validity(vectors_[i]);
    }
  }
}

void ParquetDatasetWriter::Scan(duckdb_function_info info, duckdb_data_chunk output) {
  auto* writer = static_cast<ParquetDatasetWriter*>(duckdb_function_get_extra_info(info));
  if (writer->scan_next_ >= writer->full_.size()) {
    duckdb_data_chunk_set_size(output, 0);
    return;
  }
  duckdb_data_chunk chunk = writer->full_[writer->scan_next_++];
  for (idx_t i = 0; i < writer->columns_.size(); ++i) {
    duckdb_vector_reference_vector(duckdb_data_chunk_get_vector(output, i), duckdb_data_chunk_get_vector(chunk, i));
  }
  duckdb_data_chunk_set_size(output, duckdb_data_chunk_get_size(chunk));
}

ParquetDatasetWriter::ParquetDatasetWriter(DuckDatabase db, std::filesystem::path directory,
                                           std::vector<ColumnSpec> columns, uint64_t flush_rows)
    : db_(std::move(db)),
      directory_(std::move(directory)),
      columns_(std::move(columns)),
      flush_rows_(flush_rows),
      vectors_(columns_.size()),
      validity_(columns_.size()) {
  for (const ColumnSpec& column : columns_) splt_ += column.name.starts_with("splt_size_") ? 1 : 0;
}

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
  Put<int64_t>(vectors_[kFlowIndex], r, row.flow_index);
  const bool in_flow = row.flow_index != 0;  // later fragments belong to no flow
  duckdb_validity_set_row_validity(validity_[kDirection], r, in_flow);
  duckdb_validity_set_row_validity(validity_[kInterArrivalUs], r, in_flow);
  duckdb_validity_set_row_validity(validity_[kFlowIndex], r, in_flow);
  duckdb_vector_assign_string_element_len(vectors_[kCategory], r, category_.data(), category_.size());
  return EndRow();
}

Status ParquetDatasetWriter::EndRow() {
  ++chunk_rows_;
  ++rows_total_;
  if (chunk_rows_ == chunk_capacity_) TAD_RETURN_IF_ERROR(AppendChunk());
  if (table_rows_ >= flush_rows_) TAD_RETURN_IF_ERROR(Flush());
  return Status::Ok();
}

Status ParquetDatasetWriter::Append(const FlowRecord& flow) {
  // Columns in the order of FlowColumns(splt_).
  const idx_t r = chunk_rows_;
  size_t c = 0;
  auto text = [&](const std::string& value) {
    duckdb_vector_assign_string_element_len(vectors_[c++], r, value.data(), value.size());
  };
  auto number = [&]<typename T>(T value, bool valid = true) {
    Put<T>(vectors_[c], r, value);
    duckdb_validity_set_row_validity(validity_[c], r, valid);
    ++c;
  };
  auto integer = [&](int64_t value) { Put<int64_t>(vectors_[c++], r, value); };
  auto stats = [&](const IntegerStats& s) {
    const bool valid = s.count > 0;
    number(valid ? s.min : int64_t{0}, valid);
    number(valid ? s.max : int64_t{0}, valid);
    number(valid ? s.Mean() : 0.0, valid);
    number(valid ? s.Std() : 0.0, valid);
  };
  const FlowDirection& fwd = flow.directions[0];
  const FlowDirection& bwd = flow.directions[1];
  text(source_file_);
  integer(flow.flow_index);
  integer(flow.first_packet_index);
  integer(flow.last_packet_index);
  Put<int8_t>(vectors_[c++], r, static_cast<int8_t>(flow.ip_version));
  Put<int16_t>(vectors_[c++], r, flow.ip_proto);
  text(AddressText(flow.src_addr, flow.ip_version));
  text(AddressText(flow.dst_addr, flow.ip_version));
  number(static_cast<int32_t>(flow.src_port), flow.has_ports);
  number(static_cast<int32_t>(flow.dst_port), flow.has_ports);
  integer(flow.first_timestamp_ns);
  integer(flow.last_timestamp_ns);
  integer((flow.last_timestamp_ns - flow.first_timestamp_ns) / 1000);
  text(FlowEndReasonName(flow.end_reason));
  integer(static_cast<int64_t>(flow.sizes.count));
  integer(flow.sizes.sum);
  integer(static_cast<int64_t>(fwd.sizes.count));
  integer(fwd.sizes.sum);
  integer(static_cast<int64_t>(bwd.sizes.count));
  integer(bwd.sizes.sum);
  integer(fwd.payload_bytes);
  integer(bwd.payload_bytes);
  for (const IntegerStats* s : {&flow.sizes, &fwd.sizes, &bwd.sizes, &flow.gaps_us, &fwd.gaps_us, &bwd.gaps_us}) {
    stats(*s);
  }
  for (uint64_t count : {flow.syn_count, flow.ack_count, flow.psh_count, flow.rst_count, flow.fin_count,
                         flow.urg_count}) {
    integer(static_cast<int64_t>(count));
  }
  number(fwd.init_window, fwd.init_window >= 0);
  number(bwd.init_window, bwd.init_window >= 0);
  const size_t recorded = flow.splt_size.size();
  for (size_t i = 0; i < static_cast<size_t>(splt_); ++i) {
    number(i < recorded ? flow.splt_size[i] : 0, i < recorded);
  }
  for (size_t i = 0; i < static_cast<size_t>(splt_); ++i) {
    number(i < recorded ? flow.splt_dir[i] : int8_t{0}, i < recorded);
  }
  for (size_t i = 0; i < static_cast<size_t>(splt_); ++i) {
    number(i < recorded ? flow.splt_iat_us[i] : int64_t{0}, i < recorded);
  }
  text(category_);
  return EndRow();
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
      "FILENAME_PATTERN 'part-{:05d}-{{i}}'{})",
      SqlQuote(directory_.string()), flushes_, copy_options_);
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
