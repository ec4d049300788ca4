// Dumps a tad extract dataset (packet or flow rows) as TSV with a header line, every column, sorted
// by source_file and then packet_index or flow_index, so the tshark comparisons
// (extract_tshark_test.py, flows_tshark_test.py) can read it without a Parquet library in Python.
// `parquet_to_tsv --sql STATEMENT` runs one DuckDB statement instead: the ONNX export test writes
// small Parquet datasets with it and dumps rows joined with `tad predict` output.
// `parquet_to_tsv --count PARQUET_FILE` prints the number of rows of one Parquet file.
#include <cstdio>
#include <cstring>
#include <string>

#include "dataset/duckdb_database.h"

int main(int argc, char** argv) {
  const std::string mode = argc == 3 ? argv[1] : "";
  if (argc != 2 && mode != "--sql" && mode != "--count") {
    std::fprintf(stderr,
                 "usage: parquet_to_tsv DATASET_DIR | parquet_to_tsv --sql STATEMENT | parquet_to_tsv --count FILE\n");
    return 2;
  }
  auto db = tad::ValueOrThrow(tad::DuckDatabase::OpenInMemory(1));
  std::string sql;
  if (mode == "--sql") {
    sql = argv[2];
  } else if (mode == "--count") {
    sql = "COPY (SELECT count(*) FROM read_parquet(" + tad::SqlQuote(argv[2]) + ")) TO '/dev/stdout' (FORMAT csv, HEADER false)";
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
