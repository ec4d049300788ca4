#include "tree/training_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <thread>
#include <type_traits>

#include "common/elapsed.h"

namespace tad {
namespace {

// FeatureBins::Bin without branches: the edges (floats, as they came from float values) padded
// with +inf to a power of two, searched with a fixed number of steps; and for whole-number values
// between the edges (counts, ports, lengths: most features) a table from value to bin.
class FastBinner {
 public:
  FastBinner(const FeatureBins& bins) : missing_(static_cast<uint16_t>(bins.missing_bin())) {  // NOLINT
    size_t size = 1;
    while (size < bins.edges.size() + 1) size *= 2;
    edges_.assign(size, std::numeric_limits<float>::infinity());
    for (size_t i = 0; i < bins.edges.size(); ++i) edges_[i] = static_cast<float>(bins.edges[i]);
    if (bins.edges.empty()) return;
    // Below `table_low_` every edge is above the value (bin 0), beyond `table_high_` every edge
    // is below it (the last value bin).
    table_low_ = std::floor(bins.edges.front());
    table_high_ = std::ceil(bins.edges.back());
    last_bin_ = static_cast<uint16_t>(bins.edges.size());
    if (table_high_ - table_low_ >= kMaxTable) return;
    table_.resize(static_cast<size_t>(table_high_ - table_low_) + 1);
    whole_table_ = std::abs(table_low_) < 0x1p62;
    if (whole_table_) whole_low_ = static_cast<int64_t>(table_low_);
    for (size_t i = 0; i < table_.size(); ++i) table_[i] = Search(static_cast<float>(table_low_ + static_cast<double>(i)));
  }
  uint16_t Bin(float value) const {
    if (value != value) return missing_;
    if (!table_.empty()) {
      const double offset = static_cast<double>(value) - table_low_;
      if (offset < 0) return 0;
      if (value > table_high_) return last_bin_;
      const auto index = static_cast<size_t>(offset);
      if (static_cast<double>(index) == offset) return table_[index];
    }
    return Search(value);
  }
  /// Bin(static_cast<float>(value)) of a stored value: whole numbers in the table's range straight
  /// from the table (its entry i is the bin of float(table_low_ + i), so of float(value) too).
  template <typename T>
  uint16_t BinStored(T value) const {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const bool fits = std::is_signed_v<T> || sizeof(T) < sizeof(int64_t) ||
                        value <= static_cast<T>(std::numeric_limits<int64_t>::max());
      if (whole_table_ && fits) {
        const uint64_t index = static_cast<uint64_t>(static_cast<int64_t>(value)) - static_cast<uint64_t>(whole_low_);
        if (index < table_.size()) return table_[index];
      }
    }
    return Bin(static_cast<float>(value));
  }

 private:
  static constexpr double kMaxTable = 1 << 16;
  uint16_t Search(float value) const {
    // Count of edges < value: the position lower_bound would find.
    size_t position = 0;
    for (size_t step = edges_.size() / 2; step > 0; step /= 2) {
      position += edges_[position + step - 1] < value ? step : 0;
    }
    position += edges_[position] < value ? 1 : 0;
    return static_cast<uint16_t>(position);
  }

  std::vector<float> edges_;
  uint16_t missing_;
  std::vector<uint16_t> table_;  // bin of table_low_ + i
  double table_low_ = 0;
  double table_high_ = 0;
  uint16_t last_bin_ = 0;
  bool whole_table_ = false;  // whole_low_ is table_low_ (|table_low_| < 2^62, so offsets do not wrap)
  int64_t whole_low_ = 0;
};

// Each feature's bin sample summarised (dataset/ValueCounts), as bytes: per feature the number of
// distinct values, the values, the counts. Far smaller than the sample when values repeat.
std::vector<std::byte> EncodeSample(const std::vector<ValueCounts>& features) {
  std::vector<std::byte> bytes;
  auto append = [&bytes](const void* data, size_t size) {
    const auto* begin = static_cast<const std::byte*>(data);
    bytes.insert(bytes.end(), begin, begin + size);
  };
  for (const ValueCounts& feature : features) {
    const uint64_t distinct = feature.values.size();
    append(&distinct, sizeof distinct);
    append(feature.values.data(), distinct * sizeof(float));
    append(feature.counts.data(), distinct * sizeof(uint32_t));
  }
  return bytes;
}

std::vector<ValueCounts> DecodeSample(const std::vector<std::byte>& bytes, size_t features) {
  std::vector<ValueCounts> decoded(features);
  size_t at = 0;
  auto read = [&bytes, &at](void* data, size_t size) {
    std::memcpy(data, bytes.data() + at, size);
    at += size;
  };
  for (ValueCounts& feature : decoded) {
    uint64_t distinct = 0;
    read(&distinct, sizeof distinct);
    feature.values.resize(distinct);
    feature.counts.resize(distinct);
    read(feature.values.data(), distinct * sizeof(float));
    read(feature.counts.data(), distinct * sizeof(uint32_t));
  }
  return decoded;
}

// body(i) for i in [0, count) on up to `threads` threads.
void ParallelFor(size_t count, int threads, const std::function<void(size_t)>& body) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) body(i);
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < std::min<int>(threads, static_cast<int>(count)); ++t) workers.emplace_back(work);
  work();
  for (auto& worker : workers) worker.join();
}

// Bin edges from every rank's sample rows (row-major, `width` values each): each rank summarises
// its own sample, the summaries are gathered and merged, so the edges depend only on the union.
std::vector<FeatureBins> AgreeOnBins(const std::vector<float>& sample, size_t width, int max_bins,
                                     Communicator& communicator, int threads) {
  std::vector<ValueCounts> mine(width);
  ParallelFor(width, threads, [&](size_t f) {
    std::vector<float> values;
    values.reserve(sample.size() / width);
    for (size_t i = f; i < sample.size(); i += width) values.push_back(sample[i]);
    mine[f] = CountValues(std::move(values));
  });
  const auto gathered = communicator.AllGather(EncodeSample(mine));
  std::vector<ValueCounts> all(width);
  for (const auto& bytes : gathered) {
    std::vector<ValueCounts> of_rank = DecodeSample(bytes, width);
    for (size_t f = 0; f < width; ++f) all[f] = MergeValueCounts(all[f], of_rank[f]);
  }
  std::vector<FeatureBins> bins(width);
  ParallelFor(width, threads, [&](size_t f) { bins[f] = ComputeFeatureBins(all[f], max_bins); });
  return bins;
}

// Which rows of one row group are training rows, as the first read found: a bit per row, and for
// each 64-row word the training rows in the words before it, so that a row's place among the
// group's training rows (and among its test rows) is a popcount away.
struct GroupSplit {
  std::vector<uint64_t> train_bits;
  std::vector<uint32_t> train_before;
  int64_t train_rows = 0;
  int64_t test_rows = 0;

  bool IsTrain(uint32_t row) const { return (train_bits[row / 64] >> (row % 64)) & 1; }
  int64_t TrainIndex(uint32_t row) const {
    const uint64_t earlier = train_bits[row / 64] & ((uint64_t{1} << (row % 64)) - 1);
    return train_before[row / 64] + std::popcount(earlier);
  }
  void CountWords() {
    train_before.resize(train_bits.size());
    uint32_t before = 0;
    for (size_t w = 0; w < train_bits.size(); ++w) {
      train_before[w] = before;
      before += static_cast<uint32_t>(std::popcount(train_bits[w]));
    }
  }
};

}  // namespace

Result<TrainingData> LoadTrainingData(DuckDatabase& db, const ParquetDataset& dataset,
                                      const std::vector<std::string>& features, const TreeParameters& parameters,
                                      Communicator& communicator, int threads, TrainingObserver* observer) {
  const auto start = std::chrono::steady_clock::now();
  const int32_t num_features = static_cast<int32_t>(features.size());
  const size_t width = static_cast<size_t>(num_features);
  TrainingData data;
  data.features = features;
  data.fingerprint = dataset.fingerprint();
  if (observer) observer->OnPhase(TrainingPhase::kLoading);
  // The train/test split as asked, or by the default rule (auto); every rank reads the same
  // metadata and decides alike.
  auto split = ChooseSplit(db, dataset, parameters.split_by);
  if (!split.ok()) return split.status();
  data.split = *split;

  // Each rank reads its row groups twice, on its own, with its threads; the ranks meet after each
  // read. The first read splits the rows into train and test by their split key and keeps only
  // the bin sample (and the label names); once the ranks agree on the bin edges, the second read
  // bins each training row straight into its place and copies each test row into its own. Reading
  // twice costs less than keeping every row's raw values in between (fresh memory, page by page).
  const std::vector<size_t> mine = dataset.RowGroupsForRank(communicator.rank(), communicator.size());
  const double sample_fraction =
      std::min(1.0, static_cast<double>(kBinSampleRows) / static_cast<double>(std::max<int64_t>(1, dataset.total_rows())));
  const size_t thread_slots = static_cast<size_t>(std::max(1, threads));
  std::vector<GroupSplit> groups(mine.size());
  for (size_t i = 0; i < mine.size(); ++i) {
    groups[i].train_bits.assign(static_cast<size_t>(dataset.row_groups()[mine[i]].rows + 63) / 64, 0);
  }
  std::vector<std::vector<float>> samples(thread_slots);  // training rows in the bin sample, row-major
  std::vector<std::vector<std::string>> label_names(thread_slots);
  const Status first_read = ScanRowGroups(
      db, dataset, mine, features, parameters.seed, data.split.split, threads,
      [&](int thread, size_t i, const RowChunk& chunk) {
        GroupSplit& group = groups[i];
        std::vector<float>& sample = samples[static_cast<size_t>(thread)];
        for (int64_t r = 0; r < chunk.rows; ++r) {
          if (IsTestRow(chunk.split_key[r], parameters.test_fraction)) {
            ++group.test_rows;
            continue;
          }
          ++group.train_rows;
          const uint32_t row = chunk.row_in_group[r];
          group.train_bits[row / 64] |= uint64_t{1} << (row % 64);
          // Only the sample's values are converted (a few % of the rows).
          if (InBinSample(chunk.identity[r], sample_fraction)) {
            for (size_t f = 0; f < width; ++f) sample.push_back(chunk.features[f].Value(r));
          }
        }
        std::vector<std::string>& names = label_names[static_cast<size_t>(thread)];
        if (names.size() != chunk.label_names->size()) names = *chunk.label_names;
        return Status::Ok();
      });
  data.work.task_seconds = SecondsSince(start);
  int64_t rows = 0;
  if (first_read.ok()) {
    data.work.tasks_completed = mine.size();
    for (size_t index : mine) rows += dataset.row_groups()[index].rows;
    data.work.rows_read = static_cast<uint64_t>(rows);
    data.work.bytes_read = static_cast<uint64_t>(rows) * width * sizeof(float);
  } else {
    data.work.tasks_failed = 1;
  }
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, first_read));
  if (observer) observer->OnProgress(data.work, TreeProgress{0, 1, 0, parameters.max_depth, 0, 0});

  // Classes: sorted label names over all ranks.
  if (dataset.label_from_partition()) {
    data.classes = dataset.partition_labels();
  } else {
    std::set<std::string> mine_names;
    for (const auto& names : label_names) mine_names.insert(names.begin(), names.end());
    std::string joined;
    for (const auto& name : mine_names) joined += name + '\0';
    std::set<std::string> names;
    for (const std::string& text : AllGatherStrings(communicator, joined)) {
      size_t begin = 0;
      for (size_t end = text.find('\0'); end != std::string::npos; begin = end + 1, end = text.find('\0', begin)) {
        names.insert(text.substr(begin, end - begin));
      }
    }
    data.classes.assign(names.begin(), names.end());
  }
  if (data.classes.size() < 2) {
    return Status::InvalidData(fmt::format("dataset {} has a single class{}; a classifier needs at least two",
                                           dataset.root().string(),
                                           data.classes.empty() ? "" : " ('" + data.classes[0] + "')"));
  }
  if (data.classes.size() > 65535) return Status::InvalidData("more than 65535 classes");

  // Each group's first training row and first test row, in the order of the groups.
  std::vector<int64_t> train_first(mine.size() + 1, 0);
  std::vector<int64_t> test_first(mine.size() + 1, 0);
  for (size_t i = 0; i < mine.size(); ++i) {
    groups[i].CountWords();
    train_first[i + 1] = train_first[i] + groups[i].train_rows;
    test_first[i + 1] = test_first[i] + groups[i].test_rows;
  }
  const int64_t train_rows = train_first.back();
  const int64_t test_rows = test_first.back();
  std::vector<float> sample;
  for (std::vector<float>& part : samples) {
    sample.insert(sample.end(), part.begin(), part.end());
    part = {};
  }
  data.load_seconds = SecondsSince(start);

  const auto binning_start = std::chrono::steady_clock::now();
  if (observer) observer->OnPhase(TrainingPhase::kBinning);
  data.bins = AgreeOnBins(sample, width, parameters.max_bins, communicator, threads);
  sample = {};

  data.train.Allocate(data.bins, train_rows);
  data.train.labels.resize(static_cast<size_t>(train_rows));
  data.train.identity.resize(static_cast<size_t>(train_rows));
  data.test_values.resize(static_cast<size_t>(test_rows) * width);
  data.test_labels.resize(static_cast<size_t>(test_rows));
  const std::vector<FastBinner> binners(data.bins.begin(), data.bins.end());
  std::vector<std::vector<uint16_t>> class_of(thread_slots);  // a thread's label id -> class
  // A thread's chunk: each row's place (training or test index) and bins (row-major).
  struct ChunkPlaces {
    std::vector<int64_t> place;
    std::vector<uint8_t> train;
    std::vector<uint16_t> bins;
    std::vector<uint32_t> test;  // the chunk's test rows
  };
  std::vector<ChunkPlaces> chunk_places(thread_slots);
  const Status second_read = ScanRowGroups(
      db, dataset, mine, features, parameters.seed, data.split.split, threads,
      [&](int thread, size_t i, const RowChunk& chunk) {
        const GroupSplit& group = groups[i];
        const ParquetRowGroup& row_group = dataset.row_groups()[mine[i]];
        std::vector<uint16_t>& classes = class_of[static_cast<size_t>(thread)];
        for (size_t id = classes.size(); id < chunk.label_names->size(); ++id) {
          const auto found = std::lower_bound(data.classes.begin(), data.classes.end(), (*chunk.label_names)[id]);
          classes.push_back(static_cast<uint16_t>(found - data.classes.begin()));
        }
        ChunkPlaces& places = chunk_places[static_cast<size_t>(thread)];
        const size_t n = static_cast<size_t>(chunk.rows);
        places.place.resize(n);
        places.train.resize(n);
        places.bins.resize(n * width);
        places.test.clear();
        for (size_t r = 0; r < n; ++r) {
          const uint32_t row = chunk.row_in_group[r];
          const bool train = group.IsTrain(row);
          if (train == IsTestRow(chunk.split_key[r], parameters.test_fraction)) {
            return Status::InvalidData(fmt::format("{}: row {} changed between two reads of the file",
                                                   row_group.relative, row_group.first_row + row));
          }
          const int64_t train_index = group.TrainIndex(row);
          places.train[r] = train;
          if (!train) places.test.push_back(static_cast<uint32_t>(r));
          places.place[r] = train ? train_first[i] + train_index : test_first[i] + row - train_index;
        }
        // Column by column from DuckDB's vectors, each in its stored type: every row binned (no
        // branch on train or test), then the test rows' values converted.
        for (size_t f = 0; f < width; ++f) {
          const FeatureColumn& column = chunk.features[f];
          const FastBinner& binner = binners[f];
          uint16_t* bins = places.bins.data() + f;
          float* test_values = data.test_values.data() + f;
          WithTypedData(column, [&](const auto* values) {
            if (!column.validity) {
              for (size_t r = 0; r < n; ++r) bins[r * width] = binner.BinStored(values[r]);
            } else {
              const uint16_t missing = binner.Bin(std::numeric_limits<float>::quiet_NaN());
              for (size_t r = 0; r < n; ++r) {
                bins[r * width] = column.IsValid(static_cast<int64_t>(r)) ? binner.BinStored(values[r]) : missing;
              }
            }
          });
          for (uint32_t r : places.test) test_values[static_cast<size_t>(places.place[r]) * width] = column.Value(r);
        }
        for (size_t r = 0; r < n; ++r) {
          const uint16_t label = classes[static_cast<size_t>(chunk.labels[r])];
          const size_t at = static_cast<size_t>(places.place[r]);
          if (!places.train[r]) {
            data.test_labels[at] = label;
            continue;
          }
          data.train.SetRow(static_cast<int64_t>(at), places.bins.data() + r * width);
          data.train.labels[at] = label;
          data.train.identity[at] = chunk.identity[r];
        }
        return Status::Ok();
      });
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, second_read));
  data.work.binned_bytes_held = data.train.bin_bytes() + data.train.labels.size() * sizeof(uint16_t);

  // Global counts.
  std::vector<int64_t> counts(3 + data.classes.size(), 0);
  counts[0] = rows;
  counts[1] = train_rows;
  counts[2] = test_rows;
  for (uint16_t label : data.train.labels) ++counts[3 + label];
  communicator.AllReduceSum(std::span<int64_t>(counts));
  data.rows = counts[0];
  data.train_rows = counts[1];
  data.test_rows = counts[2];
  data.class_counts.assign(counts.begin() + 3, counts.end());
  data.binning_seconds = SecondsSince(binning_start);
  if (data.train_rows == 0) {
    return Status::InvalidData(fmt::format("dataset {} has no training rows (--test-fraction {})",
                                           dataset.root().string(), parameters.test_fraction));
  }
  return data;
}

}  // namespace tad
