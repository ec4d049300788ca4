// The load benchmark's peer (scripts/bench_load.sh): DuckDB's own SELECT of the given columns of
// every Parquet file under a folder into memory (a materialised result), with THREADS threads.
// Prints the row count and the seconds of the query, e.g. `8000000 1.234`.
// Usage: tad_duckdb_select DIR COLUMNS THREADS   (COLUMNS comma-separated)
#include <chrono>
#include <cstdio>
#include <string>

#include "dataset/duckdb_database.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DIR COLUMNS THREADS\n", argv[0]);
    return 2;
  }
  try {
    auto db = tad::ValueOrThrow(tad::DuckDatabase::OpenInMemory(std::stoi(argv[3])));
    const auto start = std::chrono::steady_clock::now();
    auto result = tad::ValueOrThrow(db.Query(std::string("SELECT ") + argv[2] + " FROM read_parquet(" +
                                             tad::SqlQuote(std::string(argv[1]) + "/**/*.parquet") + ")"));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%llu %.6f\n", static_cast<unsigned long long>(duckdb_row_count(result.raw())), seconds);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tad_duckdb_select: %s\n", error.what());
    return 1;
  }
  return 0;
}
