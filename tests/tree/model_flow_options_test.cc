// The model file's flow_options (docs/model-format.md): written when the training dataset recorded
// them, read back exactly, absent in older files, refused when damaged.
#include <gtest/gtest.h>

#include "tree/model.h"

namespace tad {
namespace {

Model OneLeafModel() {
  Model model;
  model.parameters.split_by = SplitBy::kRow;  // a model file never says auto
  model.features = {"packets"};
  model.classes = {"A", "B"};
  model.training_data = {"0123456789abcdef", 2, 2, 0, {1, 1}};
  TreeNode leaf;
  leaf.counts = {1, 1};
  model.trees.push_back(DecisionTree{{leaf}});
  return model;
}

TEST(ModelFlowOptionsTest, AbsentUnlessRecordedAndOlderFilesStillLoad) {
  const std::string text = OneLeafModel().ToJson();
  EXPECT_EQ(text.find("flow_options"), std::string::npos);
  auto model = Model::FromJson(text, "old.json");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE(model->flow_options.has_value());
}

TEST(ModelFlowOptionsTest, RoundTripsThroughTheModelFile) {
  Model model = OneLeafModel();
  model.flow_options = FlowOptions{FeatureRows::kFlows, 30, 300, 12};
  const std::string text = model.ToJson();
  EXPECT_NE(text.find(R"("flow_options": {"rows": "flows", "idle_timeout_s": 30, "active_timeout_s": 300, "splt": 12})"),
            std::string::npos)
      << text;
  auto read = Model::FromJson(text, "m.json");
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->flow_options, model.flow_options);
  EXPECT_EQ(read->ToJson(), text);
}

TEST(ModelFlowOptionsTest, DamagedOptionsAreRefusedNamingTheFile) {
  Model model = OneLeafModel();
  model.flow_options = FlowOptions{FeatureRows::kFlows, 30, 300, 12};
  std::string text = model.ToJson();
  text.replace(text.find("\"idle_timeout_s\": 30"), 20, "\"idle_timeout_s\": -1");
  auto read = Model::FromJson(text, "m.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(read.status().message().find("m.json"), std::string::npos) << read.status().message();
}

}  // namespace
}  // namespace tad
