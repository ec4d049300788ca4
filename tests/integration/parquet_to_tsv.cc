// Dumps a tad extract dataset (packet or flow rows) as TSV with a header line, every column, sorted
// by source_file and then packet_index or flow_index, so the tshark comparisons
// (extract_tshark_test.py, flows_tshark_test.py) can read it without a Parquet library in Python.
#include <cstdio>
#include <string>

#include "dataset/duckdb_database.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parquet_to_tsv DATASET_DIR\n");
    return 2;
  }
  auto db = tad::ValueOrThrow(tad::DuckDatabase::OpenInMemory(1));
  const std::string glob = std::string(argv[1]) + "/**/*.parquet";
  const std::string sql =
      "COPY (SELECT * FROM read_parquet(" + tad::SqlQuote(glob) + ", hive_partitioning = false) ORDER BY 1, 2) "
      "TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')";
  tad::Status status = db.Execute(sql);
  if (!status.ok()) {
    std::fprintf(stderr, "parquet_to_tsv: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
