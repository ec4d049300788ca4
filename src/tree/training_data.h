#pragma once
/// Loading a dataset over all ranks: each rank reads its share of the row groups once, with its
/// threads and no exchange until all are read, splitting rows into train and test by their split
/// key, keeping the bin sample and storing the feature values compactly; then the ranks agree on
/// the read's status and the class list, exchange summaries of their bin samples (distinct values
/// and counts), and each rank bins its stored rows straight into place. Errors on any rank end the
/// load on every rank with the same Status.

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/collectives.h"
#include "cluster/communicator.h"
#include "common/uninitialized_vector.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "tree/histogram.h"
#include "tree/parameters.h"
#include "tree/training_observer.h"

namespace tad {

struct TrainingData {
  std::string fingerprint;                   // the dataset's
  SplitChoice split;                         // which rows were held out together, and why
  std::vector<std::string> features;
  std::vector<std::string> classes;          // sorted; the same on all ranks
  std::vector<FeatureBins> bins;             // the same on all ranks
  BinnedRows train;                          // this rank's training rows (their identities only
                                             // for a forest or boosting, which sample by them)
  BinnedRows test;                           // this rank's test rows, binned like the training rows
                                             // (no identities); TestRowValues gives values to predict
  // Global figures (the same on all ranks).
  int64_t rows = 0;
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  std::vector<int64_t> class_counts;  // training rows per class
  ExecutorWork work;                  // this rank's loading work
  double load_seconds = 0;
  double binning_seconds = 0;
};

/// Test rows [begin, end) as feature values, row-major, into `out`: each bin as the largest float at
/// or below its upper edge (+inf for the last value bin, NaN for missing). A model trained on
/// `data.bins` splits at edges only, and a value lies in bin b exactly when it is above edge b - 1 and
/// at or below edge b, so every split sends these values the same way as the rows' real values: the
/// predictions are those of the raw rows, for a quarter of the memory.
void TestRowValues(const TrainingData& data, int64_t begin, int64_t end, float* out);

/// The sample for bin edges aims at about this many rows.
inline constexpr int64_t kBinSampleRows = 200000;

/// Collective. `max_bins`, `seed`, `test_fraction` and `label` come from `parameters`.
Result<TrainingData> LoadTrainingData(DuckDatabase& db, const ParquetDataset& dataset,
                                      const std::vector<std::string>& features, const TreeParameters& parameters,
                                      Communicator& communicator, int threads, TrainingObserver* observer);

}  // namespace tad
