#include "report/tree_summary.h"

#include <gtest/gtest.h>

#include "report/files.h"

namespace tad::report {
namespace {

Model FixtureTree() {
  auto model = Model::Load(std::string(TAD_TESTDATA_DIR) + "/run/model.json");
  EXPECT_TRUE(model.ok()) << model.status().message();
  return *model;
}

TEST(TreeShape, LevelByLevel) {
  const TreeShape shape = ShapeOf(FixtureTree());
  EXPECT_EQ(shape.depth, 3);
  EXPECT_EQ(shape.nodes, 7);
  EXPECT_EQ(shape.leaves, 4);
  EXPECT_EQ(shape.nodes_per_level, (std::vector<int>{1, 2, 2, 2}));
  EXPECT_EQ(shape.leaves_per_level, (std::vector<int>{0, 1, 1, 2}));
}

TEST(TopRules, LargestLeavesFirstInWords) {
  const auto rules = TopRules(FixtureTree(), 10);
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].text, "if frame_len > 1200.5 then Video (n=900, 83 %)");
  EXPECT_EQ(rules[1].text, "if frame_len ≤ 1200.5 and dst_port > 443 then Social (n=690, 52 %)");
  // Two tests on frame_len along a path merge into one condition.
  EXPECT_EQ(rules[2].text, "if frame_len ≤ 200.5 and dst_port ≤ 443 then Games (n=285, 88 %)");
  EXPECT_EQ(rules[3].text, "if 200.5 < frame_len ≤ 1200.5 and dst_port ≤ 443 then Games (n=125, 40 %)");
  EXPECT_EQ(rules[3].conditions.size(), 2u);
  EXPECT_EQ(rules[2].rows, 285u);
  EXPECT_NEAR(rules[2].purity, 250.0 / 285.0, 1e-12);
}

TEST(TopRules, ALoneLeafIsAlwaysItsClass) {
  Model tree;
  tree.features = {"frame_len"};
  tree.classes = {"Games", "Video"};
  tree.trees = {DecisionTree{{TreeNode{0, 0, {3, 1}, -1, 0, -1, -1, 0, 0}}}};
  const auto rules = TopRules(tree, 5);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].text, "always Games (n=4, 75 %)");
  EXPECT_EQ(ShapeOf(tree).depth, 0);
}

TEST(TopRules, ThresholdsPrintShort) {
  EXPECT_EQ(FormatThreshold(443), "443");
  EXPECT_EQ(FormatThreshold(1200.5), "1200.5");
  EXPECT_EQ(FormatThreshold(0.123456789), "0.123457");
}

}  // namespace
}  // namespace tad::report
