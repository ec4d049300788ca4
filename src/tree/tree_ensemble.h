#pragma once
/// A neutral description of a tree-ensemble classifier: what a model computes, in the terms every
/// tree runtime shares (ONNX's ai.onnx.ml TreeEnsembleClassifier, and others), with nothing of how
/// tad trained it. The model kinds convert into it (ToTreeEnsemble); exporters write it.
///
/// What it computes for a row x of float features:
///   score[c] = base_values[c] (0 when base_values is empty)
///            + the sum, over trees, of the weights with class_id c at the leaf x reaches;
///   probabilities = post_transform(score); label = classes[first index of the largest probability].
/// A node sends x to `left` when x[feature] <= threshold, and to `right` otherwise: NaN (missing)
/// goes right, as in tad.
///
/// Two classes have a binary form: weights only for class 1, so score is class 1's alone; then
/// NONE gives probabilities [1 - score, score] and label classes[1] when score > 0.5, LOGISTIC
/// gives [logistic(-score), logistic(score)] and label classes[1] when score > 0. ONNX Runtime reads
/// a two-class ensemble this way (it mislabels the full two-class form: label classes[1] whenever
/// class 1's score is above 0), so the conversions of two-class models emit it and the ONNX writer
/// accepts nothing else.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "tree/model.h"

namespace tad {

enum class PostTransform {
  kNone,      // probabilities are the scores (forests, decision trees: leaf class shares)
  kSoftmax,   // softmax over the classes' scores (multiclass boosting)
  kLogistic,  // binary form: logistic of class 1's score (binary boosting)
};

struct LeafWeight {
  int32_t class_id = 0;  // index into TreeEnsemble::classes
  float weight = 0;
};

struct EnsembleNode {
  int32_t feature = -1;  // -1: a leaf
  float threshold = 0;   // go left when value <= threshold
  int32_t left = -1;     // node indices in the same tree; larger than this node's
  int32_t right = -1;
  std::vector<LeafWeight> weights;  // leaves: what the leaf adds to the classes' scores
  bool is_leaf() const { return feature < 0; }
};

struct EnsembleTree {
  std::vector<EnsembleNode> nodes;  // nodes[0] is the root
};

struct TreeEnsemble {
  std::vector<std::string> features;  // input columns, in order
  std::vector<std::string> classes;   // labels, in class-id order
  std::vector<EnsembleTree> trees;
  PostTransform post_transform = PostTransform::kNone;
  std::vector<float> base_values;  // empty, or one per class (binary form: one, for class 1)

  /// Every reference in range and children after their parent; two classes in the binary form.
  /// InvalidData describing the first fault.
  Status Validate() const;
};

/// The ensemble of a tad model, by its kind. InvalidData for a kind that has no conversion yet
/// and for a model whose trees cannot be described faithfully (a leaf without training rows).
Result<TreeEnsemble> ToTreeEnsemble(const Model& model);

/// A decision tree (the model's one tree): each leaf's weights are its classes' shares of its
/// training rows (counts / sum of counts), so the probabilities are those shares and the label is
/// the leaf's prediction, as `tad predict`.
Result<TreeEnsemble> DecisionTreeEnsemble(const Model& model);

/// A random forest (every tree of the model, as Spark): probabilities are the mean over trees of
/// the leaf's class shares, i.e. each leaf weighs share / number of trees and the scores are summed.
Result<TreeEnsemble> RandomForestEnsemble(const Model& model);

/// Gradient-boosted trees: each leaf weighs its value for its tree's class (round-major trees,
/// tree t adds to class t % K), base_values are the model's base_score, post-transform SOFTMAX;
/// two classes: the binary form with LOGISTIC (every tree adds to class 1's log-odds).
Result<TreeEnsemble> BoostedEnsemble(const Model& model);

}  // namespace tad
