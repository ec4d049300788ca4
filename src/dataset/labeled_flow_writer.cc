#include "dataset/labeled_flow_writer.h"

#include <arpa/inet.h>

namespace tad {

std::string AddressText(const std::array<uint8_t, 16>& address, int version) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 4 ? AF_INET : AF_INET6, address.data(), text, sizeof(text));
  return text;
}

Result<std::unique_ptr<LabeledFlowWriter>> LabeledFlowWriter::Create(const std::filesystem::path& path,
                                                                     bool overwrite) {
  auto output = AtomicOutput::Create(path, overwrite);
  if (!output.ok()) return output.status();
  auto db = DuckDatabase::OpenInMemory(1);
  if (!db.ok()) return db.status();
  std::unique_ptr<LabeledFlowWriter> writer(new LabeledFlowWriter(std::move(*db), std::move(*output)));
  TAD_RETURN_IF_ERROR(writer->db_.Execute(
      "CREATE TEMP TABLE flows (source_file VARCHAR, flow_index BIGINT, src_ip VARCHAR, dst_ip VARCHAR, "
      "src_port INTEGER, dst_port INTEGER, ip_proto SMALLINT, first_timestamp_ns BIGINT, last_timestamp_ns BIGINT, "
      "packets BIGINT, bytes BIGINT, end_reason VARCHAR, prediction VARCHAR, probability DOUBLE)"));
  if (duckdb_appender_create(writer->db_.connection(), nullptr, "flows", &writer->appender_) == DuckDBError) {
    return Status::Internal("duckdb: cannot create an appender");
  }
  return writer;
}

LabeledFlowWriter::~LabeledFlowWriter() {
  if (appender_) duckdb_appender_destroy(&appender_);
}

void LabeledFlowWriter::Append(const LabeledFlow& record) {
  const FlowRecord& flow = *record.flow;
  auto text = [&](const std::string& value) { duckdb_append_varchar_length(appender_, value.data(), value.size()); };
  text(record.source_file);
  duckdb_append_int64(appender_, flow.flow_index);
  text(AddressText(flow.src_addr, flow.ip_version));
  text(AddressText(flow.dst_addr, flow.ip_version));
  for (uint16_t port : {flow.src_port, flow.dst_port}) {
    if (flow.has_ports) {
      duckdb_append_int32(appender_, port);
    } else {
      duckdb_append_null(appender_);
    }
  }
  duckdb_append_int16(appender_, flow.ip_proto);
  duckdb_append_int64(appender_, flow.first_timestamp_ns);
  duckdb_append_int64(appender_, flow.last_timestamp_ns);
  duckdb_append_int64(appender_, static_cast<int64_t>(flow.sizes.count));
  duckdb_append_int64(appender_, flow.sizes.sum);
  text(FlowEndReasonName(flow.end_reason));
  text(record.prediction);
  duckdb_append_double(appender_, record.probability);
  duckdb_appender_end_row(appender_);
}

Status LabeledFlowWriter::Finish() {
  const bool flushed = duckdb_appender_destroy(&appender_) != DuckDBError;
  appender_ = nullptr;
  if (!flushed) return Status::Internal("duckdb: appending labeled flows failed");
  TAD_RETURN_IF_ERROR(db_.Execute("COPY flows TO " + SqlQuote(output_.temp_path().string()) + " (FORMAT parquet)"));
  return output_.Commit();
}

}  // namespace tad
