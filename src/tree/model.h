#pragma once
/// The model: decision trees (a `trees` array, so a forest fits the same file) with everything
/// needed to use them, and the model file (docs/model-format.md): versioned JSON, keys in a fixed
/// order, numbers printed round-trip exactly, nothing that depends on the run.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataset/flow_options.h"
#include "tree/parameters.h"

namespace tad {

inline constexpr std::string_view kModelFormat = "tad.model/1";
inline constexpr std::string_view kMissingValuesRule =
    "NULL and NaN feature values go right at every split (value <= threshold is false for them); "
    "in training histograms they have their own bin after the largest value bin";

struct TreeNode {
  int32_t id = 0;
  int32_t depth = 0;
  std::vector<int64_t> counts;  // training rows of each class that reached the node (gbt: one entry, all rows)
  int32_t feature = -1;         // -1: a leaf
  double threshold = 0;         // go left when value <= threshold
  int32_t left = -1;
  int32_t right = -1;
  double gain = 0;
  int32_t prediction = 0;       // leaves: index into classes (not used by gbt)
  double value = 0;             // gbt leaves: what the leaf adds to its class's margin
  bool is_leaf() const { return feature < 0; }
};

struct DecisionTree {
  std::vector<TreeNode> nodes;  // nodes[i].id == i; children have larger ids than their parent
  int32_t depth() const;
  int64_t leaves() const;
};

struct TrainingDataInfo {
  std::string fingerprint;
  int64_t rows = 0;
  int64_t train_rows = 0;
  int64_t test_rows = 0;
  std::vector<int64_t> class_counts;  // training rows per class
};

struct Model {
  TreeParameters parameters;  // parameters.classifier is the file's "kind"
  std::vector<std::string> features;
  std::vector<std::string> classes;
  std::string missing_values = std::string(kMissingValuesRule);
  TrainingDataInfo training_data;
  std::optional<FlowOptions> flow_options;  // as the training dataset recorded them; absent in older files
  std::vector<DecisionTree> trees;  // gbt: round-major, TreesPerRound(classes) trees per round
  std::vector<double> base_score;   // gbt: the initial margins (one per class; two classes: one)

  /// The model file's bytes.
  std::string ToJson() const;
  /// Parses and validates a model file; `source` names it in messages.
  static Result<Model> FromJson(std::string_view text, const std::string& source);
  static Result<Model> Load(const std::filesystem::path& path);
  /// Writes the file whole or not at all (write-then-rename).
  Status Save(const std::filesystem::path& path, bool overwrite) const;

  /// Spark's feature importances: per tree, the sum over its splits of gain × rows at the node,
  /// normalised to sum 1; averaged over trees and normalised again.
  std::vector<double> FeatureImportances() const;
};

/// gbt trees per boosting round: one per class, one for two classes (class 1's log-odds).
int32_t TreesPerRound(int32_t classes);

/// gbt margins to probabilities, as training and prediction compute them: softmax over `classes`
/// margins, or for two classes (one margin, class 1's log-odds) [1 - logistic, logistic].
void MarginsToProbabilities(const double* margins, int32_t classes, double* probabilities);

/// The largest float not above `threshold`. For every float v, `v <= result` holds exactly when
/// `double(v) <= threshold` (a float above the result is above the threshold, as no float lies
/// between them), so a float comparison makes the same decision as the model's double one.
/// Prediction (CompiledTree) and the ONNX export both store thresholds this way.
float FloatThresholdAtOrBelow(double threshold);

/// A tree flattened for fast prediction. Each node is 16 bytes {feature, threshold, children};
/// a leaf points to itself, so every row can take exactly depth() steps without a branch on
/// "is this a leaf", and PredictBatch walks a block of rows in lockstep so that their memory
/// loads overlap. Thresholds are stored as FloatThresholdAtOrBelow(the model's double threshold),
/// which gives the same decision as comparing in double for every float value.
class CompiledTree {
 public:
  explicit CompiledTree(const DecisionTree& tree);
  /// Class index for one row of raw feature values (NaN = missing, goes right).
  int32_t Predict(const float* row) const {
    int32_t node = 0;
    for (int32_t step = 0; step < depth_; ++step) node = Next(nodes_[static_cast<size_t>(node)], row);
    return prediction_[static_cast<size_t>(node)];
  }
  /// Predicts `count` row-major rows of `features` values each into `out`, on `threads` threads.
  void PredictBatch(const float* rows, int64_t count, int32_t features, int32_t* out, int threads) const;
  /// The leaf (node id) each of `count` rows reaches, on the calling thread.
  void LeafBatch(const float* rows, int64_t count, int32_t features, int32_t* leaves) const;

 private:
  // Walks rows [begin, end) in lockstep and stores emit(node) for each.
  template <typename Emit>
  void Walk(const float* rows, int64_t begin, int64_t end, int32_t features, int32_t* out, Emit emit) const;
  struct Node {
    int32_t feature;  // a leaf: 0 (any valid column; both children are the leaf itself)
    float threshold;  // go to child[0] when value <= threshold
    int32_t child[2];
  };
  static int32_t Next(const Node& node, const float* row) {
    return node.child[!(row[node.feature] <= node.threshold)];
  }
  std::vector<Node> nodes_;
  std::vector<int32_t> prediction_;
  int32_t depth_ = 0;
};

/// Any model ready for prediction: a decision tree predicts its leaf's class (CompiledTree, as
/// fast as before); a forest averages its trees' leaf class shares (Spark's probability); gbt
/// adds its leaves' values to the base margins and takes the softmax (two classes: the logistic
/// of class 1's margin). Forests and gbt predict the most probable class (the lowest index on ties).
class CompiledModel {
 public:
  explicit CompiledModel(const Model& model);
  int32_t classes() const { return classes_; }
  /// Class index of each of `count` row-major rows of `features` raw values, on `threads` threads.
  void PredictBatch(const float* rows, int64_t count, int32_t features, int32_t* out, int threads) const;
  /// count × classes() probabilities, row-major: a tree's are its leaf's class shares of training
  /// rows, a forest's the mean over its trees.
  void PredictProbabilities(const float* rows, int64_t count, int32_t features, double* out, int threads) const;
  /// Both in one walk over the trees: `predicted` as PredictBatch, `probabilities` as PredictProbabilities.
  void PredictWithProbabilities(const float* rows, int64_t count, int32_t features, int32_t* predicted,
                                double* probabilities, int threads) const;

 private:
  void PredictShares(const float* rows, int64_t count, int32_t features, double* out, int threads) const;
  void PredictBoosted(const float* rows, int64_t count, int32_t features, double* out, int threads) const;
  std::vector<CompiledTree> trees_;
  std::vector<std::vector<double>> leaf_shares_;  // forests and trees: per tree, node × class share of its rows
  std::vector<std::vector<double>> leaf_values_;  // gbt: per tree, node -> leaf value
  std::vector<double> base_score_;                // gbt
  bool boosted_ = false;
  int32_t classes_ = 0;
};

}  // namespace tad
