#include "tree/split.h"

#include <cmath>

namespace tad {

double NodeImpurity(std::span<const int64_t> counts, int64_t total, Impurity impurity) {
  if (total <= 0) return 0.0;
  const double n = static_cast<double>(total);
  double value = impurity == Impurity::kGini ? 1.0 : 0.0;
  for (int64_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / n;
    if (impurity == Impurity::kGini) {
      value -= p * p;
    } else {
      value -= p * std::log2(p);
    }
  }
  return value;
}

Split FindBestSplit(std::span<const int64_t> node_histogram, const HistogramLayout& layout,
                    std::span<const int64_t> node_counts, std::span<const int32_t> candidate_features,
                    const TreeParameters& parameters) {
  Split best;
  const int32_t classes = layout.classes();
  int64_t total = 0;
  for (int64_t c : node_counts) total += c;
  const double parent = NodeImpurity(node_counts, total, parameters.impurity);
  const double n = static_cast<double>(total);
  std::vector<int64_t> left(static_cast<size_t>(classes));
  std::vector<int64_t> right(static_cast<size_t>(classes));
  for (const int32_t f : candidate_features) {
    const int64_t* feature = node_histogram.data() + layout.offset(f);
    std::fill(left.begin(), left.end(), 0);
    int64_t left_total = 0;
    // Split after value bin b; the last value bin and the missing bin always end up right.
    const int32_t value_bins = layout.bins(f) - 1;
    for (int32_t b = 0; b + 1 < value_bins; ++b) {
      const int64_t* bin = feature + static_cast<size_t>(b) * static_cast<size_t>(classes);
      int64_t added = 0;
      for (int32_t c = 0; c < classes; ++c) {
        left[static_cast<size_t>(c)] += bin[c];
        added += bin[c];
      }
      if (added == 0) continue;  // same partition as the previous threshold: keep the lower one
      left_total += added;
      const int64_t right_total = total - left_total;
      if (left_total < parameters.min_instances_per_node || right_total < parameters.min_instances_per_node) continue;
      for (int32_t c = 0; c < classes; ++c) right[static_cast<size_t>(c)] = node_counts[c] - left[static_cast<size_t>(c)];
      const double gain = parent - static_cast<double>(left_total) / n * NodeImpurity(left, left_total, parameters.impurity) -
                          static_cast<double>(right_total) / n * NodeImpurity(right, right_total, parameters.impurity);
      if (gain < parameters.min_info_gain) continue;
      if (!best.valid || gain > best.gain) {
        best.valid = true;
        best.feature = f;
        best.bin = b;
        best.gain = gain;
        best.left_counts = left;
        best.right_counts = right;
      }
    }
  }
  if (best.valid && !(best.gain > 0)) best.valid = false;
  return best;
}

}  // namespace tad
