#pragma once
/// The serial, pure histogram builder: exact integer class counts per (node, feature, bin, class)
/// in one contiguous buffer per level. Threads count disjoint row blocks into their own buffers,
/// which are then summed; integer sums do not depend on order, so the result is the same for any
/// thread count (and, after one allreduce, for any executor count).

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "dataset/parquet_dataset.h"

namespace tad {

/// Binned training rows of one executor: row-major bins (rows × features), class indices and row
/// identities (the hash that decides samples: a forest's bootstrap weights, boosting's validation rows).
struct BinnedRows {
  int32_t features = 0;
  std::vector<uint8_t> bins;
  std::vector<uint16_t> labels;
  std::vector<uint64_t> identity;
  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
  const uint8_t* row(int64_t r) const { return bins.data() + r * features; }
};

/// Where (feature, bin, class) lives inside one node's slice of the buffer.
class HistogramLayout {
 public:
  HistogramLayout(const std::vector<FeatureBins>& bins, int32_t classes);
  int32_t classes() const { return classes_; }
  int32_t features() const { return static_cast<int32_t>(bins_per_feature_.size()); }
  int32_t bins(int32_t feature) const { return bins_per_feature_[feature]; }
  /// Offset of (feature, bin 0, class 0) inside a node slice.
  size_t offset(int32_t feature) const { return offsets_[feature]; }
  /// Elements per node.
  size_t node_stride() const { return stride_; }

 private:
  int32_t classes_;
  std::vector<int32_t> bins_per_feature_;
  std::vector<size_t> offsets_;
  size_t stride_ = 0;
};

/// Counts rows into node slices. Row r belongs to one node of each of `trees` trees: its slot in
/// tree t is slot_of_row[r * trees + t] (-1 for none), counted into node slice counted_index[slot]
/// of `histogram`; slots with counted_index -1 are skipped (their histograms are derived, not
/// counted). `weights` (same layout; empty: every row counts once) are a forest's bootstrap
/// weights; `class_weights` (per class; empty: 1) multiply them: a row adds weight × its class's
/// weight. `histogram` holds (counted slots) × node_stride elements and is zeroed first.
/// `thread_buffers` are the other threads' partial histograms: the caller keeps them across calls,
/// so that large buffers are not returned to the system and faulted in again every level.
void BuildHistograms(const BinnedRows& rows, int32_t trees, std::span<const int32_t> slot_of_row,
                     std::span<const uint8_t> weights, std::span<const int64_t> class_weights,
                     std::span<const int32_t> counted_index,
                     const HistogramLayout& layout, int threads, std::span<int64_t> histogram,
                     std::vector<std::vector<int64_t>>& thread_buffers);

/// Runs body(begin, end) over [0, count) split into `threads` contiguous blocks.
void ParallelBlocks(int64_t count, int threads, const std::function<void(int64_t, int64_t, int)>& body);

}  // namespace tad
