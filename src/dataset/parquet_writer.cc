#include "dataset/parquet_writer.h"

#include <fmt/format.h>

#include <cctype>
#include <system_error>

#include "dataset/labeled_flow_writer.h"  // AddressText

namespace tad {
namespace {

// Packet columns stored in ParquetRows: PacketColumns() without source_file (first) and category
// (last), so each position is one less than in the schema.
enum PacketColumn {
  kPacketIndex, kTimestampNs, kFrameLen, kIpVersion, kIpHeaderLen, kIpTos, kIpTtl, kIpProto, kSrcPort, kDstPort,
  kTcpFlags, kTcpWindow, kPayloadLen, kDirection, kInterArrivalUs, kFlowIndex
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

/// Parquet 2 encodings without dictionaries: integers DELTA_BINARY_PACKED, strings
/// DELTA_LENGTH_BYTE_ARRAY, pages snappy-compressed. Against DuckDB's defaults (format 1, a
/// dictionary tried on every column, PLAIN where it fails) this takes about 40 % less CPU to
/// encode and makes files about a quarter smaller (the packet columns are mostly sequences or
/// small numbers, which delta packing stores in a few bits), and DuckDB reads them no slower.
constexpr const char* kParquetEncoding = ", PARQUET_VERSION v2, DICTIONARY_SIZE_LIMIT 1";

/// The columns a file holds: the schema without its last column, the category partition.
std::vector<ColumnSpec> FileColumns(std::vector<ColumnSpec> columns) {
  if (!columns.empty() && columns.back().name == "category") columns.pop_back();
  return columns;
}

}  // namespace

std::string HivePartitionFolder(const std::string& column, const std::string& value) {
  auto encode = [](const std::string& text) {
    std::string out;
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += c;
      } else {
        out += fmt::format("%{:02X}", byte);
      }
    }
    return out;
  };
  return encode(column) + "=" + encode(value);
}

ParquetRows::ParquetRows(std::vector<ColumnSpec> columns) {
  columns = FileColumns(std::move(columns));
  columns_.assign(columns.begin() + 1, columns.end());  // source_file is one value per file
  for (const ColumnSpec& column : columns_) splt_ += column.name.starts_with("splt_size_") ? 1 : 0;
  vectors_.resize(columns_.size());
  data_.resize(columns_.size());
  validity_.resize(columns_.size());
  chunk_capacity_ = duckdb_vector_size();
  NextChunk();
}

ParquetRows::~ParquetRows() {
  for (duckdb_data_chunk& chunk : chunks_) duckdb_destroy_data_chunk(&chunk);
}

void ParquetRows::Reset(const std::string& source_file) {
  source_file_ = source_file;
  full_ = 0;
  rows_ = 0;
  chunk_rows_ = 0;
  NextChunk();
}

void ParquetRows::NextChunk() {
  if (full_ == chunks_.size()) {
    std::vector<duckdb_logical_type> types;
    for (const ColumnSpec& column : columns_) types.push_back(duckdb_create_logical_type(DuckType(column.type)));
    chunks_.push_back(duckdb_create_data_chunk(types.data(), types.size()));
    for (duckdb_logical_type& type : types) duckdb_destroy_logical_type(&type);
  }
  duckdb_data_chunk chunk = chunks_[full_];
  duckdb_data_chunk_reset(chunk);
  for (size_t i = 0; i < columns_.size(); ++i) {
    vectors_[i] = duckdb_data_chunk_get_vector(chunk, i);
    data_[i] = duckdb_vector_get_data(vectors_[i]);
    validity_[i] = nullptr;
    if (columns_[i].nullable) {
      duckdb_vector_ensure_validity_writable(vectors_[i]);
      validity_[i] = duckdb_vector_get_validity(vectors_[i]);
    }
  }
}

void ParquetRows::EndRow() {
  ++chunk_rows_;
  ++rows_;
  if (chunk_rows_ == chunk_capacity_) {
    duckdb_data_chunk_set_size(chunks_[full_], chunk_rows_);
    ++full_;
    chunk_rows_ = 0;
    NextChunk();
  }
}

void ParquetRows::Append(const PacketFeatures& row) {
  Put<int64_t>(kPacketIndex, row.packet_index);
  Put<int64_t>(kTimestampNs, row.timestamp_ns);
  Put<int32_t>(kFrameLen, row.frame_len);
  Put<int8_t>(kIpVersion, static_cast<int8_t>(row.ip_version));
  Put<int16_t>(kIpHeaderLen, static_cast<int16_t>(row.ip_header_len));
  Put<int16_t>(kIpTos, row.ip_tos);
  Put<int16_t>(kIpTtl, row.ip_ttl);
  Put<int16_t>(kIpProto, row.ip_proto);
  Put<int32_t>(kSrcPort, row.src_port);
  Put<int32_t>(kDstPort, row.dst_port);
  Put<int16_t>(kTcpFlags, static_cast<int16_t>(row.tcp_flags));
  Put<int32_t>(kTcpWindow, row.tcp_window);
  SetValid(kSrcPort, row.has_ports);
  SetValid(kDstPort, row.has_ports);
  SetValid(kTcpFlags, row.is_tcp);
  SetValid(kTcpWindow, row.is_tcp);
  Put<int32_t>(kPayloadLen, row.payload_len);
  Put<int8_t>(kDirection, row.direction);
  Put<int64_t>(kInterArrivalUs, row.inter_arrival_us);
  Put<int64_t>(kFlowIndex, row.flow_index);
  const bool in_flow = row.flow_index != 0;  // later fragments belong to no flow
  SetValid(kDirection, in_flow);
  SetValid(kInterArrivalUs, in_flow);
  SetValid(kFlowIndex, in_flow);
  EndRow();
}

void ParquetRows::Append(const FlowRecord& flow) {
  // Columns in the order of FlowColumns(splt_), after source_file.
  size_t c = 0;
  auto text = [&](const std::string& value) {
    duckdb_vector_assign_string_element_len(vectors_[c++], chunk_rows_, value.data(), value.size());
  };
  auto number = [&]<typename T>(T value, bool valid = true) {
    Put<T>(c, value);
    SetValid(c, valid);
    ++c;
  };
  auto integer = [&](int64_t value) { Put<int64_t>(c++, value); };
  auto stats = [&](const IntegerStats& s) {
    const bool valid = s.count > 0;
    number(valid ? s.min : int64_t{0}, valid);
    number(valid ? s.max : int64_t{0}, valid);
    number(valid ? s.Mean() : 0.0, valid);
    number(valid ? s.Std() : 0.0, valid);
  };
  const FlowDirection& fwd = flow.directions[0];
  const FlowDirection& bwd = flow.directions[1];
  integer(flow.flow_index);
  integer(flow.first_packet_index);
  integer(flow.last_packet_index);
  Put<int8_t>(c++, static_cast<int8_t>(flow.ip_version));
  Put<int16_t>(c++, flow.ip_proto);
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
  EndRow();
}

Result<std::unique_ptr<ParquetFileWriter>> ParquetFileWriter::Create(std::vector<ColumnSpec> columns) {
  // One DuckDB thread: the COPY runs on the calling thread, so writers on several threads write
  // several files at once, and a file's row groups always follow its rows' order.
  auto db = DuckDatabase::OpenInMemory(1);
  if (!db.ok()) return db.status();
  std::unique_ptr<ParquetFileWriter> writer(
      new ParquetFileWriter(std::move(db).value(), FileColumns(std::move(columns))));
  const Status registered = writer->db_.RegisterTableFunction("tad_rows", writer.get(), &ParquetFileWriter::Bind,
                                                              &ParquetFileWriter::Init, &ParquetFileWriter::Scan);
  if (!registered.ok()) return registered;
  return writer;
}

ParquetFileWriter::~ParquetFileWriter() {
  if (source_file_) duckdb_destroy_value(&source_file_);
}

void ParquetFileWriter::Bind(duckdb_bind_info info) {
  auto* writer = static_cast<ParquetFileWriter*>(duckdb_bind_get_extra_info(info));
  for (const ColumnSpec& column : writer->columns_) {
    duckdb_logical_type type = duckdb_create_logical_type(DuckType(column.type));
    duckdb_bind_add_result_column(info, column.name.c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
}

// One thread scans, so the COPY sees the rows in the order they were appended.
void ParquetFileWriter::Init(duckdb_init_info info) { duckdb_init_set_max_threads(info, 1); }

void ParquetFileWriter::Scan(duckdb_function_info info, duckdb_data_chunk output) {
  auto* writer = static_cast<ParquetFileWriter*>(duckdb_function_get_extra_info(info));
  ParquetRows& rows = *writer->rows_;
  if (writer->scan_next_ >= rows.full_) {
    duckdb_data_chunk_set_size(output, 0);
    return;
  }
  duckdb_data_chunk chunk = rows.chunks_[writer->scan_next_++];
  // source_file is the same in every row of a file: a constant vector.
  duckdb_vector_reference_value(duckdb_data_chunk_get_vector(output, 0), writer->source_file_);
  for (idx_t i = 0; i < rows.columns_.size(); ++i) {
    duckdb_vector_reference_vector(duckdb_data_chunk_get_vector(output, i + 1), duckdb_data_chunk_get_vector(chunk, i));
  }
  duckdb_data_chunk_set_size(output, duckdb_data_chunk_get_size(chunk));
}

Status ParquetFileWriter::Write(ParquetRows& rows, const std::filesystem::path& path) {
  // The last chunk, partly filled, joins the full ones.
  if (rows.chunk_rows_ > 0) {
    duckdb_data_chunk_set_size(rows.chunks_[rows.full_], rows.chunk_rows_);
    ++rows.full_;
    rows.chunk_rows_ = 0;
    rows.NextChunk();
  }
  if (source_file_) duckdb_destroy_value(&source_file_);
  source_file_ = duckdb_create_varchar_length(rows.source_file_.data(), rows.source_file_.size());
  rows_ = &rows;
  scan_next_ = 0;
  const Status copied =
      db_.Execute(fmt::format("COPY (SELECT * FROM tad_rows()) TO {} (FORMAT parquet{}{})", SqlQuote(path.string()),
                              kParquetEncoding, copy_options_))
          .WithContext("writing " + path.string());
  rows_ = nullptr;
  return copied;
}

}  // namespace tad
