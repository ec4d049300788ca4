#pragma once
/// The serial, pure histogram builder: exact integer sums per (node, feature, bin, statistic).
///
/// Rows are kept grouped by node (as LightGBM's DataPartition): one array of row indices per level
/// in which every node owns a range, so counting a node visits only its own rows, and only for the
/// features its split may use (a forest's node tries a feature subset). Nodes are counted in
/// parallel, each by one thread into its own slice of the output, or (when a level has fewer nodes
/// than threads) in row chunks whose slices are then added. Integer sums do not depend on the
/// order, so the result is the same for any thread count (and, after one allreduce, for any
/// executor count).

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "cluster/communicator.h"
#include "common/uninitialized_vector.h"
#include "dataset/parquet_dataset.h"

namespace tad {

/// Binned training rows of one executor: row-major bins, class indices and row identities (the
/// hash that decides samples: a forest's bootstrap weights, boosting's validation rows). A feature
/// with more than 256 bins (--max-bins above 255) takes 2 bytes of a row (little-endian), the
/// others 1 byte.
class BinnedRows {
 public:
  /// Column widths from the features' bins, and room for `rows` rows (labels and identities are
  /// appended separately).
  void Allocate(const std::vector<FeatureBins>& bins, int64_t rows);
  int32_t features() const { return static_cast<int32_t>(column_offset_.size()); }
  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
  /// Bytes per row; equal to features() unless a column is wide.
  size_t row_bytes() const { return row_bytes_; }
  bool has_wide_columns() const { return row_bytes_ != column_offset_.size(); }
  size_t column_offset(int32_t feature) const { return column_offset_[static_cast<size_t>(feature)]; }
  /// 0xFF for a 1-byte column, 0xFFFF for a 2-byte one: a column's bin is its first two bytes
  /// (little-endian) masked (the buffer has a byte of padding, so the last column can be read so).
  uint16_t column_mask(int32_t feature) const { return column_mask_[static_cast<size_t>(feature)]; }
  const uint8_t* row(int64_t r) const { return bins_.data() + static_cast<size_t>(r) * row_bytes_; }
  uint16_t bin(int64_t r, int32_t feature) const { return ReadBin(row(r), feature); }
  uint16_t ReadBin(const uint8_t* row, int32_t feature) const {
    const uint8_t* at = row + column_offset(feature);
    return static_cast<uint16_t>((at[0] | (at[1] << 8)) & column_mask(feature));
  }
  /// Stores row r's bins, one per feature in order.
  void SetRow(int64_t r, const uint16_t* bins) {
    uint8_t* row = bins_.data() + static_cast<size_t>(r) * row_bytes_;
    const size_t features = column_offset_.size();
    if (!has_wide_columns()) {
      for (size_t f = 0; f < features; ++f) row[f] = static_cast<uint8_t>(bins[f]);
      return;
    }
    for (size_t f = 0; f < features; ++f) {
      uint8_t* at = row + column_offset_[f];
      at[0] = static_cast<uint8_t>(bins[f]);
      if (column_mask_[f] > 0xFF) at[1] = static_cast<uint8_t>(bins[f] >> 8);
    }
  }
  /// Memory held by the bins.
  size_t bin_bytes() const { return bins_.size(); }

  // Both filled in full by the loader, so resizing them writes nothing.
  UninitializedVector<uint16_t> labels;
  UninitializedVector<uint64_t> identity;

 private:
  UninitializedVector<uint8_t> bins_;  // every row is written in full by SetRow
  std::vector<size_t> column_offset_;
  std::vector<uint16_t> column_mask_;
  size_t row_bytes_ = 0;
};

/// Where (feature, bin, statistic) lives inside one node's slice of a histogram buffer. A layout
/// holds every feature, or a subset (a node counted only for its candidate features).
class HistogramLayout {
 public:
  HistogramLayout() = default;
  /// Every feature.
  HistogramLayout(const std::vector<FeatureBins>& bins, int32_t classes);
  /// The listed features only (ascending), in that order.
  HistogramLayout(const std::vector<FeatureBins>& bins, int32_t classes, std::span<const int32_t> features);
  int32_t classes() const { return classes_; }
  int32_t features() const { return static_cast<int32_t>(bins_per_feature_.size()); }
  int32_t bins(int32_t feature) const { return bins_per_feature_[static_cast<size_t>(feature)]; }
  /// The features this layout holds (ascending).
  const std::vector<int32_t>& held() const { return held_; }
  bool holds(int32_t feature) const { return offsets_[static_cast<size_t>(feature)] != kAbsent; }
  /// Offset of (feature, bin 0, class 0) inside a node slice; the feature must be held.
  size_t offset(int32_t feature) const { return offsets_[static_cast<size_t>(feature)]; }
  /// Elements per node.
  size_t node_stride() const { return stride_; }

 private:
  static constexpr size_t kAbsent = ~size_t{0};
  int32_t classes_ = 0;
  std::vector<int32_t> bins_per_feature_;  // every feature's
  std::vector<size_t> offsets_;            // every feature's; kAbsent when not held
  std::vector<int32_t> held_;
  size_t stride_ = 0;
};

/// A node to count: its rows are order[begin, end) of tree `tree`, its histogram has `layout`
/// and goes `offset` elements into the output buffer.
struct CountedNode {
  int64_t begin = 0;
  int64_t end = 0;
  int32_t tree = 0;
  const HistogramLayout* layout = nullptr;
  size_t offset = 0;
};

/// What a row adds to its bin, per classifier. Classes: weight at the row's class (decision tree,
/// forest). Gradients: the row's two fixed-point values, (gradient, hessian) (boosting packs the
/// row count into the hessian's low bits, so a bin needs no third sum). Per-(row, tree) values
/// are tree-major (tree t's rows are contiguous), so a node's rows read them in ascending order.
struct ClassCounts {
  std::span<const uint8_t> bootstrap;  // per (tree, row); empty: 1
  std::span<const int64_t> class_weights;  // per class; empty: 1
};
/// A row's gradient and hessian for one tree, in fixed point, side by side so that counting a row
/// reads one place.
struct GradientPair {
  int64_t gradient;  // no initialiser: boosting allocates them without a pass that zeroes them
  int64_t hessian;
};
struct GradientSums {
  std::span<const GradientPair> pairs;  // per (tree, row)
  /// The counted nodes are roots of different trees over the same rows (each its own copy in
  /// `order`), as a boosting round's trees: all are counted in one pass over the first node's rows,
  /// which reads a row's bins once and adds its trees' pairs into adjacent cells.
  bool shared_roots = false;
};

/// Reused buffers of CountNodes (chunk partials), kept by the caller across levels so that large
/// buffers are not returned to the system and faulted in again every level.
struct HistogramScratch {
  std::vector<int64_t> partials;
};

/// Counts each node's rows into output[offset, offset + layout.node_stride()), zeroed first.
/// `order` holds row indices; the statistic comes from `sums`.
void CountNodes(const BinnedRows& rows, std::span<const uint32_t> order, std::span<const CountedNode> nodes,
                const ClassCounts& sums, int threads, std::span<int64_t> output, HistogramScratch& scratch);
void CountNodes(const BinnedRows& rows, std::span<const uint32_t> order, std::span<const CountedNode> nodes,
                const GradientSums& sums, int threads, std::span<int64_t> output, HistogramScratch& scratch);

/// The split of one node's row range: rows with bin(feature) <= bin go left.
struct RangeSplit {
  int64_t begin = 0;
  int64_t end = 0;
  int32_t feature = 0;
  int32_t bin = 0;
};

/// Reorders each range stably into its left rows then its right rows, in place, and returns where
/// each range's right rows begin. `scratch` holds the largest range once per worker.
std::vector<int64_t> PartitionRows(const BinnedRows& rows, std::span<uint32_t> order,
                                   std::span<const RangeSplit> splits, int threads, std::vector<uint32_t>& scratch);

/// Runs body(begin, end) over [0, count) split into `threads` contiguous blocks.
void ParallelBlocks(int64_t count, int threads, const std::function<void(int64_t, int64_t, int)>& body);

/// Runs body(item) for every item in [0, count) on `threads` threads, each taking the next item
/// not yet taken (for items of uneven size whose results do not depend on who runs them).
void ParallelItems(int64_t count, int threads, const std::function<void(int64_t)>& body);

/// ParallelItems whose body also gets the index of the worker running it, in [0, ItemWorkers):
/// for per-worker scratch.
void ParallelItemsOnWorkers(int64_t count, int threads, const std::function<void(int64_t, int)>& body);
int ItemWorkers(int64_t count, int threads);

/// What one rank measured while training (not part of the model).
struct TrainingStats {
  std::vector<uint64_t> bytes_per_level;  // size of the allreduced histogram buffer per level
  double histogram_seconds = 0;           // building local histograms
  double reduce_seconds = 0;              // inside AllReduceSum
  double split_seconds = 0;               // choosing splits and moving rows to children
};

/// One node of a level that needs a histogram: an open node (it may be split), or a closed child
/// counted only so that its open sibling's histogram can be derived as parent − sibling (exact in
/// integers, so the same global histogram as counting it).
struct LevelNode {
  int32_t tree = 0;
  int32_t node = 0;
  bool open = true;
  std::vector<int32_t> candidates;  // the features an open node's split may use (ascending)
  HistogramLayout layout;           // the features its histogram holds
  int32_t parent = -1;              // derived: the parent's index in the previous level
  int32_t sibling = -1;             // derived: the counted sibling's index in this level
  int64_t begin = 0;                // its rows: order()[begin, end)
  int64_t end = 0;
  bool derived() const { return parent >= 0; }
};

/// The level-wise growth shared by the trainers: every rank counts the histograms of its own rows
/// for all trees' nodes of a level into one buffer, one AllReduceSum makes them global, and the
/// derived ones are computed from the previous level. The trainer then picks splits from
/// histogram(i) (the same on every rank) and calls AddChildren; NextLevel moves the rows.
class LevelGrowth {
 public:
  /// `order` holds the rows of every tree's root (row indices), tree after tree, `root_rows[t]`
  /// of them for tree t; `candidates[t]` are the features tree t's root may split on.
  /// `statistics` per bin: classes, or 2 for boosting (GradientSums' gradient and packed hessian).
  LevelGrowth(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t statistics,
              std::vector<uint32_t> order, const std::vector<int64_t>& root_rows,
              std::vector<std::vector<int32_t>> candidates, int threads);
  /// Starts again from new roots, as the constructor does (boosting's next round), keeping the
  /// memory of the row order, the partition scratch and the histograms, so that no round faults in
  /// fresh pages. `order` is swapped with the previous rows' buffer, for the caller to refill.
  void Restart(std::vector<uint32_t>& order, const std::vector<int64_t>& root_rows,
               std::vector<std::vector<int32_t>> candidates);

  bool done() const { return nodes_.empty(); }
  /// Every node's rows, node after node (row indices): nodes()[i]'s are order()[begin, end). A
  /// node's range stays its rows' place until the next Restart (splits reorder inside it only).
  const std::vector<uint32_t>& order() const { return order_; }
  const std::vector<LevelNode>& nodes() const { return nodes_; }
  /// Collective: counts this rank's rows of the level, all-reduces, derives.
  void Build(const ClassCounts& sums, Communicator& communicator, TrainingStats& stats);
  void Build(const GradientSums& sums, Communicator& communicator, TrainingStats& stats);
  /// Node i's global histogram (nodes()[i].layout).
  const int64_t* histogram(size_t i) const;
  /// Node i is split on (feature, bin) into children whose totals (rows, or weighted rows) are
  /// `totals` and of which `open` ones may be split further on `candidates`. Adds the children
  /// that need a histogram to the next level, in child order: the child with the smaller total
  /// (left on a tie) is counted and its sibling derived when the parent's histogram holds the
  /// sibling's candidates; otherwise each open child is counted.
  void AddChildren(size_t i, int32_t feature, int32_t bin, int32_t left_id, const bool open[2],
                   const int64_t totals[2], std::vector<int32_t> candidates[2]);
  /// Moves every split node's rows to its children and makes the next level current.
  void NextLevel();

 private:
  // A histogram buffer rewritten every level, so never zeroed or copied when it grows: pages are
  // touched only by the writes that fill them, and stay mapped for the next level.
  class Buffer {
   public:
    // Sizes it to `size` elements of unspecified value. Growing reserves kGrowth times the size
    // (at most kMaxSpare elements more): a level's histograms are about twice the previous
    // level's, so the next few levels fit in the pages already written, and reserved pages cost
    // nothing until written.
    void Reuse(size_t size);
    int64_t* data() const { return data_.get(); }
    std::span<int64_t> span() const { return {data_.get(), size_}; }

   private:
    static constexpr size_t kGrowth = 8;
    static constexpr size_t kMaxSpare = size_t{1} << 27;  // 1 GiB
    std::unique_ptr<int64_t[]> data_;
    size_t size_ = 0;
    size_t capacity_ = 0;
  };

  template <class Sums>
  void BuildWith(const Sums& sums, Communicator& communicator, TrainingStats& stats);
  const int64_t* previous_histogram(size_t i) const;

  const BinnedRows& rows_;
  const std::vector<FeatureBins>& bins_;
  int32_t statistics_;
  int threads_;
  std::vector<uint32_t> order_;    // every node's rows, node after node
  std::vector<uint32_t> scratch_;  // PartitionRows'
  std::vector<LevelNode> nodes_;
  std::vector<LevelNode> next_;
  std::vector<RangeSplit> splits_;          // this level's, in AddChildren order
  std::vector<std::pair<size_t, int>> next_range_;  // next_[i]'s rows: (split, side)
  std::vector<size_t> offset_;              // this level's nodes in counted_ or derived_
  std::vector<LevelNode> previous_nodes_;
  std::vector<size_t> parent_offset_;       // previous_nodes_[i]'s histogram in parents_, if copied
  Buffer counted_, derived_;
  Buffer parents_;                          // the previous level's histograms this level derives from
  HistogramScratch scratch_histogram_;
};

}  // namespace tad
