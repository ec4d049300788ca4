#include "tree/tree_ensemble.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "tree/model.h"

namespace tad {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The definition, checked on the floats around the result: a float v satisfies v <= result
// exactly when the double comparison double(v) <= threshold holds.
void ExpectSameDecisions(double threshold) {
  const float stored = FloatThresholdAtOrBelow(threshold);
  SCOPED_TRACE(testing::Message() << "threshold " << threshold << " stored " << stored);
  EXPECT_LE(static_cast<double>(stored), threshold);
  float below = stored;
  float above = stored;
  for (int step = 0; step < 4; ++step) {
    for (float v : {below, above}) {
      EXPECT_EQ(v <= stored, static_cast<double>(v) <= threshold) << "value " << v;
    }
    below = std::nextafter(below, -kInf);
    above = std::nextafter(above, kInf);
  }
  EXPECT_GT(static_cast<double>(std::nextafter(stored, kInf)), threshold);
}

TEST(FloatThresholdTest, FloatComparisonsMakeTheDoubleThresholdsDecisions) {
  const double kFloatMax = std::numeric_limits<float>::max();
  for (double threshold : {0.1, -0.1, 1.0 / 3.0, 0.5, 0.0, -0.0, 16777217.0, -16777217.0, 1500.5, 1e-45, 1e-40, -1e-40,
                           kFloatMax, std::nextafter(kFloatMax, 0.0), 1e39, -1e39}) {
    ExpectSameDecisions(threshold);
  }
  EXPECT_EQ(FloatThresholdAtOrBelow(1e300), std::numeric_limits<float>::max());
  EXPECT_EQ(FloatThresholdAtOrBelow(-1e300), -kInf);  // only -inf is <= it, as in double
  EXPECT_EQ(FloatThresholdAtOrBelow(0.75), 0.75f);    // exact floats stay
}

TreeNode Split(int32_t id, int32_t feature, double threshold, int32_t left, int32_t right,
               std::vector<int64_t> counts) {
  TreeNode node;
  node.id = id;
  node.feature = feature;
  node.threshold = threshold;
  node.left = left;
  node.right = right;
  node.counts = std::move(counts);
  return node;
}

TreeNode Leaf(int32_t id, std::vector<int64_t> counts) {
  TreeNode node;
  node.id = id;
  node.counts = std::move(counts);
  node.prediction =
      static_cast<int32_t>(std::max_element(node.counts.begin(), node.counts.end()) - node.counts.begin());
  return node;
}

std::vector<int64_t> Sum(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> sum(a.size());
  for (size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
  return sum;
}

// A tree of depth 2 on features x (0) and y (1): x <= t0 ? (y <= t1 ? A : B) : C.
DecisionTree SmallTree(double t0, double t1, std::vector<int64_t> a, std::vector<int64_t> b, std::vector<int64_t> c) {
  DecisionTree tree;
  const auto ab = Sum(a, b);
  tree.nodes = {Split(0, 0, t0, 1, 2, Sum(ab, c)), Split(1, 1, t1, 3, 4, ab), Leaf(2, c), Leaf(3, a), Leaf(4, b)};
  for (auto& node : tree.nodes) node.depth = node.id == 0 ? 0 : node.id <= 2 ? 1 : 2;
  return tree;
}

Model SmallModel(std::vector<std::string> classes) {
  Model model;
  model.parameters.split_by = SplitBy::kRow;  // as training resolves it: a model file never says auto
  model.features = {"x", "y"};
  model.classes = std::move(classes);
  model.training_data.class_counts.assign(model.classes.size(), 1);
  return model;
}

// What the ensemble computes for one row, walked independently of any runtime: the summed leaf
// weights of every class (full form).
std::vector<double> Scores(const TreeEnsemble& ensemble, const std::vector<float>& row) {
  std::vector<double> scores(ensemble.classes.size(), 0.0);
  for (const auto& tree : ensemble.trees) {
    size_t node = 0;
    while (!tree.nodes[node].is_leaf()) {
      const EnsembleNode& n = tree.nodes[node];
      node = static_cast<size_t>(row[static_cast<size_t>(n.feature)] <= n.threshold ? n.left : n.right);
    }
    for (const LeafWeight& w : tree.nodes[node].weights) scores[static_cast<size_t>(w.class_id)] += w.weight;
  }
  return scores;
}

TEST(TreeEnsembleTest, DecisionTreeLeavesWeighTheirClassShares) {
  Model model = SmallModel({"a", "b", "c"});
  model.trees.push_back(SmallTree(0.1, 2.5, {6, 3, 1}, {0, 2, 2}, {1, 1, 7}));
  const TreeEnsemble ensemble = ValueOrThrow(ToTreeEnsemble(model));
  EXPECT_EQ(ensemble.features, model.features);
  EXPECT_EQ(ensemble.classes, model.classes);
  EXPECT_EQ(ensemble.post_transform, PostTransform::kNone);
  EXPECT_TRUE(ensemble.base_values.empty());
  ASSERT_EQ(ensemble.trees.size(), 1u);
  const auto& nodes = ensemble.trees[0].nodes;
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[0].feature, 0);
  EXPECT_EQ(nodes[0].threshold, FloatThresholdAtOrBelow(0.1));
  EXPECT_LT(static_cast<double>(nodes[0].threshold), 0.1);  // 0.1f is above 0.1: one float below it
  EXPECT_EQ(nodes[1].threshold, 2.5f);
  EXPECT_EQ(nodes[0].left, 1);
  EXPECT_EQ(nodes[0].right, 2);
  const TreeNode& leaf = model.trees[0].nodes[3];
  ASSERT_EQ(nodes[3].weights.size(), 3u);
  for (int32_t c = 0; c < 3; ++c) {
    EXPECT_EQ(nodes[3].weights[static_cast<size_t>(c)].class_id, c);
    EXPECT_EQ(nodes[3].weights[static_cast<size_t>(c)].weight,
              static_cast<float>(leaf.counts[static_cast<size_t>(c)] / 10.0));
  }
  // Rows reach the leaves tad sends them to, NaN going right at every split.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FLOAT_EQ(Scores(ensemble, {0.0f, 2.5f})[0], 0.6f);      // leaf A
  EXPECT_FLOAT_EQ(Scores(ensemble, {0.0f, nan})[1], 0.5f);       // leaf B
  EXPECT_FLOAT_EQ(Scores(ensemble, {0.1f, 0.0f})[2], 7 / 9.0f);  // 0.1f > 0.1: leaf C
  EXPECT_FLOAT_EQ(Scores(ensemble, {nan, 0.0f})[2], 7 / 9.0f);
}

TEST(TreeEnsembleTest, NearTiesKeepTheLeafsPrediction) {
  // Shares 0.4999999975 and 0.5000000025 both round to the float 0.5; tad predicts class 1.
  Model model = SmallModel({"a", "b", "c"});
  model.trees.push_back(SmallTree(1, 1, {100000001, 100000002, 0}, {1, 0, 0}, {0, 0, 1}));
  const TreeEnsemble ensemble = ValueOrThrow(ToTreeEnsemble(model));
  const auto& weights = ensemble.trees[0].nodes[3].weights;
  ASSERT_EQ(static_cast<float>(100000001 / 200000003.0), static_cast<float>(100000002 / 200000003.0));
  EXPECT_GT(weights[1].weight, weights[0].weight);
  EXPECT_NEAR(weights[1].weight, 100000002 / 200000003.0, 1e-7);
  // An exact tie stays a tie: the first class wins, as in tad.
  Model tie = SmallModel({"a", "b", "c"});
  tie.trees.push_back(SmallTree(1, 1, {2, 2, 0}, {1, 0, 0}, {0, 0, 1}));
  const TreeEnsemble tied = ValueOrThrow(ToTreeEnsemble(tie));
  EXPECT_EQ(tied.trees[0].nodes[3].weights[0].weight, tied.trees[0].nodes[3].weights[1].weight);
}

TEST(TreeEnsembleTest, TwoClassesUseTheBinaryForm) {
  Model model = SmallModel({"no", "yes"});
  model.trees.push_back(SmallTree(1, 1, {100000000, 100000001}, {3, 1}, {0, 5}));
  const TreeEnsemble ensemble = ValueOrThrow(ToTreeEnsemble(model));
  for (const auto& node : ensemble.trees[0].nodes) {
    if (!node.is_leaf()) continue;
    ASSERT_EQ(node.weights.size(), 1u);
    EXPECT_EQ(node.weights[0].class_id, 1);
  }
  EXPECT_GT(ensemble.trees[0].nodes[3].weights[0].weight, 0.5f);  // predicts "yes" by a hair
  EXPECT_EQ(ensemble.trees[0].nodes[4].weights[0].weight, 0.25f);
  EXPECT_EQ(ensemble.trees[0].nodes[2].weights[0].weight, 1.0f);
}

TEST(TreeEnsembleTest, ForestWeightsAverageTheTreesShares) {
  Model model = SmallModel({"a", "b", "c"});
  model.parameters.classifier = Classifier::kRandomForest;
  model.trees.push_back(SmallTree(0.5, 0.5, {6, 3, 1}, {0, 2, 2}, {1, 1, 7}));
  model.trees.push_back(SmallTree(-1.25, 3, {1, 1, 1}, {0, 4, 0}, {2, 0, 1}));
  model.trees.push_back(SmallTree(2, -0.3, {5, 0, 0}, {1, 1, 2}, {0, 3, 3}));
  const TreeEnsemble ensemble = ValueOrThrow(ToTreeEnsemble(model));
  ASSERT_EQ(ensemble.trees.size(), 3u);
  // Row (1, 0): tree 0 -> C (1,1,7)/9, tree 1 -> C (2,0,1)/3, tree 2 -> B (1,1,2)/4.
  const std::vector<double> expected = {(1 / 9.0 + 2 / 3.0 + 1 / 4.0) / 3, (1 / 9.0 + 0 + 1 / 4.0) / 3,
                                        (7 / 9.0 + 1 / 3.0 + 2 / 4.0) / 3};
  const auto scores = Scores(ensemble, {1.0f, 0.0f});
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(scores[c], expected[c], 1e-7);
  EXPECT_NEAR(std::accumulate(scores.begin(), scores.end(), 0.0), 1.0, 1e-6);
}

TEST(TreeEnsembleTest, RefusesWhatItCannotDescribe) {
  Model two_trees = SmallModel({"a", "b", "c"});
  two_trees.trees.push_back(SmallTree(1, 1, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}));
  two_trees.trees.push_back(two_trees.trees[0]);
  EXPECT_EQ(ToTreeEnsemble(two_trees).status().code(), StatusCode::kInvalidData);

  Model empty_leaf = SmallModel({"a", "b", "c"});
  empty_leaf.trees.push_back(SmallTree(1, 1, {0, 0, 0}, {0, 1, 0}, {0, 0, 1}));
  const Status status = ToTreeEnsemble(empty_leaf).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidData);
  EXPECT_NE(status.message().find("without training rows"), std::string::npos) << status.message();

  Model wrong_prediction = SmallModel({"a", "b", "c"});
  wrong_prediction.trees.push_back(SmallTree(1, 1, {5, 1, 0}, {0, 1, 0}, {0, 0, 1}));
  wrong_prediction.trees[0].nodes[3].prediction = 1;
  EXPECT_EQ(ToTreeEnsemble(wrong_prediction).status().code(), StatusCode::kInvalidData);

  Model one_class = SmallModel({"a"});
  one_class.trees.push_back(SmallTree(1, 1, {1}, {2}, {3}));
  EXPECT_EQ(ToTreeEnsemble(one_class).status().code(), StatusCode::kInvalidData);
}

TEST(TreeEnsembleTest, ValidateFindsBrokenEnsembles) {
  Model model = SmallModel({"a", "b", "c"});
  model.trees.push_back(SmallTree(1, 1, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}));
  const TreeEnsemble good = ValueOrThrow(ToTreeEnsemble(model));
  EXPECT_TRUE(good.Validate().ok());

  TreeEnsemble bad = good;
  bad.trees[0].nodes[0].left = 0;  // a cycle
  EXPECT_FALSE(bad.Validate().ok());
  bad = good;
  bad.trees[0].nodes[0].feature = 2;
  EXPECT_FALSE(bad.Validate().ok());
  bad = good;
  bad.trees[0].nodes[3].weights[0].class_id = 3;
  EXPECT_FALSE(bad.Validate().ok());
  bad = good;
  bad.base_values = {0.5f};  // one per class, or none
  EXPECT_FALSE(bad.Validate().ok());
  bad.base_values = {0.5f, 0.25f, 0.25f};
  bad.post_transform = PostTransform::kSoftmax;
  EXPECT_TRUE(bad.Validate().ok());
  bad.post_transform = PostTransform::kLogistic;  // binary form only
  EXPECT_FALSE(bad.Validate().ok());

  TreeEnsemble full_binary = good;  // two classes with both classes' weights: not the binary form
  full_binary.classes = {"a", "b"};
  full_binary.trees[0].nodes[3].weights = {{0, 0.5f}, {1, 0.5f}};
  full_binary.trees[0].nodes[2].weights = {{1, 1.0f}};
  full_binary.trees[0].nodes[4].weights = {{1, 1.0f}};
  EXPECT_FALSE(full_binary.Validate().ok());
  full_binary.trees[0].nodes[3].weights = {{1, 0.5f}};
  EXPECT_TRUE(full_binary.Validate().ok());
}

}  // namespace
}  // namespace tad
