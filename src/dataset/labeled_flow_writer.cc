#include "dataset/labeled_flow_writer.h"

#include <arpa/inet.h>

namespace tad {

std::string AddressText(const std::array<uint8_t, 16>& address, int version) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(version == 4 ? AF_INET : AF_INET6, address.data(), text, sizeof(text));
  return text;
}

namespace {

// The record's columns, in order (docs/classify.md).
enum Column {
  kSourceFile, kFlowIndex, kSrcIp, kDstIp, kSrcPort, kDstPort, kIpProto, kFirstTimestampNs, kLastTimestampNs,
  kPackets, kBytes, kEndReason, kPrediction, kProbability, kColumnCount
};
struct LabeledColumn {
  const char* name;
  duckdb_type type;
};
constexpr LabeledColumn kColumns[kColumnCount] = {
    {"source_file", DUCKDB_TYPE_VARCHAR},     {"flow_index", DUCKDB_TYPE_BIGINT},
    {"src_ip", DUCKDB_TYPE_VARCHAR},          {"dst_ip", DUCKDB_TYPE_VARCHAR},
    {"src_port", DUCKDB_TYPE_INTEGER},        {"dst_port", DUCKDB_TYPE_INTEGER},
    {"ip_proto", DUCKDB_TYPE_SMALLINT},       {"first_timestamp_ns", DUCKDB_TYPE_BIGINT},
    {"last_timestamp_ns", DUCKDB_TYPE_BIGINT}, {"packets", DUCKDB_TYPE_BIGINT},
    {"bytes", DUCKDB_TYPE_BIGINT},            {"end_reason", DUCKDB_TYPE_VARCHAR},
    {"prediction", DUCKDB_TYPE_VARCHAR},      {"probability", DUCKDB_TYPE_DOUBLE},
};
bool Nullable(size_t column) { return column == kSrcPort || column == kDstPort; }  // no TCP/UDP: null

// Filled chunks that wait for the COPY at most: enough that it never waits for lack of them, few
// enough (64 × 2,048 rows) that the records of a large run are not all held in memory.
constexpr size_t kMaxQueuedChunks = 64;

}  // namespace

Result<std::unique_ptr<LabeledFlowWriter>> LabeledFlowWriter::Create(const std::filesystem::path& path,
                                                                     bool overwrite) {
  auto output = AtomicOutput::Create(path, overwrite);
  if (!output.ok()) return output.status();
  auto db = DuckDatabase::OpenInMemory(1);
  if (!db.ok()) return db.status();
  std::unique_ptr<LabeledFlowWriter> writer(new LabeledFlowWriter(std::move(*db), std::move(*output)));
  const Status registered = writer->db_.RegisterTableFunction("tad_labeled_flows", writer.get(), &LabeledFlowWriter::Bind,
                                                              &LabeledFlowWriter::Init, &LabeledFlowWriter::Scan);
  if (!registered.ok()) return registered;
  writer->vectors_.resize(kColumnCount);
  writer->data_.resize(kColumnCount);
  writer->validity_.resize(kColumnCount);
  writer->NextChunk();
  LabeledFlowWriter* self = writer.get();
  // A row group per chunk (2,048 rows): DuckDB encodes a row group once it holds all its rows, so
  // with its default of 122,880 rows every record of a run with fewer flows was encoded after the
  // last packet (about 20 ms for 10,275 flows, on a loaded machine); per chunk, only the flows that
  // end with the capture are left to encode, and the COPY encodes those while they are labeled.
  // The file is about 5 % larger (an entry in the footer and dictionaries per row group).
  const std::string copy = "COPY (SELECT * FROM tad_labeled_flows()) TO " +
                           SqlQuote(self->output_.temp_path().string()) +
                           " (FORMAT parquet, ROW_GROUP_SIZE " + std::to_string(duckdb_vector_size()) + ")";
  writer->copy_ = std::thread([self, copy] {
    Status copied = self->db_.Execute(copy);
    std::lock_guard lock(self->mutex_);
    self->copied_ = std::move(copied);
    self->copy_ended_ = true;
    self->changed_.notify_all();
  });
  return writer;
}

LabeledFlowWriter::~LabeledFlowWriter() {
  EndCopy(true);
  for (duckdb_data_chunk chunk : queued_) duckdb_destroy_data_chunk(&chunk);
  for (duckdb_data_chunk* chunk : {&filling_, &scanned_}) {
    if (*chunk) duckdb_destroy_data_chunk(chunk);
  }
}

void LabeledFlowWriter::Bind(duckdb_bind_info info) {
  for (const LabeledColumn& column : kColumns) {
    duckdb_logical_type type = duckdb_create_logical_type(column.type);
    duckdb_bind_add_result_column(info, column.name, type);
    duckdb_destroy_logical_type(&type);
  }
}

// One thread scans, so the COPY writes the rows in the order they were appended.
void LabeledFlowWriter::Init(duckdb_init_info info) { duckdb_init_set_max_threads(info, 1); }

void LabeledFlowWriter::Scan(duckdb_function_info info, duckdb_data_chunk output) {
  auto* writer = static_cast<LabeledFlowWriter*>(duckdb_function_get_extra_info(info));
  if (writer->scanned_) duckdb_destroy_data_chunk(&writer->scanned_);  // DuckDB has copied its rows
  {
    std::unique_lock lock(writer->mutex_);
    writer->changed_.wait(lock, [&] { return !writer->queued_.empty() || writer->ended_; });
    if (writer->stopped_) {
      duckdb_function_set_error(info, "the labeled flows were not all written");
      return;
    }
    if (writer->queued_.empty()) {
      duckdb_data_chunk_set_size(output, 0);
      return;
    }
    writer->scanned_ = writer->queued_.front();
    writer->queued_.pop_front();
    writer->changed_.notify_all();
  }
  for (idx_t c = 0; c < kColumnCount; ++c) {
    duckdb_vector_reference_vector(duckdb_data_chunk_get_vector(output, c),
                                   duckdb_data_chunk_get_vector(writer->scanned_, c));
  }
  duckdb_data_chunk_set_size(output, duckdb_data_chunk_get_size(writer->scanned_));
}

void LabeledFlowWriter::NextChunk() {
  std::vector<duckdb_logical_type> types;
  for (const LabeledColumn& column : kColumns) types.push_back(duckdb_create_logical_type(column.type));
  filling_ = duckdb_create_data_chunk(types.data(), types.size());
  for (duckdb_logical_type& type : types) duckdb_destroy_logical_type(&type);
  for (size_t c = 0; c < kColumnCount; ++c) {
    vectors_[c] = duckdb_data_chunk_get_vector(filling_, c);
    data_[c] = duckdb_vector_get_data(vectors_[c]);
    validity_[c] = nullptr;
    if (Nullable(c)) {
      duckdb_vector_ensure_validity_writable(vectors_[c]);
      validity_[c] = duckdb_vector_get_validity(vectors_[c]);
    }
  }
  rows_ = 0;
}

void LabeledFlowWriter::Queue() {
  duckdb_data_chunk_set_size(filling_, rows_);
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queued_.size() < kMaxQueuedChunks || copy_ended_; });
  if (copy_ended_) {
    duckdb_destroy_data_chunk(&filling_);  // the COPY failed: Finish returns its error
  } else {
    queued_.push_back(filling_);
    changed_.notify_all();
  }
  filling_ = nullptr;
}

void LabeledFlowWriter::EndCopy(bool stop) {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    stopped_ = stopped_ || stop;
    changed_.notify_all();
  }
  if (copy_.joinable()) copy_.join();
}

void LabeledFlowWriter::Append(const LabeledFlow& record) {
  const FlowRecord& flow = *record.flow;
  auto text = [&](Column column, std::string_view value) {
    duckdb_vector_assign_string_element_len(vectors_[column], rows_, value.data(), value.size());
  };
  auto put = [&]<typename T>(Column column, T value) { static_cast<T*>(data_[column])[rows_] = value; };
  text(kSourceFile, record.source_file);
  put(kFlowIndex, int64_t{flow.flow_index});
  text(kSrcIp, AddressText(flow.src_addr, flow.ip_version));
  text(kDstIp, AddressText(flow.dst_addr, flow.ip_version));
  put(kSrcPort, int32_t{flow.src_port});
  put(kDstPort, int32_t{flow.dst_port});
  duckdb_validity_set_row_validity(validity_[kSrcPort], rows_, flow.has_ports);
  duckdb_validity_set_row_validity(validity_[kDstPort], rows_, flow.has_ports);
  put(kIpProto, int16_t{flow.ip_proto});
  put(kFirstTimestampNs, int64_t{flow.first_timestamp_ns});
  put(kLastTimestampNs, int64_t{flow.last_timestamp_ns});
  put(kPackets, static_cast<int64_t>(flow.sizes.count));
  put(kBytes, int64_t{flow.sizes.sum});
  text(kEndReason, FlowEndReasonName(flow.end_reason));
  text(kPrediction, record.prediction);
  put(kProbability, record.probability);
  if (++rows_ == duckdb_vector_size()) {
    Queue();
    NextChunk();
  }
}

Status LabeledFlowWriter::Finish() {
  if (rows_ > 0) Queue();
  EndCopy(false);
  TAD_RETURN_IF_ERROR(copied_);
  return output_.Commit();
}

}  // namespace tad
