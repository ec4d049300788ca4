// Dumps a tad extract dataset (packet or flow rows) as TSV with a header line, every column, sorted
// by source_file and then packet_index or flow_index, so the tshark comparisons
// (extract_tshark_test.py, flows_tshark_test.py) can read it without a Parquet library in Python.
// `parquet_to_tsv --sql STATEMENT` runs one DuckDB statement instead: the ONNX export test writes
// small Parquet datasets with it and dumps rows joined with `tad predict` output.
#include <cstdio>
#include <cstring>
#include <string>

#include "dataset/duckdb_database.h"

int main(int argc, char** argv) {
  const bool statement = argc == 3 && std::strcmp(argv[1], "--sql") == 0;
  if (argc != 2 && !statement) {
    std::fprintf(stderr, "usage: parquet_to_tsv DATASET_DIR | parquet_to_tsv --sql STATEMENT\n");
    return 2;
  }
  auto db = tad::ValueOrThrow(tad::DuckDatabase::OpenInMemory(1));
  std::string sql;
  if (statement) {
    sql = argv[2];
  } else {
    const std::string glob = std::string(argv[1]) + "/**/*.parquet";
    sql = "COPY (SELECT * FROM read_parquet(" + tad::SqlQuote(glob) + ", hive_partitioning = false) ORDER BY 1, 2) "
          "TO '/dev/stdout' (FORMAT csv, DELIMITER '\t', HEADER true, NULLSTR '')";
  }
  tad::Status status = db.Execute(sql);
  if (!status.ok()) {
    std::fprintf(stderr, "parquet_to_tsv: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
