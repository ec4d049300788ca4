// Dumps a tad extract dataset as TSV (one row per packet, sorted), so the tshark comparison
// (extract_tshark_test.py) can read it without a Parquet library in Python; with --count, the
// number of rows of one Parquet file.
#include <cstdio>
#include <string>

#include "dataset/duckdb_database.h"

int main(int argc, char** argv) {
  const bool count = argc == 3 && std::string(argv[1]) == "--count";
  if (argc != 2 && !count) {
    std::fprintf(stderr, "usage: parquet_to_tsv DATASET_DIR | parquet_to_tsv --count PARQUET_FILE\n");
    return 2;
  }
  auto db = tad::ValueOrThrow(tad::DuckDatabase::OpenInMemory(1));
  const std::string glob = std::string(argv[1]) + "/**/*.parquet";
  const std::string sql =
      count ? "COPY (SELECT count(*) FROM read_parquet(" + tad::SqlQuote(argv[2]) + ")) TO '/dev/stdout' (FORMAT csv, HEADER false)" :
      "COPY (SELECT source_file, packet_index, timestamp_ns, frame_len, ip_version, ip_header_len, ip_tos, ip_ttl, "
      "ip_proto, src_port, dst_port, tcp_flags, tcp_window, payload_len, direction, inter_arrival_us "
      "FROM read_parquet(" + tad::SqlQuote(glob) + ", hive_partitioning = false) ORDER BY source_file, packet_index) "
      "TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', HEADER false, NULLSTR '')";
  tad::Status status = db.Execute(sql);
  if (!status.ok()) {
    std::fprintf(stderr, "parquet_to_tsv: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
