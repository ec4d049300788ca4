#pragma once
/// Choosing a node's split from its histogram slice, with Spark's rules: each child needs
/// min_instances_per_node rows, the gain must reach min_info_gain, and a node whose best gain is
/// not positive stays a leaf. Ties: larger gain, then lower feature index, then lower threshold.
/// Missing values (the last bin) always go right.

#include <cstdint>
#include <span>
#include <vector>

#include "tree/histogram.h"
#include "tree/parameters.h"

namespace tad {

/// Impurity of integer class counts with `total` rows.
double NodeImpurity(std::span<const int64_t> counts, int64_t total, Impurity impurity);

struct Split {
  bool valid = false;
  int32_t feature = -1;
  int32_t bin = -1;  // rows with bin <= this go left
  double gain = 0;
  std::vector<int64_t> left_counts;
  std::vector<int64_t> right_counts;
};

/// The best split of one node from its histogram slice (layout.node_stride() elements), over the
/// candidate features (ascending; a forest's node tries a subset).
Split FindBestSplit(std::span<const int64_t> node_histogram, const HistogramLayout& layout,
                    std::span<const int64_t> node_counts, std::span<const int32_t> candidate_features,
                    const TreeParameters& parameters);

}  // namespace tad
