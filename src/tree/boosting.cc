#include "tree/boosting.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "common/elapsed.h"
#include "common/hash.h"

namespace tad {
namespace {

// Per (feature, bin) of a node's histogram slice: the gradient sum and the packed hessian sum and
// rows (HessianPacking), laid out as HistogramLayout's two "classes".
constexpr int32_t kStatsPerBin = 2;
// Fixed-point units per 1.0 of validation log loss: a row's loss is at most -log(1e-15) ≈ 34.5, so
// 2^20 units keep sums of 2^37 rows inside 64 bits.
constexpr double kLossScale = 1048576.0;
constexpr double kMinProbability = 1e-15;
constexpr uint64_t kValidationSalt = 0x76616c6964617465ULL;  // "validate"
constexpr uint64_t kSampleSalt = 0x73616d706c696e67ULL;      // "sampling"

struct NodeStats {
  int64_t gradient = 0;  // kGradientScale units
  int64_t hessian = 0;   // HessianPacking::hessian_scale units
  int64_t rows = 0;
  NodeStats operator-(const NodeStats& other) const {
    return {gradient - other.gradient, hessian - other.hessian, rows - other.rows};
  }
};

// To the nearest integer, halves away from zero (a multiply and a convert; std::llround is a call).
int64_t RoundToFixed(double value) { return static_cast<int64_t>(value + std::copysign(0.5, value)); }

// A bin's rows and hessian sum share one 64-bit sum, (hessian units << count_bits) + rows: every
// row adds its hessian (at least one unit, so that no node with rows has a zero hessian) above
// count_bits and one below. count_bits holds the boosting rows of all ranks, so the rows never
// carry into the hessian, and hessian_scale is the largest power of two that keeps the sum of all
// those rows' largest possible hessians inside 63 bits. Both are functions of global figures, the
// same on every rank. The histogram kernel then adds two values per (row, feature), not three.
struct HessianPacking {
  int32_t count_bits = 0;
  double hessian_scale = 0;  // fixed-point units per 1.0 of hessian

  HessianPacking(int64_t rows, double largest_hessian) {
    rows = std::max<int64_t>(rows, 1);
    count_bits = static_cast<int32_t>(std::bit_width(static_cast<uint64_t>(rows)));
    // rows * ((units << count_bits) + 1) <= INT64_MAX for any row's units up to `limit`.
    const int64_t limit = (std::numeric_limits<int64_t>::max() / rows - 1) >> count_bits;
    int32_t bits = 32;  // no finer than the gradient's units
    while (bits > -64 && std::max(1.0, std::ldexp(largest_hessian, bits) + 0.5) > static_cast<double>(limit)) --bits;
    hessian_scale = std::ldexp(1.0, bits);
  }
  int64_t Pack(double hessian) const {
    return (std::max<int64_t>(1, RoundToFixed(hessian * hessian_scale)) << count_bits) + 1;
  }
  NodeStats Unpack(int64_t gradient, int64_t packed) const {
    return {gradient, packed >> count_bits, packed & ((int64_t{1} << count_bits) - 1)};
  }
  double Hessian(const NodeStats& stats) const { return static_cast<double>(stats.hessian) / hessian_scale; }
};

// XGBoost's structure score G^2 / (H + lambda), in real units.
double StructureScore(const NodeStats& stats, const HessianPacking& packing, double lambda) {
  const double g = static_cast<double>(stats.gradient) / kGradientScale;
  return g * g / (packing.Hessian(stats) + lambda);
}

double LeafValue(const NodeStats& stats, const HessianPacking& packing, const TreeParameters& parameters) {
  const double g = static_cast<double>(stats.gradient) / kGradientScale;
  return -g / (packing.Hessian(stats) + parameters.reg_lambda) * parameters.step_size;
}

bool EnoughHessian(const NodeStats& stats, const HessianPacking& packing, double minimum) {
  return packing.Hessian(stats) >= minimum;
}

struct GradientSplit {
  bool valid = false;
  int32_t feature = -1;
  int32_t bin = -1;  // rows with bin <= this go left
  double gain = 0;
  NodeStats left;
  NodeStats right;
};

// The best split of a node: XGBoost's loss reduction 0.5 * (score(L) + score(R) - score(parent)),
// each child with min_instances_per_node rows and min_hessian_per_node hessian, gain at least
// min_info_gain and positive. Ties: larger gain, then lower feature, then lower bin; the missing
// bin always goes right (as the decision tree's FindBestSplit).
GradientSplit FindGradientSplit(const int64_t* node, const HistogramLayout& layout, const NodeStats& total,
                                const std::vector<int32_t>& candidates, const HessianPacking& packing,
                                const TreeParameters& parameters) {
  GradientSplit best;
  const double lambda = parameters.reg_lambda;
  const double parent = StructureScore(total, packing, lambda);
  for (const int32_t f : candidates) {
    const int64_t* feature = node + layout.offset(f);
    int64_t left_gradient = 0;
    int64_t left_packed = 0;
    const int32_t value_bins = layout.bins(f) - 1;
    for (int32_t b = 0; b + 1 < value_bins; ++b) {
      const int64_t* bin = feature + static_cast<size_t>(b) * kStatsPerBin;
      if (bin[1] == 0) continue;  // no rows: same partition as the previous threshold, keep the lower one
      left_gradient += bin[0];
      left_packed += bin[1];
      const NodeStats left = packing.Unpack(left_gradient, left_packed);
      const NodeStats right = total - left;
      if (left.rows < parameters.min_instances_per_node || right.rows < parameters.min_instances_per_node) continue;
      const double minimum = parameters.min_hessian_per_node;
      if (!EnoughHessian(left, packing, minimum) || !EnoughHessian(right, packing, minimum)) continue;
      const double gain =
          0.5 * (StructureScore(left, packing, lambda) + StructureScore(right, packing, lambda) - parent);
      if (gain < parameters.min_info_gain) continue;
      if (!best.valid || gain > best.gain) best = {true, f, b, gain, left, right};
    }
  }
  if (best.valid && !(best.gain > 0)) best.valid = false;
  return best;
}

// A tree under construction: the model's nodes plus what training needs of them.
struct GrowingTree {
  DecisionTree tree;
  std::vector<NodeStats> stats;    // per node
  std::vector<int32_t> split_bin;  // per node: rows with bin <= this go left
};

// A grown tree as the margin update walks it for the rows outside the round's sample: at each
// node, rows whose bin (the two bytes at `column`, masked) is at most `split_bin` go to node `next`,
// the others to next + 1. A leaf leads to itself (mask 0: its bin is 0, at most its split_bin 0),
// so that every row takes `depth` steps.
struct WalkNode {
  size_t column = 0;
  uint16_t mask = 0;
  int32_t split_bin = 0;
  int32_t next = 0;
  double value = 0;
};
struct TreeWalk {
  std::vector<WalkNode> nodes;
  int32_t depth = 0;
};

TreeWalk WalkOf(const GrowingTree& grow, const BinnedRows& rows) {
  TreeWalk walk{std::vector<WalkNode>(grow.tree.nodes.size()), grow.tree.depth()};
  for (size_t i = 0; i < walk.nodes.size(); ++i) {
    const TreeNode& node = grow.tree.nodes[i];
    if (node.is_leaf()) {
      walk.nodes[i] = {0, 0, 0, static_cast<int32_t>(i), node.value};
    } else {
      walk.nodes[i] = {rows.column_offset(node.feature), rows.column_mask(node.feature), grow.split_bin[i], node.left,
                       0};
    }
  }
  return walk;
}

// Moves `count` rows (row_indices) one level down: at[i] is the i-th row's node.
// Kept out of line: inlined into the caller's loops, its variables were spilled to the stack.
[[gnu::noinline]] void StepDown(const WalkNode* nodes, const BinnedRows& rows, const uint32_t* row_indices,
                                size_t count, int32_t* at) {
  for (size_t i = 0; i < count; ++i) {
    const WalkNode& node = nodes[at[i]];
    const uint8_t* bin = rows.row(row_indices[i]) + node.column;
    at[i] = node.next + (((bin[0] | (bin[1] << 8)) & node.mask) > node.split_bin);
  }
}

// Adds each tree's leaf value to the margins (row-major, one per tree) of `count` rows
// (row_indices). Rows go down a tree a level at a time in blocks: the steps of
// different rows do not depend on each other, so their loads overlap, and the side a row takes is
// computed, not branched on.
void WalkLeafValues(const std::vector<TreeWalk>& walks, const BinnedRows& rows, const uint32_t* row_indices,
                    size_t count, double* margins) {
  constexpr size_t kBlock = 256;
  const size_t width = walks.size();
  std::vector<int32_t> block_nodes(kBlock);
  int32_t* at = block_nodes.data();
  for (size_t block = 0; block < count; block += kBlock) {
    const size_t rows_in_block = std::min(kBlock, count - block);
    const uint32_t* block_rows = row_indices + block;
    for (size_t k = 0; k < width; ++k) {
      const WalkNode* nodes = walks[k].nodes.data();
      std::fill_n(at, rows_in_block, 0);
      for (int32_t level = 0; level < walks[k].depth; ++level) StepDown(nodes, rows, block_rows, rows_in_block, at);
      for (size_t i = 0; i < rows_in_block; ++i) margins[block_rows[i] * width + k] += nodes[at[i]].value;
    }
  }
}

// A node's rows in the round's final row order (LevelGrowth::order()), where known: a node that
// was counted at some level, or whose parent's other child was (a partition is stable and puts
// the left child's rows first).
struct RowRange {
  int64_t begin = -1;
  int64_t end = -1;
  bool known() const { return begin >= 0; }
};

// Where a sampled row ended in a tree: a leaf, or a last split whose two leaves were counted at
// no level, so that its rows were never partitioned. Rows whose bin at `column` (masked) is at
// most `split_bin` add `value` to their margin, the others `right_value`; a leaf has mask 0 (every
// row's bin reads 0).
struct FinalNode {
  size_t column = 0;
  uint16_t mask = 0;
  int32_t split_bin = 0;
  double value = 0;
  double right_value = 0;
};
// A tree's final nodes and their rows in the round's final row order (LevelGrowth::order()).
struct TreeEnd {
  std::vector<FinalNode> nodes;
  std::vector<RowRange> ranges;
};

// A final node's index per (tree, row) is 16 bits: deeper trees are walked instead.
constexpr size_t kMaxFinalNodes = size_t{1} << 16;

// Tree `grow`'s final nodes, from the ranges of the nodes that were counted (`ranges`, by node id).
TreeEnd EndOf(const GrowingTree& grow, std::vector<RowRange> ranges, const BinnedRows& rows) {
  TreeEnd end;
  const std::vector<TreeNode>& nodes = grow.tree.nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {  // children have larger ids than their parent
    const TreeNode& node = nodes[i];
    const RowRange parent = ranges[i];
    if (node.is_leaf()) {
      if (!parent.known()) continue;  // its parent's final node holds it
      end.nodes.push_back({0, 0, 0, node.value, 0});
      end.ranges.push_back(parent);
      continue;
    }
    RowRange& left = ranges[static_cast<size_t>(node.left)];
    RowRange& right = ranges[static_cast<size_t>(node.right)];
    if (left.known() && !right.known()) {
      right = {left.end, parent.end};
    } else if (right.known() && !left.known()) {
      left = {parent.begin, right.begin};
    } else if (!left.known()) {
      end.nodes.push_back({rows.column_offset(node.feature), rows.column_mask(node.feature), grow.split_bin[i],
                           nodes[static_cast<size_t>(node.left)].value, nodes[static_cast<size_t>(node.right)].value});
      end.ranges.push_back(parent);
    }
  }
  return end;
}

// What final node `node` adds to the margin of a row whose bins are `row`.
inline double FinalValue(const FinalNode& node, const uint8_t* row) {
  const uint8_t* bin = row + node.column;
  return ((bin[0] | (bin[1] << 8)) & node.mask) <= node.split_bin ? node.value : node.right_value;
}

bool Sampled(const TreeParameters& parameters, uint64_t identity, int32_t round) {
  if (parameters.subsampling_rate >= 1.0) return true;
  const uint64_t key = HashCombine(Mix64(parameters.seed ^ kSampleSalt), static_cast<uint64_t>(round));
  return UnitInterval(HashCombine(identity, key)) < parameters.subsampling_rate;
}

}  // namespace

bool IsValidationRow(const TreeParameters& parameters, uint64_t identity) {
  if (parameters.validation_fraction <= 0) return false;
  return UnitInterval(HashCombine(identity, Mix64(parameters.seed ^ kValidationSalt))) <
         parameters.validation_fraction;
}

BoostedTrees TrainBoostedTrees(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t classes,
                               const std::vector<double>& class_weights,
                               const TreeParameters& parameters, Communicator& communicator, int threads,
                               TrainingObserver* observer, ExecutorWork* work, TrainingStats* stats) {
  const int32_t per_round = TreesPerRound(classes);
  const size_t width = static_cast<size_t>(per_round);
  const int32_t features = static_cast<int32_t>(bins.size());
  const int64_t n = rows.rows();
  const size_t cells = static_cast<size_t>(n) * width;
  TrainingStats local_stats;

  std::vector<uint8_t> validation(static_cast<size_t>(n));
  std::vector<int64_t> class_rows(static_cast<size_t>(classes), 0);
  for (int64_t r = 0; r < n; ++r) {
    validation[static_cast<size_t>(r)] = IsValidationRow(parameters, rows.identity[static_cast<size_t>(r)]);
    if (!validation[static_cast<size_t>(r)]) ++class_rows[rows.labels[static_cast<size_t>(r)]];
  }
  communicator.AllReduceSum(std::span<int64_t>(class_rows));

  // The initial margin is the prior: log class shares (softmax), class 1's log-odds (two classes),
  // of the class-weighted rows. A class without boosting rows counts as one row, so the margin
  // stays finite.
  BoostedTrees out;
  auto weight_of = [&](size_t c) { return class_weights.empty() ? 1.0 : class_weights[c]; };
  std::vector<double> prior(static_cast<size_t>(classes));
  double prior_total = 0;
  for (size_t c = 0; c < prior.size(); ++c) {
    prior[c] = static_cast<double>(std::max<int64_t>(class_rows[c], 1)) * weight_of(c);
    prior_total += prior[c];
  }
  if (per_round == 1) {
    out.base_score.push_back(std::log(prior[1] / prior[0]));
  } else {
    for (double share : prior) out.base_score.push_back(std::log(share / prior_total));
  }
  // Row-major (one per tree of a round), filled by all threads, so that they share the first touch
  // of its pages.
  const std::unique_ptr<double[]> margins(new double[cells]);
  ParallelBlocks(n, threads, [&](int64_t begin, int64_t end, int) {
    for (size_t i = static_cast<size_t>(begin) * width; i < static_cast<size_t>(end) * width; ++i) {
      margins[i] = out.base_score[i % width];
    }
  });

  // Mean validation log loss, summed in fixed point over all ranks.
  auto validation_loss = [&]() {
    std::vector<int64_t> sums = {0, 0};  // loss, rows
    std::vector<double> probabilities(static_cast<size_t>(classes));
    for (int64_t r = 0; r < n; ++r) {
      if (!validation[static_cast<size_t>(r)]) continue;
      MarginsToProbabilities(margins.get() + static_cast<size_t>(r) * width, classes, probabilities.data());
      const double p = std::max(probabilities[rows.labels[static_cast<size_t>(r)]], kMinProbability);
      sums[0] += std::llround(-std::log(p) * kLossScale);
      sums[1] += 1;
    }
    communicator.AllReduceSum(std::span<int64_t>(sums));
    return static_cast<double>(sums[0]) / kLossScale / static_cast<double>(std::max<int64_t>(sums[1], 1));
  };
  const bool early_stopping = parameters.validation_fraction > 0;
  double best_loss = early_stopping ? validation_loss() : 0;
  int32_t best_rounds = 0;

  // Two classes: hessian p(1-p) <= 1/4 (times the row's weight); softmax: 2p(1-p) <= 1/2.
  double largest_weight = 1;
  if (!class_weights.empty()) largest_weight = *std::max_element(class_weights.begin(), class_weights.end());
  int64_t boosting_rows = 0;
  for (const int64_t count : class_rows) boosting_rows += count;
  const HessianPacking packing(boosting_rows, largest_weight * (per_round == 1 ? 0.25 : 0.5));
  // Tree-major: tree k's rows are [k * n, (k + 1) * n). Not zeroed: a row's pairs are written in
  // every round it is sampled in and read only then, and its pages are first touched by the
  // threads that write them.
  const std::unique_ptr<GradientPair[]> gradients(new GradientPair[cells]);
  std::vector<uint8_t> in_round(static_cast<size_t>(n));  // boosting rows of this round's sample
  // Reused every round, so that no round faults in fresh pages.
  std::vector<uint32_t> sample;
  std::vector<uint32_t> outside;  // the rows outside the sample (validation rows too)
  std::vector<uint32_t> order;
  std::optional<LevelGrowth> growth;
  std::vector<std::vector<RowRange>> node_rows(width);  // per tree, per node: its rows in growth->order()
  // Per (tree, row), tree-major: the index of the final node the row reached in the round's tree.
  const std::unique_ptr<uint16_t[]> reached(new uint16_t[cells]);
  std::vector<TreeEnd> ends(width);
  bool final_values_pending = false;  // the previous round's sample has yet to add `ends`' values
  std::vector<std::pair<size_t, size_t>> final_nodes;  // (tree, final node) of all trees
  std::vector<TreeWalk> walks(width);
  for (int32_t round = 0; round < parameters.max_iter; ++round) {
    // Each row's gradient and hessian, rounded once to fixed point; rows outside this round's
    // sample (and validation rows) are in no tree's root. The previous round's sample first adds
    // the values of the final nodes it reached (see the end of the round), in the same pass.
    ParallelBlocks(n, threads, [&](int64_t begin, int64_t end, int) {
      std::vector<double> p(static_cast<size_t>(classes));
      for (int64_t r = begin; r < end; ++r) {
        double* row_margins = margins.get() + static_cast<size_t>(r) * width;
        if (final_values_pending && in_round[static_cast<size_t>(r)]) {
          const uint8_t* row = rows.row(r);
          for (size_t k = 0; k < width; ++k) {
            row_margins[k] += FinalValue(ends[k].nodes[reached[k * static_cast<size_t>(n) + static_cast<size_t>(r)]], row);
          }
        }
        in_round[static_cast<size_t>(r)] =
            !validation[static_cast<size_t>(r)] && Sampled(parameters, rows.identity[static_cast<size_t>(r)], round);
        if (!in_round[static_cast<size_t>(r)]) continue;
        MarginsToProbabilities(row_margins, classes, p.data());
        const int32_t label = rows.labels[static_cast<size_t>(r)];
        const double weight = weight_of(static_cast<size_t>(label));
        for (int32_t k = 0; k < per_round; ++k) {
          // Two classes: the logistic loss of class 1's margin. More: softmax, with XGBoost's hessian 2p(1-p).
          const int32_t cls = per_round == 1 ? 1 : k;
          const double prob = p[static_cast<size_t>(cls)];
          const double gradient = weight * (prob - (label == cls ? 1.0 : 0.0));
          const double hessian = weight * (per_round == 1 ? 1.0 : 2.0) * prob * (1.0 - prob);
          gradients[static_cast<size_t>(k) * static_cast<size_t>(n) + static_cast<size_t>(r)] = {
              RoundToFixed(gradient * kGradientScale), packing.Pack(hessian)};
        }
      }
    });
    sample.clear();
    outside.clear();
    for (int64_t r = 0; r < n; ++r) (in_round[static_cast<size_t>(r)] ? sample : outside).push_back(static_cast<uint32_t>(r));

    std::vector<GrowingTree> growing(width);
    std::vector<std::vector<int32_t>> root_candidates;
    for (int32_t k = 0; k < per_round; ++k) {
      growing[static_cast<size_t>(k)].tree.nodes.push_back(TreeNode{});
      growing[static_cast<size_t>(k)].stats.emplace_back();
      growing[static_cast<size_t>(k)].split_bin.push_back(-1);
      node_rows[static_cast<size_t>(k)].assign(1, RowRange{});
      root_candidates.push_back(CandidateFeatures(parameters, features, round * per_round + k, 0));
    }
    // Every tree of the round starts from the same rows.
    order.resize(sample.size() * width);
    ParallelItems(static_cast<int64_t>(width), threads, [&](int64_t k) {
      std::copy(sample.begin(), sample.end(), order.begin() + k * static_cast<int64_t>(sample.size()));
    });
    const std::vector<int64_t> root_rows(width, static_cast<int64_t>(sample.size()));
    if (growth) {
      growth->Restart(order, root_rows, std::move(root_candidates));
    } else {
      growth.emplace(rows, bins, kStatsPerBin, std::move(order), root_rows, std::move(root_candidates), threads);
      order = {};
    }
    auto can_split = [&](const NodeStats& node, int32_t depth) {
      return depth < parameters.max_depth && node.rows >= 2 * parameters.min_instances_per_node &&
             packing.Hessian(node) >= 2 * parameters.min_hessian_per_node;
    };
    for (int32_t depth = 0; !growth->done(); ++depth) {
      const auto level_start = std::chrono::steady_clock::now();
      // Every tree's root holds the round's sample: counted in one pass.
      growth->Build(GradientSums{{gradients.get(), cells}, depth == 0}, communicator, local_stats);

      const auto split_start = std::chrono::steady_clock::now();
      for (size_t s = 0; s < growth->nodes().size(); ++s) {
        const LevelNode& slot = growth->nodes()[s];
        GrowingTree& grow = growing[static_cast<size_t>(slot.tree)];
        const int32_t id = slot.node;
        const int64_t* node_histogram = growth->histogram(s);
        if (id == 0) {  // the root's sums come from its histogram (any feature's bins sum to them)
          const int32_t feature = slot.layout.held().front();
          int64_t gradient = 0;
          int64_t packed = 0;
          for (int32_t b = 0; b < slot.layout.bins(feature); ++b) {
            const int64_t* bin = node_histogram + slot.layout.offset(feature) + static_cast<size_t>(b) * kStatsPerBin;
            gradient += bin[0];
            packed += bin[1];
          }
          const NodeStats root = packing.Unpack(gradient, packed);
          grow.stats[0] = root;
          grow.tree.nodes[0].counts = {root.rows};
        }
        node_rows[static_cast<size_t>(slot.tree)][static_cast<size_t>(id)] = {slot.begin, slot.end};
        if (!slot.open) continue;  // counted only for its sibling; its rows are done
        const NodeStats node_stats = grow.stats[static_cast<size_t>(id)];
        GradientSplit split;
        if (can_split(node_stats, depth)) {
          split = FindGradientSplit(node_histogram, slot.layout, node_stats, slot.candidates, packing, parameters);
        }
        if (!split.valid) continue;
        const int32_t left_id = static_cast<int32_t>(grow.tree.nodes.size());
        TreeNode& node = grow.tree.nodes[static_cast<size_t>(id)];
        node.feature = split.feature;
        node.threshold = bins[static_cast<size_t>(split.feature)].edges[static_cast<size_t>(split.bin)];
        node.gain = split.gain;
        node.left = left_id;
        node.right = left_id + 1;
        grow.split_bin[static_cast<size_t>(id)] = split.bin;
        const NodeStats child_stats[2] = {split.left, split.right};
        const bool open[2] = {can_split(split.left, depth + 1), can_split(split.right, depth + 1)};
        const int64_t totals[2] = {split.left.rows, split.right.rows};
        std::vector<int32_t> candidates[2];
        const int32_t tree_index = round * per_round + slot.tree;
        for (int side = 0; side < 2; ++side) {
          if (open[side]) candidates[side] = CandidateFeatures(parameters, features, tree_index, left_id + side);
        }
        growth->AddChildren(s, split.feature, split.bin, left_id, open, totals, candidates);
        for (int side = 0; side < 2; ++side) {
          TreeNode child;
          child.id = left_id + side;
          child.depth = depth + 1;
          child.counts = {child_stats[side].rows};
          grow.tree.nodes.push_back(std::move(child));
          grow.stats.push_back(child_stats[side]);
          grow.split_bin.push_back(-1);
          node_rows[static_cast<size_t>(slot.tree)].emplace_back();
        }
      }
      growth->NextLevel();
      local_stats.split_seconds += SecondsSince(split_start);
      if (work) {
        work->tasks_completed += 1;
        work->task_seconds += SecondsSince(level_start);
      }
      if (observer) {
        TreeProgress progress;
        progress.tree_index = round * per_round;
        progress.trees_total = parameters.max_iter * per_round;
        // The round is complete once its last level is.
        const int32_t rounds_done = growth->done() ? round + 1 : round;
        progress.trees_done = rounds_done * per_round;
        progress.rounds_done = rounds_done;
        progress.rounds_total = parameters.max_iter;
        progress.level = depth;
        progress.max_depth = parameters.max_depth;
        for (const auto& tree : out.trees) {
          progress.nodes += static_cast<int64_t>(tree.nodes.size());
          progress.leaves += tree.leaves();
        }
        for (const auto& grow : growing) {
          progress.nodes += static_cast<int64_t>(grow.tree.nodes.size());
          progress.leaves += grow.tree.leaves();
        }
        observer->OnProgress(work ? *work : ExecutorWork{}, progress);
      }
    }

    for (auto& grow : growing) {
      for (auto& node : grow.tree.nodes) {
        if (node.is_leaf()) node.value = LeafValue(grow.stats[static_cast<size_t>(node.id)], packing, parameters);
      }
    }
    // Every row's margins move by its leaves' values. The sample's rows take their final node
    // from where the last level left them in the row order (as XGBoost's prediction cache); its
    // value is added by the next round's gradient pass, which reads the rows in sequence anyway
    // (after the last round no margin is read). The others (validation rows too: they measure
    // the model), and every row of trees too deep to index, walk the trees now.
    final_nodes.clear();
    for (size_t k = 0; k < width; ++k) {
      ends[k] = EndOf(growing[k], std::move(node_rows[k]), rows);
      for (size_t j = 0; j < ends[k].nodes.size(); ++j) final_nodes.emplace_back(k, j);
    }
    const bool indexed = std::all_of(ends.begin(), ends.end(),
                                     [](const TreeEnd& end) { return end.nodes.size() <= kMaxFinalNodes; });
    auto walk = [&](std::span<const uint32_t> walked) {
      if (walked.empty()) return;
      for (size_t k = 0; k < width; ++k) walks[k] = WalkOf(growing[k], rows);
      ParallelBlocks(static_cast<int64_t>(walked.size()), threads, [&](int64_t begin, int64_t end, int) {
        WalkLeafValues(walks, rows, walked.data() + begin, static_cast<size_t>(end - begin), margins.get());
      });
    };
    walk(outside);
    if (indexed) {
      const uint32_t* final_order = growth->order().data();
      ParallelItems(static_cast<int64_t>(final_nodes.size()), threads, [&](int64_t item) {
        const auto [k, j] = final_nodes[static_cast<size_t>(item)];
        uint16_t* tree_reached = reached.get() + k * static_cast<size_t>(n);
        const RowRange range = ends[k].ranges[j];
        for (int64_t i = range.begin; i < range.end; ++i) tree_reached[final_order[i]] = static_cast<uint16_t>(j);
      });
    } else {
      walk(sample);
    }
    final_values_pending = indexed;
    for (auto& grow : growing) out.trees.push_back(std::move(grow.tree));

    if (early_stopping) {
      // Spark's rule: stop when the loss moved by less than the tolerance; keep the best rounds.
      const double loss = validation_loss();
      if (best_loss - loss < parameters.validation_tol * std::max(loss, 0.01)) break;
      if (loss < best_loss) {
        best_loss = loss;
        best_rounds = round + 1;
      }
    }
  }
  if (early_stopping) out.trees.resize(static_cast<size_t>(std::max(best_rounds, 1)) * width);
  if (stats) *stats = std::move(local_stats);
  return out;
}

}  // namespace tad
