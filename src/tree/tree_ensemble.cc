#include "tree/tree_ensemble.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tad {
namespace {

Status Invalid(const std::string& what) { return Status::InvalidData("tree ensemble: " + what); }

// The class a leaf's counts favour; ties go to the first, as the trainer decides.
int32_t FirstLargest(const std::vector<int64_t>& counts) {
  return static_cast<int32_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
}

// One tree of a model whose probabilities are the mean over `num_trees` trees of the leaf's class
// shares: each leaf weighs share / num_trees, in the binary form when there are two classes.
Result<EnsembleTree> ShareTree(const Model& model, size_t tree_index, size_t num_trees) {
  const bool binary = model.classes.size() == 2;
  EnsembleTree out;
  for (const TreeNode& node : model.trees[tree_index].nodes) {
    EnsembleNode converted;
    if (!node.is_leaf()) {
      converted.feature = node.feature;
      // tad compares float feature values with the double threshold; the largest float not
      // above it makes the same decision for every float value (see FloatThresholdAtOrBelow).
      converted.threshold = FloatThresholdAtOrBelow(node.threshold);
      converted.left = node.left;
      converted.right = node.right;
      out.nodes.push_back(std::move(converted));
      continue;
    }
    int64_t total = 0;
    for (int64_t count : node.counts) total += count;
    if (total <= 0) {
      return Status::InvalidData(fmt::format(
          "tree {} node {} is a leaf without training rows: its class shares are undefined", tree_index, node.id));
    }
    for (size_t c = binary ? 1 : 0; c < node.counts.size(); ++c) {
      const double share = static_cast<double>(node.counts[c]) / static_cast<double>(total);
      converted.weights.push_back(
          {static_cast<int32_t>(c), static_cast<float>(share / static_cast<double>(num_trees))});
    }
    out.nodes.push_back(std::move(converted));
  }
  return out;
}

// In a single tree the label is decided by one leaf, and tad predict gives its prediction (the
// first class with the most rows). Shares closer than a float's precision (2^-24 relative) round
// to the same float, and the runtime's rule (first largest; binary form: score > 0.5) could then
// pick another class: the predicted class's weight is raised by one float step where it would.
void KeepLeafPrediction(EnsembleNode& leaf, int32_t prediction, bool binary) {
  constexpr float kUp = std::numeric_limits<float>::infinity();
  if (binary) {
    float& score = leaf.weights.front().weight;  // class 1's share
    if (prediction == 1 && score <= 0.5f) score = std::nextafter(0.5f, kUp);
    return;
  }
  float& predicted = leaf.weights[static_cast<size_t>(prediction)].weight;
  for (int32_t c = 0; c < prediction; ++c) {
    if (leaf.weights[static_cast<size_t>(c)].weight >= predicted) predicted = std::nextafter(predicted, kUp);
  }
}

TreeEnsemble EmptyEnsemble(const Model& model) {
  TreeEnsemble ensemble;
  ensemble.features = model.features;
  ensemble.classes = model.classes;
  return ensemble;
}

}  // namespace

Status TreeEnsemble::Validate() const {
  if (features.empty()) return Invalid("no features");
  if (classes.size() < 2) return Invalid(fmt::format("{} class(es); a classifier needs two or more", classes.size()));
  if (trees.empty()) return Invalid("no trees");
  const bool binary = classes.size() == 2;
  const size_t expected_base_values = binary ? 1 : classes.size();
  if (!base_values.empty() && base_values.size() != expected_base_values) {
    return Invalid(fmt::format("{} base values; expected none or {}", base_values.size(), expected_base_values));
  }
  if (post_transform == PostTransform::kLogistic && !binary) return Invalid("LOGISTIC needs the binary form");
  const int32_t num_features = static_cast<int32_t>(features.size());
  const int32_t num_classes = static_cast<int32_t>(classes.size());
  for (size_t t = 0; t < trees.size(); ++t) {
    const auto& nodes = trees[t].nodes;
    if (nodes.empty()) return Invalid(fmt::format("tree {} has no nodes", t));
    const int32_t count = static_cast<int32_t>(nodes.size());
    for (int32_t i = 0; i < count; ++i) {
      const EnsembleNode& node = nodes[static_cast<size_t>(i)];
      const std::string where = fmt::format("tree {} node {}", t, i);
      if (node.is_leaf()) {
        if (node.weights.empty()) return Invalid(where + ": a leaf without weights");
        for (const LeafWeight& w : node.weights) {
          if (w.class_id < 0 || w.class_id >= num_classes) return Invalid(where + ": class id out of range");
          if (binary && w.class_id != 1) return Invalid(where + ": two classes need the binary form (class 1 only)");
          if (!std::isfinite(w.weight)) return Invalid(where + ": weight is not finite");
        }
        continue;
      }
      if (node.feature >= num_features) return Invalid(where + ": feature out of range");
      if (std::isnan(node.threshold)) return Invalid(where + ": threshold is NaN");
      for (int32_t child : {node.left, node.right}) {
        if (child <= i || child >= count) return Invalid(where + ": child out of range");
      }
    }
  }
  return Status::Ok();
}

Result<TreeEnsemble> ToTreeEnsemble(const Model& model) {
  switch (model.parameters.classifier) {
    case Classifier::kDecisionTree:
      return DecisionTreeEnsemble(model);
    case Classifier::kRandomForest:
      return RandomForestEnsemble(model);
    case Classifier::kGbt:
      return BoostedEnsemble(model);
  }
  return Status::InvalidData(fmt::format("models of kind '{}' cannot be exported yet",
                                         ModelKind(model.parameters.classifier)));
}

Result<TreeEnsemble> DecisionTreeEnsemble(const Model& model) {
  if (model.trees.size() != 1) {
    return Status::InvalidData(fmt::format("a decision tree model has one tree, this one {}", model.trees.size()));
  }
  TreeEnsemble ensemble = EmptyEnsemble(model);
  auto tree = ShareTree(model, 0, 1);
  if (!tree.ok()) return tree.status();
  const auto& nodes = model.trees.front().nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].is_leaf()) continue;
    if (nodes[i].prediction != FirstLargest(nodes[i].counts)) {
      return Status::InvalidData(fmt::format("tree 0 node {} predicts class {}, not the class with most training rows",
                                             i, nodes[i].prediction));
    }
    KeepLeafPrediction(tree->nodes[i], nodes[i].prediction, model.classes.size() == 2);
  }
  ensemble.trees.push_back(std::move(tree).value());
  TAD_RETURN_IF_ERROR(ensemble.Validate());
  return ensemble;
}

Result<TreeEnsemble> RandomForestEnsemble(const Model& model) {
  TreeEnsemble ensemble = EmptyEnsemble(model);
  for (size_t t = 0; t < model.trees.size(); ++t) {
    auto tree = ShareTree(model, t, model.trees.size());
    if (!tree.ok()) return tree.status();
    ensemble.trees.push_back(std::move(tree).value());
  }
  TAD_RETURN_IF_ERROR(ensemble.Validate());
  return ensemble;
}

}  // namespace tad

namespace tad {

Result<TreeEnsemble> BoostedEnsemble(const Model& model) {
  TreeEnsemble ensemble = EmptyEnsemble(model);
  const bool binary = model.classes.size() == 2;
  const size_t per_round = static_cast<size_t>(TreesPerRound(static_cast<int32_t>(model.classes.size())));
  ensemble.post_transform = binary ? PostTransform::kLogistic : PostTransform::kSoftmax;
  for (double base : model.base_score) ensemble.base_values.push_back(static_cast<float>(base));
  for (size_t t = 0; t < model.trees.size(); ++t) {
    // Two classes: every tree adds to class 1's log-odds (the binary form); else tree t adds to class t % K.
    const int32_t class_id = binary ? 1 : static_cast<int32_t>(t % per_round);
    EnsembleTree tree;
    for (const TreeNode& node : model.trees[t].nodes) {
      EnsembleNode converted;
      if (node.is_leaf()) {
        converted.weights.push_back({class_id, static_cast<float>(node.value)});
      } else {
        converted.feature = node.feature;
        converted.threshold = FloatThresholdAtOrBelow(node.threshold);
        converted.left = node.left;
        converted.right = node.right;
      }
      tree.nodes.push_back(std::move(converted));
    }
    ensemble.trees.push_back(std::move(tree));
  }
  TAD_RETURN_IF_ERROR(ensemble.Validate());
  return ensemble;
}

}  // namespace tad
