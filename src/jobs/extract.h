#pragma once
/// `tad extract` as a library function: per-packet features (or, with `flows`, per-flow features)
/// of every capture, one sub-folder of `input_dir` per category, into a hive-partitioned Parquet
/// dataset (docs/extract.md, docs/flows.md). The dataset does not depend on the thread count.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dataset/schema.h"
#include "common/status.h"
#include "jobs/capture_pipeline.h"  // PacketCounts
#include "jobs/progress.h"

namespace tad::jobs {

struct ExtractOptions {
  std::string input_dir;
  std::string out_dir;
  double sample = 1.0;  // fraction of rows kept, chosen by identity; in (0, 1]
  uint64_t seed = 0;    // of the sampling hash
  bool overwrite = false;
  bool skip_invalid = false;  // warn about files that are not captures and go on
  int threads = 0;            // threads reading captures and writing Parquet files; 0: one per core
  bool flows = false;         // one row per flow instead of per packet
  double idle_timeout_s = 120;
  double active_timeout_s = 1800;
  int splt = kDefaultSplt;
  uint64_t rows_per_file = 0;  // rows per Parquet file; 0: 122,880 packet rows or 40,960 flow rows
  ProgressSink* progress = nullptr;  // bytes read; warnings about skipped or cut-short files
};

struct CategorySummary {
  uint64_t files = 0;
  uint64_t packets = 0;
  uint64_t rows = 0;
};

struct ExtractSummary {
  uint64_t files = 0;  // captures read
  PacketCounts counts;
  uint64_t rows = 0;
  uint64_t bytes = 0;                // of the captures read
  std::vector<std::string> invalid;  // skipped files (skip_invalid), relative to input_dir
  std::map<std::string, CategorySummary> categories;
  double seconds = 0;  // the whole job
};

/// Every file is checked before anything is written: an error leaves no dataset. Bad options are
/// InvalidArgument errors.
Result<ExtractSummary> Extract(const ExtractOptions& options);

}  // namespace tad::jobs
