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
    : seed_(Mix64(parameters.seed)),
      bootstrap_(parameters.bootstrap),
      rate_units_(static_cast<uint64_t>(std::ceil(std::ldexp(parameters.subsampling_rate, 53)))) {
  // Poisson(rate) by inverse CDF, capped at 255 copies (probability below 1e-300 for rate <= 1).
  const double rate = parameters.subsampling_rate;
  double term = std::exp(-rate);
  double cdf = term;
  for (int k = 1; k <= 255 && cdf < 1.0; ++k) {
    poisson_cdf_units_.push_back(static_cast<uint64_t>(std::ceil(std::ldexp(cdf, 53))));
    term *= rate / k;
    cdf += term;
  }
  poisson_cdf_units_.resize(std::max(poisson_cdf_units_.size(), kFewCopies), uint64_t{1} << 53);
}

uint64_t ForestSampler::TreeKey(int32_t tree) const { return HashCombine(seed_, static_cast<uint64_t>(tree)); }

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
  const int32_t features = static_cast<int32_t>(bins.size());
  const bool forest = parameters.classifier == Classifier::kRandomForest;
  const int32_t tree_count = forest ? parameters.num_trees : 1;
  std::vector<DecisionTree> trees(static_cast<size_t>(tree_count));
  // A forest's rows carry bootstrap weights per (tree, row): a row drawn 0 times is not in that
  // tree's root. Row indices are 32-bit: one rank holds fewer than 2^32 rows.
  std::vector<uint8_t> weights;
  std::vector<std::vector<int32_t>> root_candidates;
  for (int32_t t = 0; t < tree_count; ++t) {
    trees[static_cast<size_t>(t)].nodes.push_back(TreeNode{});
    root_candidates.push_back(CandidateFeatures(parameters, features, t, 0));
  }
  // Each tree's root holds the rows it drew at least once, tree after tree.
  std::vector<int64_t> root_rows(trees.size(), rows.rows());
  if (forest) {
    const ForestSampler sampler(parameters);
    weights.resize(static_cast<size_t>(rows.rows()) * trees.size());
    ParallelItems(tree_count, threads, [&](int64_t t) {
      const uint64_t key = sampler.TreeKey(static_cast<int32_t>(t));
      uint8_t* tree_weights = weights.data() + static_cast<size_t>(t) * static_cast<size_t>(rows.rows());
      int64_t drawn = 0;
      for (int64_t r = 0; r < rows.rows(); ++r) {
        tree_weights[r] = sampler.WeightFor(rows.identity[static_cast<size_t>(r)], key);
        drawn += tree_weights[r] > 0 ? 1 : 0;
      }
      root_rows[static_cast<size_t>(t)] = drawn;
    });
  }
  std::vector<int64_t> root_begin(trees.size() + 1, 0);
  for (size_t t = 0; t < trees.size(); ++t) root_begin[t + 1] = root_begin[t] + root_rows[t];
  std::vector<uint32_t> order(static_cast<size_t>(root_begin.back()));
  ParallelItems(tree_count, threads, [&](int64_t t) {
    int64_t at = root_begin[static_cast<size_t>(t)];
    const int64_t end = root_begin[static_cast<size_t>(t) + 1];
    if (!forest) {
      for (int64_t r = 0; r < rows.rows(); ++r) order[static_cast<size_t>(at++)] = static_cast<uint32_t>(r);
      return;
    }
    // Without branches (a third of the rows are not drawn, unpredictably): every row is written
    // and only a drawn one advances; the tree's range ends with its last drawn row.
    const uint8_t* tree_weights = weights.data() + static_cast<size_t>(t) * static_cast<size_t>(rows.rows());
    for (int64_t r = 0; r < rows.rows() && at < end; ++r) {
      order[static_cast<size_t>(at)] = static_cast<uint32_t>(r);
      at += tree_weights[r] > 0 ? 1 : 0;
    }
  });
  LevelGrowth growth(rows, bins, classes, std::move(order), root_rows, std::move(root_candidates), threads);
  const ClassCounts sums{weights, fixed_class_weights};
  TrainingStats local_stats;
  // A child is worth a histogram only if it could still be split.
  auto can_split = [&](const std::vector<int64_t>& counts, int32_t depth) {
    const int64_t total = Total(counts);
    return depth < parameters.max_depth && total >= 2 * parameters.min_instances_per_node &&
           *std::max_element(counts.begin(), counts.end()) < total;
  };

  for (int32_t depth = 0; !growth.done(); ++depth) {
    const auto level_start = std::chrono::steady_clock::now();
    growth.Build(sums, communicator, local_stats);

    const auto split_start = std::chrono::steady_clock::now();
    // Each split is a pure function of its node's global histogram: chosen on all threads (a deep
    // level has thousands of nodes), then applied in node order, which numbers the children.
    std::vector<Split> splits(growth.nodes().size());
    ParallelItems(static_cast<int64_t>(splits.size()), threads, [&](int64_t s) {
      const LevelNode& slot = growth.nodes()[static_cast<size_t>(s)];
      const int32_t id = slot.node;
      DecisionTree& tree = trees[static_cast<size_t>(slot.tree)];
      std::span<const int64_t> node_histogram(growth.histogram(static_cast<size_t>(s)), slot.layout.node_stride());
      if (id == 0) {  // the root's counts come from its histogram (any feature sums to them)
        const int32_t feature = slot.layout.held().front();
        std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
        for (int32_t b = 0; b < slot.layout.bins(feature); ++b) {
          for (int32_t c = 0; c < classes; ++c) {
            counts[static_cast<size_t>(c)] +=
                node_histogram[slot.layout.offset(feature) + static_cast<size_t>(b * classes + c)];
          }
        }
        tree.nodes[0].counts = std::move(counts);  // only this item touches this tree's root
      }
      if (!slot.open) return;  // counted only for its sibling; its rows are done
      const std::vector<int64_t>& counts = tree.nodes[static_cast<size_t>(id)].counts;
      if (can_split(counts, depth)) {
        splits[static_cast<size_t>(s)] = FindBestSplit(node_histogram, slot.layout, counts, slot.candidates, parameters);
      }
    });
    std::vector<bool> growing(trees.size(), false);  // trees with nodes at the next level
    for (size_t s = 0; s < growth.nodes().size(); ++s) {
      const LevelNode& slot = growth.nodes()[s];
      const int32_t id = slot.node;
      DecisionTree& tree = trees[static_cast<size_t>(slot.tree)];
      Split& split = splits[s];
      if (!split.valid) continue;  // stays a leaf (or closed)

      const int32_t left_id = static_cast<int32_t>(tree.nodes.size());
      {
        TreeNode& node = tree.nodes[static_cast<size_t>(id)];
        node.feature = split.feature;
        node.threshold = bins[static_cast<size_t>(split.feature)].edges[static_cast<size_t>(split.bin)];
        node.gain = split.gain;
        node.left = left_id;
        node.right = left_id + 1;
      }
      const bool open[2] = {can_split(split.left_counts, depth + 1), can_split(split.right_counts, depth + 1)};
      const int64_t totals[2] = {Total(split.left_counts), Total(split.right_counts)};
      std::vector<int32_t> candidates[2];
      for (int side = 0; side < 2; ++side) {
        if (open[side]) candidates[side] = CandidateFeatures(parameters, features, slot.tree, left_id + side);
      }
      growth.AddChildren(s, split.feature, split.bin, left_id, open, totals, candidates);
      growing[static_cast<size_t>(slot.tree)] = growing[static_cast<size_t>(slot.tree)] || open[0] || open[1];
      for (int side = 0; side < 2; ++side) {
        TreeNode child;
        child.id = left_id + side;
        child.depth = depth + 1;
        child.counts = std::move(side == 0 ? split.left_counts : split.right_counts);
        tree.nodes.push_back(std::move(child));
      }
    }
    growth.NextLevel();
    local_stats.split_seconds += SecondsSince(split_start);

    if (work) {
      work->tasks_completed += 1;
      work->task_seconds += SecondsSince(level_start);
    }
    if (observer) {
      TreeProgress progress;
      progress.trees_total = tree_count;
      progress.trees_done = tree_count - static_cast<int32_t>(std::count(growing.begin(), growing.end(), true));
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

}  // namespace tad
