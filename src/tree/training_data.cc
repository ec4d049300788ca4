#include "tree/training_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <type_traits>

#include "common/elapsed.h"
#include "tree/model.h"

namespace tad {
namespace {

template <typename T>
constexpr bool kWholeNumber = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// FeatureBins::Bin without branches: the edges (floats, as they came from float values) padded
// with +inf to a power of two, searched with a fixed number of steps; and for whole-number values
// (counts, ports, lengths: most features) a table from value to bin.
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
    // Entry 0 is for values below the table, the last entry for values beyond it.
    const size_t values = static_cast<size_t>(table_high_ - table_low_) + 1;
    table_.resize(values + 2);
    table_.front() = 0;
    table_.back() = last_bin_;
    for (size_t i = 0; i < values; ++i) table_[i + 1] = Search(static_cast<float>(table_low_ + static_cast<double>(i)));
    whole_table_ = std::abs(table_low_) < kWholeLimit;
    if (whole_table_) whole_low_ = static_cast<int64_t>(table_low_);
  }
  uint16_t Bin(float value) const {
    if (value != value) return missing_;
    if (!table_.empty()) {
      const double offset = static_cast<double>(value) - table_low_;
      if (offset < 0) return 0;
      if (value > table_high_) return last_bin_;
      const auto index = static_cast<size_t>(offset);
      if (static_cast<double>(index) == offset) return table_[index + 1];
    }
    return Search(value);
  }
  /// Bin(static_cast<float>(value)) of a stored value: whole numbers in the table's range straight
  /// from the table (its entry for v is the bin of float(v)).
  template <typename T>
  uint16_t BinStored(T value) const {
    if constexpr (kWholeNumber<T>) {
      const bool fits = std::is_signed_v<T> || sizeof(T) < sizeof(int64_t) ||
                        value <= static_cast<T>(std::numeric_limits<int64_t>::max());
      if (whole_table_ && fits) {
        const uint64_t index = static_cast<uint64_t>(static_cast<int64_t>(value)) - static_cast<uint64_t>(whole_low_);
        if (index < table_.size() - 2) return table_[index + 1];
      }
    }
    return Bin(static_cast<float>(value));
  }
  /// BinStored of `rows` values of type T into out[r * stride]: `values` as they are, or for whole
  /// numbers as offsets from `smallest` (up to `range`).
  template <typename T, typename Stored>
  void BinStoredColumn(const Stored* values, uint64_t smallest, uint64_t range, int64_t rows, uint16_t* out,
                       size_t stride) const {
    if constexpr (kWholeNumber<T>) {
      int64_t offset = 0;
      if (TableHolds<T>(smallest, range, offset)) {
        // One table read a row: values below the table clamp to its first entry, beyond to its last.
        const int64_t last = static_cast<int64_t>(table_.size()) - 1;
        const uint16_t* table = table_.data();
        for (int64_t r = 0; r < rows; ++r) {
          out[static_cast<size_t>(r) * stride] = table[std::clamp<int64_t>(offset + static_cast<int64_t>(values[r]), 0, last)];
        }
        return;
      }
      for (int64_t r = 0; r < rows; ++r) {
        out[static_cast<size_t>(r) * stride] = BinStored(static_cast<T>(smallest + static_cast<uint64_t>(values[r])));
      }
    } else {
      for (int64_t r = 0; r < rows; ++r) out[static_cast<size_t>(r) * stride] = BinStored(values[r]);
    }
  }

 private:
  static constexpr double kMaxTable = 1 << 16;
  static constexpr double kWholeLimit = 0x1p62;
  uint16_t Search(float value) const {
    // Count of edges < value: the position lower_bound would find.
    size_t position = 0;
    for (size_t step = edges_.size() / 2; step > 0; step /= 2) {
      position += edges_[position + step - 1] < value ? step : 0;
    }
    position += edges_[position] < value ? 1 : 0;
    return static_cast<uint16_t>(position);
  }
  // Whether the whole numbers smallest … smallest + range (of type T) can be looked up as
  // table_[offset + (v - smallest)], clamped to the table: they and the table lie within ±2^62, so
  // nothing wraps.
  template <typename T>
  bool TableHolds(uint64_t smallest, uint64_t range, int64_t& offset) const {
    if (!whole_table_) return false;
    const T low = static_cast<T>(smallest);
    const T high = static_cast<T>(smallest + range);
    constexpr auto kLimit = static_cast<int64_t>(kWholeLimit);
    if constexpr (std::is_signed_v<T>) {
      if (low <= -kLimit || high >= kLimit) return false;
    } else {
      if (high >= static_cast<uint64_t>(kLimit)) return false;
    }
    offset = static_cast<int64_t>(low) - whole_low_ + 1;
    return true;
  }

  std::vector<float> edges_;
  uint16_t missing_;
  std::vector<uint16_t> table_;  // bin of table_low_ + i at i + 1; 0 first, last_bin_ last
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

// Bin edges from every rank's sample rows (row-major, `width` values each): each rank summarises
// its own sample, the summaries are gathered and merged, so the edges depend only on the union.
std::vector<FeatureBins> AgreeOnBins(const std::vector<float>& sample, size_t width, int max_bins,
                                     Communicator& communicator, int threads) {
  std::vector<ValueCounts> mine(width);
  ParallelItems(static_cast<int64_t>(width), threads, [&](int64_t item) {
    const size_t f = static_cast<size_t>(item);
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
  ParallelItems(static_cast<int64_t>(width), threads,
                [&](int64_t f) { bins[static_cast<size_t>(f)] = ComputeFeatureBins(all[static_cast<size_t>(f)], max_bins); });
  return bins;
}

// Which rows of one row group are training rows, as the read found: a bit per row, and for each
// 64-row word the training rows in the words before it, so that a row's place among the group's
// training rows (and among its test rows) is a popcount away.
struct GroupSplit {
  std::vector<uint64_t> train_bits;
  std::vector<uint32_t> train_before;
  int64_t train_rows = 0;
  int64_t test_rows = 0;

  bool IsTrain(int64_t row) const { return (train_bits[static_cast<size_t>(row / 64)] >> (row % 64)) & 1; }
  int64_t TrainIndex(int64_t row) const {
    const uint64_t earlier = train_bits[static_cast<size_t>(row / 64)] & ((uint64_t{1} << (row % 64)) - 1);
    return train_before[static_cast<size_t>(row / 64)] + std::popcount(earlier);
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

// Memory for one reading thread's stored chunks: blocks taken as needed and never initialised, so
// that a page costs only once it is written; all freed together.
class ByteArena {
 public:
  template <typename T>
  T* Take(size_t count) {
    const size_t bytes = (count * sizeof(T) + 7) & ~size_t{7};
    if (bytes > left_) {
      const size_t size = std::max(bytes, kBlockBytes);
      blocks_.push_back(std::make_unique_for_overwrite<std::byte[]>(size));
      next_ = blocks_.back().get();
      left_ = size;
    }
    T* taken = reinterpret_cast<T*>(next_);
    next_ += bytes;
    left_ -= bytes;
    return taken;
  }

 private:
  static constexpr size_t kBlockBytes = size_t{8} << 20;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* next_ = nullptr;
  size_t left_ = 0;
};

// One feature's values in a stored chunk, exactly as read: whole numbers as offsets from the
// chunk's smallest value in the fewest bytes that hold them all (1, 2, 4 or 8; the features are
// mostly small counts, ports and lengths), other types as they are.
struct StoredColumn {
  FeatureType type = FeatureType::kFloat;
  uint8_t width = 0;                   // bytes per stored value
  uint64_t smallest = 0;               // whole numbers: the smallest valid value, as uint64_t
  uint64_t range = 0;                  // whole numbers: largest - smallest
  const void* values = nullptr;
  const uint64_t* validity = nullptr;  // nullptr when every row is valid
};

// A chunk's rows kept from the read until the bin edges are known.
struct StoredChunk {
  int64_t first_row = 0;  // in its row group; the rows are consecutive
  int64_t rows = 0;
  int thread = 0;         // whose label dictionary the label ids index
  std::vector<StoredColumn> columns;
  const int32_t* labels = nullptr;         // per row; nullptr when every row has `label`
  int32_t label = 0;
  const uint64_t* train_identity = nullptr;  // the training rows' identities in order; nullptr when
                                             // they are their place in the file (FileRowIdentity)
};

// `validity` when some of the first `rows` rows are NULL, else nullptr (DuckDB hands out a mask
// for columns that can hold NULLs even when none of these rows is).
const uint64_t* SomeInvalid(const uint64_t* validity, int64_t rows) {
  if (!validity) return nullptr;
  const int64_t words = rows / 64;
  for (int64_t w = 0; w < words; ++w) {
    if (~validity[w] != 0) return validity;
  }
  const int64_t tail = rows % 64;
  if (tail > 0 && (~validity[words] & ((uint64_t{1} << tail) - 1)) != 0) return validity;
  return nullptr;
}

template <typename Code, typename T>
void StoreOffsets(const T* values, const uint64_t* validity, int64_t rows, uint64_t smallest, Code* codes) {
  if (!validity) {
    for (int64_t r = 0; r < rows; ++r) codes[r] = static_cast<Code>(static_cast<uint64_t>(values[r]) - smallest);
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const bool valid = (validity[r / 64] >> (r % 64)) & 1;
    codes[r] = valid ? static_cast<Code>(static_cast<uint64_t>(values[r]) - smallest) : 0;
  }
}

StoredColumn StoreColumn(const FeatureColumn& column, int64_t rows, ByteArena& arena) {
  StoredColumn stored;
  stored.type = column.type;
  if (const uint64_t* validity = SomeInvalid(column.validity, rows)) {
    const size_t words = static_cast<size_t>(rows + 63) / 64;
    uint64_t* copy = arena.Take<uint64_t>(words);
    std::memcpy(copy, validity, words * sizeof(uint64_t));
    stored.validity = copy;
  }
  WithTypedData(column, [&](const auto* values) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
    if constexpr (!kWholeNumber<T>) {
      T* copy = arena.Take<T>(static_cast<size_t>(rows));
      std::memcpy(copy, values, static_cast<size_t>(rows) * sizeof(T));
      stored.width = sizeof(T);
      stored.values = copy;
    } else {
      T smallest = std::numeric_limits<T>::max();
      T largest = std::numeric_limits<T>::lowest();
      if (!stored.validity) {
        for (int64_t r = 0; r < rows; ++r) {
          smallest = std::min(smallest, values[r]);
          largest = std::max(largest, values[r]);
        }
      } else {
        for (int64_t r = 0; r < rows; ++r) {
          if (!((stored.validity[r / 64] >> (r % 64)) & 1)) continue;
          smallest = std::min(smallest, values[r]);
          largest = std::max(largest, values[r]);
        }
      }
      if (smallest > largest) smallest = largest = 0;  // every row NULL
      stored.smallest = static_cast<uint64_t>(smallest);
      stored.range = static_cast<uint64_t>(largest) - stored.smallest;
      auto store = [&]<typename Code>(Code*) {
        Code* codes = arena.Take<Code>(static_cast<size_t>(rows));
        StoreOffsets(values, stored.validity, rows, stored.smallest, codes);
        stored.width = sizeof(Code);
        stored.values = codes;
      };
      if (stored.range <= 0xFF) {
        store(static_cast<uint8_t*>(nullptr));
      } else if (stored.range <= 0xFFFF) {
        store(static_cast<uint16_t*>(nullptr));
      } else if (stored.range <= 0xFFFFFFFF) {
        store(static_cast<uint32_t*>(nullptr));
      } else {
        store(static_cast<uint64_t*>(nullptr));
      }
    }
  });
  return stored;
}

// function(typed values, T) with the stored values as they are (T* of the stored type) or as
// offsets (Code*), T the feature's stored type.
template <typename Function>
void WithStoredValues(const StoredColumn& column, Function&& function) {
  WithTypedData(FeatureColumn{column.type, nullptr, nullptr}, [&](const auto* typed) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(typed)>>;
    if constexpr (!kWholeNumber<T>) {
      function(static_cast<const T*>(column.values), T{});
    } else {
      switch (column.width) {
        case 1: return function(static_cast<const uint8_t*>(column.values), T{});
        case 2: return function(static_cast<const uint16_t*>(column.values), T{});
        case 4: return function(static_cast<const uint32_t*>(column.values), T{});
        default: return function(static_cast<const uint64_t*>(column.values), T{});
      }
    }
  });
}

// Row r's value of a stored column in its stored type T.
template <typename T, typename Stored>
T StoredValue(const StoredColumn& column, const Stored* values, int64_t r) {
  if constexpr (kWholeNumber<T>) {
    return static_cast<T>(column.smallest + static_cast<uint64_t>(values[r]));
  } else {
    return values[r];
  }
}

}  // namespace

void TestRowValues(const TrainingData& data, int64_t begin, int64_t end, float* out) {
  const int32_t width = data.test.features();
  std::vector<std::vector<float>> value_of_bin(static_cast<size_t>(width));
  for (int32_t f = 0; f < width; ++f) {
    const FeatureBins& feature = data.bins[static_cast<size_t>(f)];
    std::vector<float>& values = value_of_bin[static_cast<size_t>(f)];
    for (const double edge : feature.edges) {
      values.push_back(edge == std::numeric_limits<double>::infinity() ? std::numeric_limits<float>::infinity()
                                                                       : FloatThresholdAtOrBelow(edge));
    }
    values.push_back(std::numeric_limits<float>::infinity());   // above the last edge
    values.push_back(std::numeric_limits<float>::quiet_NaN());  // missing
  }
  for (int64_t r = begin; r < end; ++r) {
    const uint8_t* row = data.test.row(r);
    for (int32_t f = 0; f < width; ++f) *out++ = value_of_bin[static_cast<size_t>(f)][data.test.ReadBin(row, f)];
  }
}

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

  // Each rank reads its row groups once, on its own, with its threads: each row goes to train or
  // test by its split key, the bin sample's values are kept, and every chunk's feature values are
  // stored compactly (StoredChunk) until the ranks have agreed on the bin edges; then each rank
  // bins its stored rows straight into place. Decoding the Parquet columns is most of the read,
  // so it is done once; the stored values are a few bytes a row.
  const std::vector<size_t> mine = dataset.RowGroupsForRank(communicator.rank(), communicator.size());
  const double sample_fraction =
      std::min(1.0, static_cast<double>(kBinSampleRows) / static_cast<double>(std::max<int64_t>(1, dataset.total_rows())));
  const size_t thread_slots = static_cast<size_t>(std::max(1, threads));
  std::vector<GroupSplit> groups(mine.size());
  for (size_t i = 0; i < mine.size(); ++i) {
    groups[i].train_bits.assign(static_cast<size_t>(dataset.row_groups()[mine[i]].rows + 63) / 64, 0);
  }
  std::vector<std::vector<StoredChunk>> stored(mine.size());
  std::vector<ByteArena> arenas(thread_slots);
  // A forest draws its samples, and boosting its validation rows, by row identity; a single tree
  // needs none, and they are 8 bytes a training row.
  const bool keep_identity = parameters.classifier != Classifier::kDecisionTree;
  const bool identity_columns = keep_identity && dataset.has_row_identity();
  std::vector<std::vector<float>> samples(thread_slots);  // training rows in the bin sample, row-major
  std::vector<std::vector<std::string>> label_names(thread_slots);
  const Status read = ScanRowGroups(
      db, dataset, mine, features, parameters.seed, data.split.split, threads,
      [&](int thread, size_t i, const RowChunk& chunk) {
        GroupSplit& group = groups[i];
        ByteArena& arena = arenas[static_cast<size_t>(thread)];
        std::vector<float>& sample = samples[static_cast<size_t>(thread)];
        StoredChunk& kept = stored[i].emplace_back();
        kept.first_row = chunk.first_row;
        kept.rows = chunk.rows;
        kept.thread = thread;
        int64_t train_rows = 0;
        for (int64_t r = 0; r < chunk.rows; ++r) {
          if (IsTestRow(chunk.split_key[r], parameters.test_fraction)) continue;
          ++train_rows;
          const int64_t row = chunk.first_row + r;
          group.train_bits[static_cast<size_t>(row / 64)] |= uint64_t{1} << (row % 64);
          // Only the sample's values are converted (a few % of the rows).
          if (InBinSample(chunk.identity[r], sample_fraction)) {
            for (size_t f = 0; f < width; ++f) sample.push_back(chunk.features[f].Value(r));
          }
        }
        group.train_rows += train_rows;
        group.test_rows += chunk.rows - train_rows;
        kept.columns.reserve(width);
        for (size_t f = 0; f < width; ++f) kept.columns.push_back(StoreColumn(chunk.features[f], chunk.rows, arena));
        kept.label = chunk.rows > 0 ? chunk.labels[0] : 0;
        if (!std::all_of(chunk.labels, chunk.labels + chunk.rows, [&](int32_t label) { return label == kept.label; })) {
          int32_t* labels = arena.Take<int32_t>(static_cast<size_t>(chunk.rows));
          std::copy(chunk.labels, chunk.labels + chunk.rows, labels);
          kept.labels = labels;
        }
        if (identity_columns) {
          uint64_t* identity = arena.Take<uint64_t>(static_cast<size_t>(train_rows));
          for (int64_t r = 0, k = 0; r < chunk.rows; ++r) {
            if (group.IsTrain(chunk.first_row + r)) identity[k++] = chunk.identity[r];
          }
          kept.train_identity = identity;
        }
        std::vector<std::string>& names = label_names[static_cast<size_t>(thread)];
        if (names.size() != chunk.label_names->size()) names = *chunk.label_names;
        return Status::Ok();
      });
  data.work.task_seconds = SecondsSince(start);
  int64_t rows = 0;
  if (read.ok()) {
    data.work.tasks_completed = mine.size();
    for (size_t index : mine) rows += dataset.row_groups()[index].rows;
    data.work.rows_read = static_cast<uint64_t>(rows);
    data.work.bytes_read = static_cast<uint64_t>(rows) * width * sizeof(float);
  } else {
    data.work.tasks_failed = 1;
  }
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, read));
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
  // Each thread's label ids as classes.
  std::vector<std::vector<uint16_t>> class_of(thread_slots);
  for (size_t t = 0; t < thread_slots; ++t) {
    for (const std::string& name : label_names[t]) {
      const auto found = std::lower_bound(data.classes.begin(), data.classes.end(), name);
      class_of[t].push_back(static_cast<uint16_t>(found - data.classes.begin()));
    }
  }

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
  if (keep_identity) data.train.identity.resize(static_cast<size_t>(train_rows));
  data.test.Allocate(data.bins, test_rows);
  data.test.labels.resize(static_cast<size_t>(test_rows));
  const std::vector<FastBinner> binners(data.bins.begin(), data.bins.end());
  // Each group's stored chunks binned into place, the groups on the threads.
  ParallelItems(static_cast<int64_t>(mine.size()), threads, [&](int64_t item) {
    const size_t i = static_cast<size_t>(item);
    const GroupSplit& group = groups[i];
    const ParquetRowGroup& row_group = dataset.row_groups()[mine[i]];
    const FileRowIdentity file_row_identity(row_group.relative, parameters.seed);
    std::vector<uint16_t> bins;       // a chunk's bins, row-major
    std::vector<int64_t> train_rows;  // a chunk's training rows and test rows
    std::vector<int64_t> test_rows;
    for (const StoredChunk& chunk : stored[i]) {
      const size_t n = static_cast<size_t>(chunk.rows);
      bins.resize(n * width);
      train_rows.clear();
      test_rows.clear();
      for (int64_t r = 0; r < chunk.rows; ++r) (group.IsTrain(chunk.first_row + r) ? train_rows : test_rows).push_back(r);
      // The chunk's rows are consecutive, so its training rows (and test rows) are too.
      const int64_t train_at = train_first[i] + (n > 0 ? group.TrainIndex(chunk.first_row) : 0);
      const int64_t test_at = test_first[i] + chunk.first_row - (train_at - train_first[i]);
      for (size_t f = 0; f < width; ++f) {
        const StoredColumn& column = chunk.columns[f];
        const FastBinner& binner = binners[f];
        WithStoredValues(column, [&](const auto* values, auto type) {
          using T = decltype(type);
          binner.BinStoredColumn<T>(values, column.smallest, column.range, chunk.rows, bins.data() + f, width);
        });
        if (column.validity) {
          const uint16_t missing = binner.Bin(std::numeric_limits<float>::quiet_NaN());
          for (int64_t r = 0; r < chunk.rows; ++r) {
            if (!((column.validity[r / 64] >> (r % 64)) & 1)) bins[static_cast<size_t>(r) * width + f] = missing;
          }
        }
      }
      const std::vector<uint16_t>& classes = class_of[static_cast<size_t>(chunk.thread)];
      auto class_of_row = [&](int64_t r) {
        return classes[static_cast<size_t>(chunk.labels ? chunk.labels[r] : chunk.label)];
      };
      for (size_t k = 0; k < train_rows.size(); ++k) {
        const int64_t r = train_rows[k];
        const auto at = static_cast<size_t>(train_at) + k;
        data.train.SetRow(static_cast<int64_t>(at), bins.data() + static_cast<size_t>(r) * width);
        data.train.labels[at] = class_of_row(r);
        if (!keep_identity) continue;
        data.train.identity[at] = chunk.train_identity
                                      ? chunk.train_identity[k]
                                      : file_row_identity(row_group.first_row + chunk.first_row + r);
      }
      for (size_t k = 0; k < test_rows.size(); ++k) {
        const auto at = static_cast<size_t>(test_at) + k;
        data.test.SetRow(static_cast<int64_t>(at), bins.data() + static_cast<size_t>(test_rows[k]) * width);
        data.test.labels[at] = class_of_row(test_rows[k]);
      }
    }
  });
  stored = {};
  arenas.clear();  // the stored values go
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
