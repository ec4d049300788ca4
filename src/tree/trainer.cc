#include "tree/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/hash.h"

#include "common/elapsed.h"
#include "tree/split.h"

namespace tad {
namespace {

int32_t ArgMax(const std::vector<int64_t>& counts) {
  int32_t best = 0;
  for (size_t c = 1; c < counts.size(); ++c) {
    if (counts[c] > counts[static_cast<size_t>(best)]) best = static_cast<int32_t>(c);
  }
  return best;
}

int64_t Total(const std::vector<int64_t>& counts) {
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  return total;
}

// Where the rows of one slot go after this level.
// A slot is a node whose histogram this level needs. Most are open nodes (they may be split);
// a few are closed children counted only so that their open sibling's histogram can be derived
// from the parent's. A slot's histogram is either counted from rows (and all-reduced) or derived
// as parent − sibling, which is exact in integers and so gives the same global histogram.
struct Slot {
  int32_t tree = 0;
  int32_t node = 0;
  bool open = true;
  int32_t parent_slot = -1;   // derived: the parent's slot in the previous level's histogram
  int32_t sibling_slot = -1;  // derived: the counted sibling's slot in this level
  bool derived() const { return parent_slot >= 0; }
};

int32_t SubsetSize(const TreeParameters& parameters, int32_t features) {
  const std::string& strategy = parameters.feature_subset_strategy;
  const double n = features;
  double size = n;
  if (strategy == "auto") {  // Spark: sqrt for a forest, all features for boosting
    size = parameters.classifier == Classifier::kRandomForest ? std::ceil(std::sqrt(n)) : n;
  } else if (strategy == "sqrt") {
    size = std::ceil(std::sqrt(n));
  } else if (strategy == "log2") {
    size = std::max(1.0, std::ceil(std::log2(n)));
  } else if (strategy == "onethird") {
    size = std::ceil(n / 3.0);
  } else if (strategy != "all") {
    size = std::ceil(std::stod(strategy) * n);  // a fraction, validated by the parameter table
  }
  return static_cast<int32_t>(std::clamp(size, 1.0, n));
}

}  // namespace

ForestSampler::ForestSampler(const TreeParameters& parameters)
    : seed_(Mix64(parameters.seed)), bootstrap_(parameters.bootstrap), rate_(parameters.subsampling_rate) {
  // Poisson(rate) by inverse CDF, capped at 255 copies (probability below 1e-300 for rate <= 1).
  double term = std::exp(-rate_);
  double cdf = term;
  for (int k = 1; k <= 255 && cdf < 1.0; ++k) {
    poisson_cdf_.push_back(cdf);
    term *= rate_ / k;
    cdf += term;
  }
}

uint8_t ForestSampler::Weight(uint64_t identity, int32_t tree) const {
  const double u = UnitInterval(HashCombine(identity, HashCombine(seed_, static_cast<uint64_t>(tree))));
  if (!bootstrap_) return u < rate_ ? 1 : 0;
  uint8_t copies = 0;
  while (copies < poisson_cdf_.size() && u >= poisson_cdf_[copies]) ++copies;
  return copies;
}

std::vector<int32_t> CandidateFeatures(const TreeParameters& parameters, int32_t features, int32_t tree,
                                       int32_t node) {
  std::vector<int32_t> all(static_cast<size_t>(features));
  for (int32_t f = 0; f < features; ++f) all[static_cast<size_t>(f)] = f;
  if (parameters.classifier == Classifier::kDecisionTree) return all;
  const int32_t size = SubsetSize(parameters, features);
  if (size >= features) return all;
  // The `size` features with the smallest hash of (seed, tree, node, feature).
  const uint64_t key = HashCombine(HashCombine(Mix64(parameters.seed ^ 0x6665617475726573ULL), static_cast<uint64_t>(tree)),
                                   static_cast<uint64_t>(node));
  std::vector<std::pair<uint64_t, int32_t>> ranked;
  for (int32_t f = 0; f < features; ++f) ranked.emplace_back(HashCombine(key, static_cast<uint64_t>(f)), f);
  std::partial_sort(ranked.begin(), ranked.begin() + size, ranked.end());
  std::vector<int32_t> chosen;
  for (int32_t i = 0; i < size; ++i) chosen.push_back(ranked[static_cast<size_t>(i)].second);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<double> ClassWeightValues(ClassWeights class_weights, const std::vector<int64_t>& class_counts) {
  if (class_weights == ClassWeights::kNone) return {};
  int64_t total = 0;
  for (int64_t count : class_counts) total += count;
  std::vector<double> weights;
  for (int64_t count : class_counts) {
    weights.push_back(count > 0 ? static_cast<double>(total) / (static_cast<double>(class_counts.size()) *
                                                                static_cast<double>(count))
                                : 1.0);
  }
  return weights;
}

std::vector<DecisionTree> TrainTrees(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t classes,
                                     const std::vector<double>& class_weights, const TreeParameters& tree_parameters, Communicator& communicator, int threads,
                                     TrainingObserver* observer, ExecutorWork* work, TrainingStats* stats) {
  // Class weights as integers (at least one unit, so that a class's rows are never lost); sizes
  // are then compared in the same units.
  std::vector<int64_t> fixed_class_weights;
  for (double weight : class_weights) {
    fixed_class_weights.push_back(std::max<int64_t>(1, std::llround(weight * static_cast<double>(kClassWeightUnit))));
  }
  TreeParameters parameters = tree_parameters;
  if (!fixed_class_weights.empty()) parameters.min_instances_per_node *= kClassWeightUnit;
  const HistogramLayout layout(bins, classes);
  const size_t stride = layout.node_stride();
  const bool forest = parameters.classifier == Classifier::kRandomForest;
  const int32_t tree_count = forest ? parameters.num_trees : 1;
  const size_t trees_per_row = static_cast<size_t>(tree_count);
  std::vector<DecisionTree> trees(static_cast<size_t>(tree_count));
  std::vector<Slot> slots;  // the roots, counted
  for (int32_t t = 0; t < tree_count; ++t) {
    trees[static_cast<size_t>(t)].nodes.push_back(TreeNode{});
    slots.push_back(Slot{t, 0, true, -1, -1});
  }
  // Row r's slot in tree t is slot_of_row[r * trees + t]; a forest's rows carry bootstrap weights
  // (a row drawn 0 times is in no slot of that tree).
  std::vector<int32_t> slot_of_row(static_cast<size_t>(rows.rows()) * trees_per_row, 0);
  std::vector<uint8_t> weights;
  if (forest) {
    const ForestSampler sampler(parameters);
    weights.resize(slot_of_row.size());
    ParallelBlocks(rows.rows(), threads, [&](int64_t begin, int64_t end, int) {
      for (int64_t r = begin; r < end; ++r) {
        for (int32_t t = 0; t < tree_count; ++t) {
          const size_t at = static_cast<size_t>(r) * trees_per_row + static_cast<size_t>(t);
          weights[at] = sampler.Weight(rows.identity[static_cast<size_t>(r)], t);
          slot_of_row[at] = weights[at] == 0 ? -1 : t;
        }
      }
    });
  }
  std::vector<int64_t> histogram;      // this level's global histogram, slots × stride
  std::vector<int64_t> previous;       // the previous level's, for derived slots
  std::vector<int64_t> counted;        // the counted slots' histograms, contiguous for one allreduce
  std::vector<std::vector<int64_t>> thread_buffers;  // BuildHistograms' scratch, kept across levels
  TrainingStats local_stats;
  // A child is worth a histogram only if it could still be split.
  auto can_split = [&](const std::vector<int64_t>& counts, int32_t depth) {
    const int64_t total = Total(counts);
    return depth < parameters.max_depth && total >= 2 * parameters.min_instances_per_node &&
           *std::max_element(counts.begin(), counts.end()) < total;
  };

  for (int32_t depth = 0; !slots.empty(); ++depth) {
    const auto level_start = std::chrono::steady_clock::now();
    // Count this executor's rows of the counted slots only.
    std::vector<int32_t> counted_index(slots.size(), -1);
    int32_t counted_slots = 0;
    for (size_t s = 0; s < slots.size(); ++s) {
      if (!slots[s].derived()) counted_index[s] = counted_slots++;
    }
    counted.resize(static_cast<size_t>(counted_slots) * stride);  // BuildHistograms zeroes it
    BuildHistograms(rows, tree_count, slot_of_row, weights, fixed_class_weights, counted_index, layout, threads, counted,
                    thread_buffers);
    local_stats.histogram_seconds += SecondsSince(level_start);

    const auto reduce_start = std::chrono::steady_clock::now();
    communicator.AllReduceSum(std::span<int64_t>(counted));
    local_stats.reduce_seconds += SecondsSince(reduce_start);
    local_stats.bytes_per_level.push_back(counted.size() * sizeof(int64_t));

    const auto split_start = std::chrono::steady_clock::now();
    histogram.resize(slots.size() * stride);  // every slot is copied or derived below: no zeroing
    for (size_t s = 0; s < slots.size(); ++s) {
      if (counted_index[s] < 0) continue;
      std::copy_n(counted.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(counted_index[s]) * stride), stride,
                  histogram.begin() + static_cast<ptrdiff_t>(s * stride));
    }
    for (size_t s = 0; s < slots.size(); ++s) {
      if (!slots[s].derived()) continue;
      const int64_t* parent = previous.data() + static_cast<size_t>(slots[s].parent_slot) * stride;
      const int64_t* sibling = histogram.data() + static_cast<size_t>(slots[s].sibling_slot) * stride;
      int64_t* own = histogram.data() + s * stride;
      for (size_t i = 0; i < stride; ++i) own[i] = parent[i] - sibling[i];
    }

    std::vector<Slot> next_slots;
    std::vector<RowMove> moves(slots.size());
    for (size_t s = 0; s < slots.size(); ++s) {
      const int32_t id = slots[s].node;
      DecisionTree& tree = trees[static_cast<size_t>(slots[s].tree)];
      std::span<const int64_t> node_histogram(histogram.data() + s * stride, stride);
      if (id == 0) {  // the root's counts come from its histogram (any feature sums to them)
        std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
        for (int32_t b = 0; b < layout.bins(0); ++b) {
          for (int32_t c = 0; c < classes; ++c) {
            counts[static_cast<size_t>(c)] += node_histogram[layout.offset(0) + static_cast<size_t>(b * classes + c)];
          }
        }
        tree.nodes[0].counts = std::move(counts);
      }
      if (!slots[s].open) continue;  // counted only for its sibling; its rows are done
      const std::vector<int64_t> counts = tree.nodes[static_cast<size_t>(id)].counts;
      Split split;
      if (can_split(counts, depth)) {
        const std::vector<int32_t> candidates = CandidateFeatures(parameters, layout.features(), slots[s].tree, id);
        split = FindBestSplit(node_histogram, layout, counts, candidates, parameters);
      }
      if (!split.valid) continue;  // stays a leaf; moves[s].feature == -1

      const int32_t left_id = static_cast<int32_t>(tree.nodes.size());
      {
        TreeNode& node = tree.nodes[static_cast<size_t>(id)];
        node.feature = split.feature;
        node.threshold = bins[static_cast<size_t>(split.feature)].edges[static_cast<size_t>(split.bin)];
        node.gain = split.gain;
        node.left = left_id;
        node.right = left_id + 1;
      }
      RowMove& move = moves[s];
      move.feature = split.feature;
      move.bin = split.bin;
      const bool open_child[2] = {can_split(split.left_counts, depth + 1), can_split(split.right_counts, depth + 1)};
      // Count the child with fewer rows (global counts, so every rank chooses alike; left on a tie)
      // and derive the other; a closed child is counted only when its open sibling needs it.
      const int counted_side = Total(split.left_counts) <= Total(split.right_counts) ? 0 : 1;
      // Slots in child order (left, right), so node ids do not depend on which child was counted.
      int32_t child_slot[2] = {-1, -1};
      for (int side = 0; side < 2; ++side) {
        if (open_child[side] || (side == counted_side && open_child[1 - side])) {
          child_slot[side] = static_cast<int32_t>(next_slots.size());
          next_slots.push_back(Slot{slots[s].tree, left_id + side, open_child[side], -1, -1});
        }
      }
      const int derived_side = 1 - counted_side;
      if (open_child[derived_side]) {
        Slot& derived = next_slots[static_cast<size_t>(child_slot[derived_side])];
        derived.parent_slot = static_cast<int32_t>(s);
        derived.sibling_slot = child_slot[counted_side];
      }
      move.left_slot = child_slot[0];
      move.right_slot = child_slot[1];
      for (int side = 0; side < 2; ++side) {
        TreeNode child;
        child.id = left_id + side;
        child.depth = depth + 1;
        child.counts = side == 0 ? split.left_counts : split.right_counts;
        tree.nodes.push_back(std::move(child));
      }
    }

    // Move every row of a split node to its child's slot (or -1 when the child needs no histogram).
    MoveRowsToChildren(rows, moves, trees_per_row, slot_of_row, threads);
    local_stats.split_seconds += SecondsSince(split_start);
    slots = std::move(next_slots);
    previous.swap(histogram);

    if (work) {
      work->tasks_completed += 1;
      work->task_seconds += SecondsSince(level_start);
    }
    if (observer) {
      TreeProgress progress;
      progress.trees_total = tree_count;
      progress.level = depth;
      progress.max_depth = parameters.max_depth;
      for (const auto& tree : trees) {
        progress.nodes += static_cast<int64_t>(tree.nodes.size());
        progress.leaves += tree.leaves();
      }
      observer->OnProgress(work ? *work : ExecutorWork{}, progress);
    }
  }
  for (auto& tree : trees) {
    for (auto& node : tree.nodes) node.prediction = ArgMax(node.counts);
  }
  if (stats) *stats = std::move(local_stats);
  return trees;
}

void MoveRowsToChildren(const BinnedRows& rows, const std::vector<RowMove>& moves, size_t width,
                        std::vector<int32_t>& slot_of_row, int threads) {
  ParallelBlocks(rows.rows(), threads, [&](int64_t begin, int64_t end, int) {
    for (int64_t r = begin; r < end; ++r) {
      for (size_t t = 0; t < width; ++t) {
        int32_t& slot = slot_of_row[static_cast<size_t>(r) * width + t];
        if (slot < 0) continue;
        const RowMove& move = moves[static_cast<size_t>(slot)];
        slot = move.feature < 0 ? -1 : rows.row(r)[move.feature] <= move.bin ? move.left_slot : move.right_slot;
      }
    }
  });
}

}  // namespace tad
