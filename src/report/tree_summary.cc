#include "report/tree_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace tad::report {

TreeShape ShapeOf(const Model& model) {
  TreeShape shape;
  const DecisionTree& tree = model.trees.front();
  if (tree.nodes.empty()) return shape;
  std::vector<std::pair<int, int>> stack{{0, 0}};  // node id, level
  while (!stack.empty()) {
    auto [id, level] = stack.back();
    stack.pop_back();
    if (static_cast<size_t>(level) >= shape.nodes_per_level.size()) {
      shape.nodes_per_level.resize(level + 1, 0);
      shape.leaves_per_level.resize(level + 1, 0);
    }
    ++shape.nodes;
    ++shape.nodes_per_level[level];
    const TreeNode& node = tree.nodes[id];
    if (node.is_leaf()) {
      ++shape.leaves;
      ++shape.leaves_per_level[level];
      shape.depth = std::max(shape.depth, level);
    } else {
      stack.emplace_back(node.right, level + 1);
      stack.emplace_back(node.left, level + 1);
    }
  }
  return shape;
}

std::string FormatThreshold(double value) {
  if (std::isnan(value)) return "NaN";
  return fmt::format("{:.6g}", value);
}

namespace {

// Training rows that reached the node.
uint64_t NodeRows(const TreeNode& node) {
  int64_t rows = 0;
  for (int64_t count : node.counts) rows += count;
  return static_cast<uint64_t>(rows);
}

// The range a path allows one feature: lower < x ≤ upper.
struct Range {
  std::optional<double> lower;
  std::optional<double> upper;
};

std::string Describe(const std::string& feature, const Range& range) {
  if (range.lower && range.upper) {
    return fmt::format("{} < {} ≤ {}", FormatThreshold(*range.lower), feature, FormatThreshold(*range.upper));
  }
  if (range.upper) return fmt::format("{} ≤ {}", feature, FormatThreshold(*range.upper));
  return fmt::format("{} > {}", feature, FormatThreshold(*range.lower));
}

}  // namespace

std::vector<Rule> TopRules(const Model& model, size_t limit) {
  const DecisionTree& tree = model.trees.front();
  if (tree.nodes.empty() || limit == 0) return {};
  std::vector<int> parent(tree.nodes.size(), -1);
  std::vector<int> leaves;
  for (const TreeNode& node : tree.nodes) {
    if (node.is_leaf()) {
      leaves.push_back(node.id);
    } else {
      parent[node.left] = node.id;
      parent[node.right] = node.id;
    }
  }
  std::stable_sort(leaves.begin(), leaves.end(),
                   [&](int a, int b) { return NodeRows(tree.nodes[a]) > NodeRows(tree.nodes[b]); });
  if (leaves.size() > limit) leaves.resize(limit);

  std::vector<Rule> rules;
  for (int leaf_id : leaves) {
    // Walk up to the root, then apply the conditions root first so ranges tighten in order.
    std::vector<std::pair<int, bool>> path;  // split node, went left
    for (int child = leaf_id; parent[child] >= 0; child = parent[child]) {
      path.emplace_back(parent[child], tree.nodes[parent[child]].left == child);
    }
    std::reverse(path.begin(), path.end());
    std::map<int, Range> ranges;
    std::vector<int> order;  // features in the order the path first tests them
    for (auto [split_id, went_left] : path) {
      const TreeNode& split = tree.nodes[split_id];
      if (!ranges.count(split.feature)) order.push_back(split.feature);
      Range& range = ranges[split.feature];
      if (went_left) {
        range.upper = range.upper ? std::min(*range.upper, split.threshold) : split.threshold;
      } else {
        range.lower = range.lower ? std::max(*range.lower, split.threshold) : split.threshold;
      }
    }
    const TreeNode& leaf = tree.nodes[leaf_id];
    Rule rule;
    for (int feature : order) rule.conditions.push_back(Describe(model.features[feature], ranges[feature]));
    rule.predicted_class = model.classes[leaf.prediction];
    rule.rows = NodeRows(leaf);
    const uint64_t hits = static_cast<size_t>(leaf.prediction) < leaf.counts.size() ? static_cast<uint64_t>(leaf.counts[leaf.prediction]) : 0;
    rule.purity = rule.rows ? static_cast<double>(hits) / static_cast<double>(rule.rows) : 0;
    std::string condition;
    for (size_t i = 0; i < rule.conditions.size(); ++i) {
      condition += (i ? " and " : "") + rule.conditions[i];
    }
    rule.text = fmt::format("{}{} (n={}, {:.0f} %)", condition.empty() ? "always " : "if " + condition + " then ",
                            rule.predicted_class, rule.rows, rule.purity * 100);
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace tad::report
