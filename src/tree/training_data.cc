#include "tree/training_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <set>

#include "common/elapsed.h"

namespace tad {
namespace {

// FeatureBins::Bin without branches: the edges (floats, as they came from float values) padded
// with +inf to a power of two, searched with a fixed number of steps.
class FastBinner {
 public:
  FastBinner(const FeatureBins& bins) : missing_(static_cast<uint16_t>(bins.missing_bin())) {  // NOLINT
    size_t size = 1;
    while (size < bins.edges.size() + 1) size *= 2;
    edges_.assign(size, std::numeric_limits<float>::infinity());
    for (size_t i = 0; i < bins.edges.size(); ++i) edges_[i] = static_cast<float>(bins.edges[i]);
  }
  uint16_t Bin(float value) const {
    if (value != value) return missing_;
    // Count of edges < value: the position lower_bound would find.
    size_t position = 0;
    for (size_t step = edges_.size() / 2; step > 0; step /= 2) {
      position += edges_[position + step - 1] < value ? step : 0;
    }
    position += edges_[position] < value ? 1 : 0;
    return static_cast<uint16_t>(position);
  }

 private:
  std::vector<float> edges_;
  uint16_t missing_;
};

std::span<const std::byte> AsBytes(const std::string& text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::string AsString(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
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

  // Rounds: every rank reads at most one row group per round and takes part in every round.
  const std::vector<size_t> mine = dataset.RowGroupsForRank(communicator.rank(), communicator.size());
  const size_t groups = dataset.row_groups().size();
  const size_t size = static_cast<size_t>(communicator.size());
  const size_t rounds = (groups + size - 1) / size;
  LoadedRows loaded;
  loaded.features = num_features;
  int64_t my_rows = 0;
  for (size_t index : mine) my_rows += dataset.row_groups()[index].rows;
  loaded.values.reserve(static_cast<size_t>(my_rows) * static_cast<size_t>(num_features));
  loaded.identity.reserve(static_cast<size_t>(my_rows));
  loaded.labels.reserve(static_cast<size_t>(my_rows));
  Status status;
  for (size_t round = 0; round < rounds; ++round) {
    if (round < mine.size() && status.ok()) {
      const auto task_start = std::chrono::steady_clock::now();
      const ParquetRowGroup& group = dataset.row_groups()[mine[round]];
      data.work.tasks_active = 1;
      const int64_t before = loaded.rows();
      status = ReadRowGroup(db, dataset, group, features, parameters.seed, loaded, data.split.split);
      data.work.tasks_active = 0;
      if (status.ok()) {
        data.work.tasks_completed += 1;
        data.work.rows_read += static_cast<uint64_t>(loaded.rows() - before);
      } else {
        data.work.tasks_failed += 1;
      }
      data.work.bytes_read = loaded.bytes_read;
      data.work.task_seconds += SecondsSince(task_start);
    }
    if (observer) observer->OnProgress(data.work, TreeProgress{0, 1, 0, parameters.max_depth, 0, 0});
  }
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, status));

  // Classes: sorted label names over all ranks.
  if (dataset.label_from_partition()) {
    data.classes = dataset.partition_labels();
  } else {
    std::string joined;
    for (const auto& name : loaded.label_names) joined += name + '\0';
    std::set<std::string> names;
    for (const auto& bytes : communicator.AllGather(AsBytes(joined))) {
      const std::string text = AsString(bytes);
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

  // Train/test split by row identity; training rows compacted in place, test rows moved out.
  const double sample_fraction =
      std::min(1.0, static_cast<double>(kBinSampleRows) / static_cast<double>(std::max<int64_t>(1, dataset.total_rows())));
  std::vector<float> sample;
  int64_t train_rows = 0;
  const int64_t rows = loaded.rows();
  const size_t width = static_cast<size_t>(num_features);
  data.train.labels.reserve(static_cast<size_t>(rows));
  const size_t expected_test = static_cast<size_t>(static_cast<double>(rows) * parameters.test_fraction * 1.05) + 64;
  data.test_values.reserve(expected_test * width);
  data.test_labels.reserve(expected_test);
  for (int64_t r = 0; r < rows; ++r) {
    const float* values = loaded.values.data() + static_cast<size_t>(r) * width;
    const uint16_t label = remap[static_cast<size_t>(loaded.labels[static_cast<size_t>(r)])];
    const uint64_t identity = loaded.identity[static_cast<size_t>(r)];
    if (IsTestRow(loaded.split_key[static_cast<size_t>(r)], parameters.test_fraction)) {
      data.test_values.insert(data.test_values.end(), values, values + width);
      data.test_labels.push_back(label);
      continue;
    }
    if (InBinSample(identity, sample_fraction)) sample.insert(sample.end(), values, values + width);
    std::memmove(loaded.values.data() + static_cast<size_t>(train_rows) * width, values, width * sizeof(float));
    data.train.labels.push_back(label);
    data.train.identity.push_back(identity);
    ++train_rows;
  }
  loaded.identity = {};
  loaded.split_key = {};
  loaded.labels = {};
  data.load_seconds = SecondsSince(start);

  // Bin edges from the gathered sample: sorted inside, so the order of ranks does not matter.
  const auto binning_start = std::chrono::steady_clock::now();
  if (observer) observer->OnPhase(TrainingPhase::kBinning);
  const auto gathered = communicator.AllGather(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(sample.data()), sample.size() * sizeof(float)));
  std::vector<std::vector<float>> per_feature(width);
  for (const auto& bytes : gathered) {
    const size_t count = bytes.size() / sizeof(float);
    const float* values = reinterpret_cast<const float*>(bytes.data());
    for (size_t i = 0; i < count; ++i) per_feature[i % width].push_back(values[i]);
  }
  for (size_t f = 0; f < width; ++f) data.bins.push_back(ComputeFeatureBins(std::move(per_feature[f]), parameters.max_bins));

  data.train.Allocate(data.bins, train_rows);
  std::vector<FastBinner> binners(data.bins.begin(), data.bins.end());
  ParallelBlocks(train_rows, threads, [&](int64_t begin, int64_t end, int) {
    for (int64_t r = begin; r < end; ++r) {
      const float* values = loaded.values.data() + static_cast<size_t>(r) * width;
      for (size_t f = 0; f < width; ++f) data.train.set_bin(r, static_cast<int32_t>(f), binners[f].Bin(values[f]));
    }
  });
  loaded.values = {};
  data.work.binned_bytes_held = data.train.bin_bytes() + data.train.labels.size() * sizeof(uint16_t);

  // Global counts.
  std::vector<int64_t> counts(3 + data.classes.size(), 0);
  counts[0] = rows;
  counts[1] = train_rows;
  counts[2] = static_cast<int64_t>(data.test_labels.size());
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
