#include "tree/trainer.h"

#include <algorithm>
#include <chrono>

#include "tree/split.h"

namespace tad {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

// Where the rows of one open node go after this level.
struct Move {
  int32_t feature = -1;  // -1: the node became a leaf, its rows are done
  int32_t bin = 0;
  int32_t left_slot = -1;
  int32_t right_slot = -1;
};

}  // namespace

DecisionTree TrainDecisionTree(const BinnedRows& rows, const std::vector<FeatureBins>& bins, int32_t classes,
                               const TreeParameters& parameters, Communicator& communicator, int threads,
                               TrainingObserver* observer, ExecutorWork* work, TrainingStats* stats) {
  const HistogramLayout layout(bins, classes);
  const size_t stride = layout.node_stride();
  DecisionTree tree;
  tree.nodes.push_back(TreeNode{});
  std::vector<int32_t> slot_of_row(static_cast<size_t>(rows.rows()), 0);
  std::vector<int32_t> open = {0};  // node ids of the open nodes; a node's slot is its index here
  std::vector<int64_t> histogram;
  TrainingStats local_stats;
  // A child is worth a histogram only if it could still be split.
  auto can_split = [&](const std::vector<int64_t>& counts, int32_t depth) {
    const int64_t total = Total(counts);
    return depth < parameters.max_depth && total >= 2 * parameters.min_instances_per_node &&
           *std::max_element(counts.begin(), counts.end()) < total;
  };

  for (int32_t depth = 0; !open.empty(); ++depth) {
    const auto level_start = std::chrono::steady_clock::now();
    histogram.assign(open.size() * stride, 0);
    BuildHistograms(rows, slot_of_row, layout, threads, histogram);
    local_stats.histogram_seconds += SecondsSince(level_start);

    const auto reduce_start = std::chrono::steady_clock::now();
    communicator.AllReduceSum(std::span<int64_t>(histogram));
    local_stats.reduce_seconds += SecondsSince(reduce_start);
    local_stats.bytes_per_level.push_back(histogram.size() * sizeof(int64_t));

    const auto split_start = std::chrono::steady_clock::now();
    std::vector<int32_t> next_open;
    std::vector<Move> moves(open.size());
    for (size_t s = 0; s < open.size(); ++s) {
      const int32_t id = open[s];
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
      const std::vector<int64_t> counts = tree.nodes[static_cast<size_t>(id)].counts;
      Split split;
      if (can_split(counts, depth)) split = FindBestSplit(node_histogram, layout, counts, parameters);
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
      Move& move = moves[s];
      move.feature = split.feature;
      move.bin = split.bin;
      for (int side = 0; side < 2; ++side) {
        TreeNode child;
        child.id = left_id + side;
        child.depth = depth + 1;
        child.counts = side == 0 ? split.left_counts : split.right_counts;
        int32_t& child_slot = side == 0 ? move.left_slot : move.right_slot;
        if (can_split(child.counts, depth + 1)) {
          child_slot = static_cast<int32_t>(next_open.size());
          next_open.push_back(child.id);
        }
        tree.nodes.push_back(std::move(child));
      }
    }

    // Move every row of a split node to its child's slot (or -1 when the child is final).
    ParallelBlocks(rows.rows(), threads, [&](int64_t begin, int64_t end, int) {
      for (int64_t r = begin; r < end; ++r) {
        const int32_t slot = slot_of_row[static_cast<size_t>(r)];
        if (slot < 0) continue;
        const Move& move = moves[static_cast<size_t>(slot)];
        if (move.feature < 0) {
          slot_of_row[static_cast<size_t>(r)] = -1;
        } else {
          slot_of_row[static_cast<size_t>(r)] = rows.row(r)[move.feature] <= move.bin ? move.left_slot : move.right_slot;
        }
      }
    });
    local_stats.split_seconds += SecondsSince(split_start);
    open = std::move(next_open);

    if (work) {
      work->tasks_completed += 1;
      work->task_seconds += SecondsSince(level_start);
    }
    if (observer) {
      TreeProgress progress;
      progress.level = depth;
      progress.max_depth = parameters.max_depth;
      progress.nodes = static_cast<int64_t>(tree.nodes.size());
      progress.leaves = tree.leaves();
      observer->OnProgress(work ? *work : ExecutorWork{}, progress);
    }
  }
  for (auto& node : tree.nodes) node.prediction = ArgMax(node.counts);
  if (stats) *stats = std::move(local_stats);
  return tree;
}

}  // namespace tad
