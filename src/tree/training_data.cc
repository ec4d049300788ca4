#include "tree/training_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <thread>

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

}  // namespace

Result<TrainingData> LoadTrainingData(DuckDatabase& db, const ParquetDataset& dataset,
                                      const std::vector<std::string>& features, const TreeParameters& parameters,
                                      Communicator& communicator, int threads, TrainingObserver* observer) {
  const auto start = std::chrono::steady_clock::now();
  const int32_t num_features = static_cast<int32_t>(features.size());
  TrainingData data;
  data.features = features;
  data.fingerprint = dataset.fingerprint();
  if (observer) observer->OnPhase(TrainingPhase::kLoading);
  // The train/test split as asked, or by the default rule (auto); every rank reads the same
  // metadata and decides alike.
  auto split = ChooseSplit(db, dataset, parameters.split_by);
  if (!split.ok()) return split.status();
  data.split = *split;

  // Each rank reads its row groups on its own, with its threads; the ranks meet once, after.
  const std::vector<size_t> mine = dataset.RowGroupsForRank(communicator.rank(), communicator.size());
  auto read = ReadRowGroups(db, dataset, mine, features, parameters.seed, data.split.split, threads);
  data.work.task_seconds = SecondsSince(start);
  if (read.ok()) {
    data.work.tasks_completed = mine.size();
    data.work.rows_read = static_cast<uint64_t>(read->rows());
    data.work.bytes_read = read->bytes_read;
  } else {
    data.work.tasks_failed = 1;
  }
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, read.ok() ? Status::Ok() : read.status()));
  if (observer) observer->OnProgress(data.work, TreeProgress{0, 1, 0, parameters.max_depth, 0, 0});
  LoadedRows& loaded = *read;

  // Classes: sorted label names over all ranks.
  if (dataset.label_from_partition()) {
    data.classes = dataset.partition_labels();
  } else {
    std::string joined;
    for (const auto& name : loaded.label_names) joined += name + '\0';
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
  std::vector<uint16_t> remap;
  for (const auto& name : loaded.label_names) {
    remap.push_back(static_cast<uint16_t>(std::lower_bound(data.classes.begin(), data.classes.end(), name) -
                                          data.classes.begin()));
  }

  // Train/test split by the split key, in blocks of rows (one per thread): first each block's
  // counts and bin sample, then, once the edges are known, each block's rows binned or moved to
  // the test rows at its own offsets, in row order.
  const double sample_fraction =
      std::min(1.0, static_cast<double>(kBinSampleRows) / static_cast<double>(std::max<int64_t>(1, dataset.total_rows())));
  const int64_t rows = loaded.rows();
  const size_t width = static_cast<size_t>(num_features);
  struct Block {
    int64_t train_rows = 0;
    int64_t test_rows = 0;
    std::vector<float> sample;  // training rows in the bin sample, row-major
  };
  std::vector<Block> blocks(static_cast<size_t>(std::max(1, threads)));
  auto is_test = [&](int64_t r) {
    return IsTestRow(loaded.split_key[static_cast<size_t>(r)], parameters.test_fraction);
  };
  ParallelBlocks(rows, threads, [&](int64_t begin, int64_t end, int t) {
    Block& block = blocks[static_cast<size_t>(t)];
    for (int64_t r = begin; r < end; ++r) {
      if (is_test(r)) {
        ++block.test_rows;
        continue;
      }
      ++block.train_rows;
      if (InBinSample(loaded.identity[static_cast<size_t>(r)], sample_fraction)) {
        const float* values = loaded.values.data() + static_cast<size_t>(r) * width;
        block.sample.insert(block.sample.end(), values, values + width);
      }
    }
  });
  std::vector<float> sample;
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  for (Block& block : blocks) {
    sample.insert(sample.end(), block.sample.begin(), block.sample.end());
    block.sample = {};
    train_rows += block.train_rows;
    test_rows += block.test_rows;
  }
  data.load_seconds = SecondsSince(start);

  const auto binning_start = std::chrono::steady_clock::now();
  if (observer) observer->OnPhase(TrainingPhase::kBinning);
  data.bins = AgreeOnBins(sample, width, parameters.max_bins, communicator, threads);

  data.train.Allocate(data.bins, train_rows);
  data.train.labels.resize(static_cast<size_t>(train_rows));
  data.train.identity.resize(static_cast<size_t>(train_rows));
  data.test_values.resize(static_cast<size_t>(test_rows) * width);
  data.test_labels.resize(static_cast<size_t>(test_rows));
  const std::vector<FastBinner> binners(data.bins.begin(), data.bins.end());
  ParallelBlocks(rows, threads, [&](int64_t begin, int64_t end, int t) {
    size_t train_at = 0;
    size_t test_at = 0;
    for (int u = 0; u < t; ++u) {
      train_at += static_cast<size_t>(blocks[static_cast<size_t>(u)].train_rows);
      test_at += static_cast<size_t>(blocks[static_cast<size_t>(u)].test_rows);
    }
    std::vector<uint16_t> row_bins(width);
    for (int64_t r = begin; r < end; ++r) {
      const float* values = loaded.values.data() + static_cast<size_t>(r) * width;
      const uint16_t label = remap[static_cast<size_t>(loaded.labels[static_cast<size_t>(r)])];
      if (is_test(r)) {
        std::memcpy(data.test_values.data() + test_at * width, values, width * sizeof(float));
        data.test_labels[test_at++] = label;
        continue;
      }
      for (size_t f = 0; f < width; ++f) row_bins[f] = binners[f].Bin(values[f]);
      data.train.SetRow(static_cast<int64_t>(train_at), row_bins.data());
      data.train.labels[train_at] = label;
      data.train.identity[train_at++] = loaded.identity[static_cast<size_t>(r)];
    }
  });
  loaded = {};
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
