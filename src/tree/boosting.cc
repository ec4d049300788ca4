#include "tree/boosting.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/hash.h"

namespace tad {
namespace {

// Per (feature, bin) of a node's histogram slice: gradient sum, hessian sum (both fixed point)
// and rows, laid out as HistogramLayout's three "classes".
constexpr int32_t kStatsPerBin = 3;
// Fixed-point units per 1.0 of validation log loss: a row's loss is at most -log(1e-15) ≈ 34.5, so
// 2^20 units keep sums of 2^37 rows inside 64 bits.
constexpr double kLossScale = 1048576.0;
constexpr double kMinProbability = 1e-15;
constexpr uint64_t kValidationSalt = 0x76616c6964617465ULL;  // "validate"
constexpr uint64_t kSampleSalt = 0x73616d706c696e67ULL;      // "sampling"

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct NodeStats {
  int64_t gradient = 0;  // fixed point
  int64_t hessian = 0;   // fixed point
  int64_t rows = 0;
  NodeStats operator-(const NodeStats& other) const {
    return {gradient - other.gradient, hessian - other.hessian, rows - other.rows};
  }
};

// XGBoost's structure score G^2 / (H + lambda), in real units.
double StructureScore(const NodeStats& stats, double lambda) {
  const double g = static_cast<double>(stats.gradient) / kGradientScale;
  return g * g / (static_cast<double>(stats.hessian) / kGradientScale + lambda);
}

double LeafValue(const NodeStats& stats, const TreeParameters& parameters) {
  const double g = static_cast<double>(stats.gradient) / kGradientScale;
  const double h = static_cast<double>(stats.hessian) / kGradientScale;
  return -g / (h + parameters.reg_lambda) * parameters.step_size;
}

bool EnoughHessian(const NodeStats& stats, double minimum) {
  return static_cast<double>(stats.hessian) / kGradientScale >= minimum;
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
                                const std::vector<int32_t>& candidates, const TreeParameters& parameters) {
  GradientSplit best;
  const double parent = StructureScore(total, parameters.reg_lambda);
  for (const int32_t f : candidates) {
    const int64_t* feature = node + layout.offset(f);
    NodeStats left;
    const int32_t value_bins = layout.bins(f) - 1;
    for (int32_t b = 0; b + 1 < value_bins; ++b) {
      const int64_t* bin = feature + static_cast<size_t>(b) * kStatsPerBin;
      if (bin[2] == 0) continue;  // same partition as the previous threshold: keep the lower one
      left.gradient += bin[0];
      left.hessian += bin[1];
      left.rows += bin[2];
      const NodeStats right = total - left;
      if (left.rows < parameters.min_instances_per_node || right.rows < parameters.min_instances_per_node) continue;
      if (!EnoughHessian(left, parameters.min_hessian_per_node) || !EnoughHessian(right, parameters.min_hessian_per_node)) {
        continue;
      }
      const double gain =
          0.5 * (StructureScore(left, parameters.reg_lambda) + StructureScore(right, parameters.reg_lambda) - parent);
      if (gain < parameters.min_info_gain) continue;
      if (!best.valid || gain > best.gain) best = {true, f, b, gain, left, right};
    }
  }
  if (best.valid && !(best.gain > 0)) best.valid = false;
  return best;
}

// Adds each row's (gradient, hessian, 1) to the bins of its node in each tree of the round: row r's
// slot in tree k is slot_of_row[r * per_round + k] (-1: none), counted into node slice
// counted_index[slot] (-1: derived, not counted). Threads count disjoint row blocks into their own
// buffers, summed afterwards: integer sums, the same for any thread count.
void BuildGradientHistograms(const BinnedRows& rows, int32_t per_round, const std::vector<int32_t>& slot_of_row,
                             const std::vector<int32_t>& counted_index,
                             const std::vector<int64_t>& gradients, const std::vector<int64_t>& hessians,
                             const HistogramLayout& layout, int threads, std::vector<int64_t>& histogram,
                             std::vector<std::vector<int64_t>>& thread_buffers) {
  std::fill(histogram.begin(), histogram.end(), 0);
  std::vector<size_t> offsets;
  for (int32_t f = 0; f < layout.features(); ++f) offsets.push_back(layout.offset(f));
  const size_t stride = layout.node_stride();
  const int blocks = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, rows.rows() / 4096 + 1)));
  if (thread_buffers.size() < static_cast<size_t>(blocks - 1)) thread_buffers.resize(static_cast<size_t>(blocks - 1));
  ParallelBlocks(rows.rows(), blocks, [&](int64_t begin, int64_t end, int t) {
    int64_t* target = histogram.data();
    if (t > 0) {
      thread_buffers[static_cast<size_t>(t - 1)].assign(histogram.size(), 0);
      target = thread_buffers[static_cast<size_t>(t - 1)].data();
    }
    const int32_t features = rows.features;
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* bins = rows.row(r);
      for (int32_t k = 0; k < per_round; ++k) {
        const size_t at = static_cast<size_t>(r) * static_cast<size_t>(per_round) + static_cast<size_t>(k);
        const int32_t slot = slot_of_row[at];
        if (slot < 0) continue;
        const int32_t index = counted_index[static_cast<size_t>(slot)];
        if (index < 0) continue;
        int64_t* node = target + static_cast<size_t>(index) * stride;
        const int64_t gradient = gradients[at];
        const int64_t hessian = hessians[at];
        for (int32_t f = 0; f < features; ++f) {
          int64_t* cell = node + offsets[static_cast<size_t>(f)] + static_cast<size_t>(bins[f]) * kStatsPerBin;
          cell[0] += gradient;
          cell[1] += hessian;
          cell[2] += 1;
        }
      }
    }
  });
  for (int t = 1; t < blocks; ++t) {
    const std::vector<int64_t>& buffer = thread_buffers[static_cast<size_t>(t - 1)];
    for (size_t i = 0; i < histogram.size(); ++i) histogram[i] += buffer[i];
  }
}

// A tree under construction: the model's nodes plus what training needs of them.
struct GrowingTree {
  DecisionTree tree;
  std::vector<NodeStats> stats;    // per node
  std::vector<int32_t> split_bin;  // per node: rows with bin <= this go left
  int32_t LeafOf(const uint8_t* bins) const {
    int32_t id = 0;
    while (!tree.nodes[static_cast<size_t>(id)].is_leaf()) {
      const TreeNode& node = tree.nodes[static_cast<size_t>(id)];
      id = bins[node.feature] <= split_bin[static_cast<size_t>(id)] ? node.left : node.right;
    }
    return id;
  }
};

// A node whose histogram this level needs: an open node (it may be split), or a closed child
// counted only so that its open sibling's histogram can be derived as parent − sibling (exact in
// integers, so the same global histogram as counting it).
struct Slot {
  int32_t tree = 0;  // within the round
  int32_t node = 0;
  bool open = true;
  int32_t parent_slot = -1;   // derived: the parent's slot in the previous level's histogram
  int32_t sibling_slot = -1;  // derived: the counted sibling's slot in this level
  bool derived() const { return parent_slot >= 0; }
};

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
  const HistogramLayout layout(bins, kStatsPerBin);
  const size_t stride = layout.node_stride();
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
  std::vector<double> margins(cells);
  for (size_t i = 0; i < cells; ++i) margins[i] = out.base_score[i % width];

  // Mean validation log loss, summed in fixed point over all ranks.
  auto validation_loss = [&]() {
    std::vector<int64_t> sums = {0, 0};  // loss, rows
    std::vector<double> probabilities(static_cast<size_t>(classes));
    for (int64_t r = 0; r < n; ++r) {
      if (!validation[static_cast<size_t>(r)]) continue;
      MarginsToProbabilities(margins.data() + static_cast<size_t>(r) * width, classes, probabilities.data());
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

  std::vector<int64_t> gradients(cells);
  std::vector<int64_t> hessians(cells);
  std::vector<int32_t> slot_of_row(cells);
  std::vector<int64_t> histogram;  // this level's, slots × stride
  std::vector<int64_t> previous;   // the previous level's, for derived slots
  std::vector<int64_t> counted;    // the counted slots', contiguous for one allreduce
  std::vector<std::vector<int64_t>> thread_buffers;
  for (int32_t round = 0; round < parameters.max_iter; ++round) {
    // Each row's gradient and hessian, rounded once to fixed point; rows outside this round's
    // sample (and validation rows) are in no node.
    ParallelBlocks(n, threads, [&](int64_t begin, int64_t end, int) {
      std::vector<double> p(static_cast<size_t>(classes));
      for (int64_t r = begin; r < end; ++r) {
        const size_t base = static_cast<size_t>(r) * width;
        if (validation[static_cast<size_t>(r)] || !Sampled(parameters, rows.identity[static_cast<size_t>(r)], round)) {
          std::fill_n(slot_of_row.begin() + static_cast<ptrdiff_t>(base), width, -1);
          continue;
        }
        MarginsToProbabilities(margins.data() + base, classes, p.data());
        const int32_t label = rows.labels[static_cast<size_t>(r)];
        const double weight = weight_of(static_cast<size_t>(label));
        for (int32_t k = 0; k < per_round; ++k) {
          // Two classes: the logistic loss of class 1's margin. More: softmax, with XGBoost's hessian 2p(1-p).
          const int32_t cls = per_round == 1 ? 1 : k;
          const double prob = p[static_cast<size_t>(cls)];
          const double gradient = weight * (prob - (label == cls ? 1.0 : 0.0));
          const double hessian = weight * (per_round == 1 ? 1.0 : 2.0) * prob * (1.0 - prob);
          gradients[base + static_cast<size_t>(k)] = std::llround(gradient * kGradientScale);
          // At least one unit, so that no node with rows has a zero hessian.
          hessians[base + static_cast<size_t>(k)] = std::max<int64_t>(1, std::llround(hessian * kGradientScale));
          slot_of_row[base + static_cast<size_t>(k)] = k;
        }
      }
    });

    std::vector<GrowingTree> growing(width);
    std::vector<Slot> slots;
    for (int32_t k = 0; k < per_round; ++k) {
      growing[static_cast<size_t>(k)].tree.nodes.push_back(TreeNode{});
      growing[static_cast<size_t>(k)].stats.emplace_back();
      growing[static_cast<size_t>(k)].split_bin.push_back(-1);
      slots.push_back(Slot{k, 0, true, -1, -1});
    }
    auto can_split = [&](const NodeStats& node, int32_t depth) {
      return depth < parameters.max_depth && node.rows >= 2 * parameters.min_instances_per_node &&
             static_cast<double>(node.hessian) / kGradientScale >= 2 * parameters.min_hessian_per_node;
    };
    for (int32_t depth = 0; !slots.empty(); ++depth) {
      const auto level_start = std::chrono::steady_clock::now();
      std::vector<int32_t> counted_index(slots.size(), -1);
      int32_t counted_slots = 0;
      for (size_t s = 0; s < slots.size(); ++s) {
        if (!slots[s].derived()) counted_index[s] = counted_slots++;
      }
      counted.resize(static_cast<size_t>(counted_slots) * stride);
      BuildGradientHistograms(rows, per_round, slot_of_row, counted_index, gradients, hessians, layout, threads,
                              counted, thread_buffers);
      local_stats.histogram_seconds += SecondsSince(level_start);
      const auto reduce_start = std::chrono::steady_clock::now();
      communicator.AllReduceSum(std::span<int64_t>(counted));
      local_stats.reduce_seconds += SecondsSince(reduce_start);
      local_stats.bytes_per_level.push_back(counted.size() * sizeof(int64_t));
      histogram.resize(slots.size() * stride);  // every slot is copied or derived below
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

      const auto split_start = std::chrono::steady_clock::now();
      std::vector<Slot> next_slots;
      std::vector<RowMove> moves(slots.size());
      for (size_t s = 0; s < slots.size(); ++s) {
        GrowingTree& grow = growing[static_cast<size_t>(slots[s].tree)];
        const int32_t id = slots[s].node;
        const int64_t* node_histogram = histogram.data() + s * stride;
        if (id == 0) {  // the root's sums come from its histogram (any feature's bins sum to them)
          NodeStats root;
          for (int32_t b = 0; b < layout.bins(0); ++b) {
            const int64_t* bin = node_histogram + layout.offset(0) + static_cast<size_t>(b) * kStatsPerBin;
            root.gradient += bin[0];
            root.hessian += bin[1];
            root.rows += bin[2];
          }
          grow.stats[0] = root;
          grow.tree.nodes[0].counts = {root.rows};
        }
        if (!slots[s].open) continue;  // counted only for its sibling; its rows are done
        const NodeStats node_stats = grow.stats[static_cast<size_t>(id)];
        GradientSplit split;
        if (can_split(node_stats, depth)) {
          const int32_t tree_index = round * per_round + slots[s].tree;
          split = FindGradientSplit(node_histogram, layout, node_stats,
                                    CandidateFeatures(parameters, layout.features(), tree_index, id), parameters);
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
        RowMove& move = moves[s];
        move.feature = split.feature;
        move.bin = split.bin;
        const NodeStats child_stats[2] = {split.left, split.right};
        const bool open_child[2] = {can_split(split.left, depth + 1), can_split(split.right, depth + 1)};
        // Count the child with fewer rows (left on a tie) and derive the other; a closed child is
        // counted only when its open sibling needs it. Slots in child order, left then right.
        const int counted_side = split.left.rows <= split.right.rows ? 0 : 1;
        int32_t child_slot[2] = {-1, -1};
        for (int side = 0; side < 2; ++side) {
          TreeNode child;
          child.id = left_id + side;
          child.depth = depth + 1;
          child.counts = {child_stats[side].rows};
          grow.tree.nodes.push_back(std::move(child));
          grow.stats.push_back(child_stats[side]);
          grow.split_bin.push_back(-1);
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
      }
      MoveRowsToChildren(rows, moves, width, slot_of_row, threads);
      local_stats.split_seconds += SecondsSince(split_start);
      slots = std::move(next_slots);
      previous.swap(histogram);
      if (work) {
        work->tasks_completed += 1;
        work->task_seconds += SecondsSince(level_start);
      }
      if (observer) {
        TreeProgress progress;
        progress.tree_index = round * per_round;
        progress.trees_total = parameters.max_iter * per_round;
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
        if (node.is_leaf()) node.value = LeafValue(grow.stats[static_cast<size_t>(node.id)], parameters);
      }
    }
    // Every row's margins move by its leaves' values (validation rows too: they measure the model).
    ParallelBlocks(n, threads, [&](int64_t begin, int64_t end, int) {
      for (int64_t r = begin; r < end; ++r) {
        for (size_t k = 0; k < width; ++k) {
          const GrowingTree& grow = growing[k];
          margins[static_cast<size_t>(r) * width + k] += grow.tree.nodes[static_cast<size_t>(grow.LeafOf(rows.row(r)))].value;
        }
      }
    });
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
