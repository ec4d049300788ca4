// The ONNX file's structure, read back with the ONNX project's own protobuf classes. Whether ONNX
// Runtime computes what tad does is the integration test's job (tests/integration/onnx_export_test.sh).
#include "tree/onnx_export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "onnx/onnx_pb.h"

namespace tad {
namespace {

namespace fs = std::filesystem;

TreeNode Node(int32_t id, int32_t feature, double threshold, int32_t left, int32_t right, std::vector<int64_t> counts) {
  TreeNode node;
  node.id = id;
  node.depth = id == 0 ? 0 : 1;
  node.feature = feature;
  node.threshold = threshold;
  node.left = left;
  node.right = right;
  node.counts = std::move(counts);
  return node;
}

TreeNode Leaf(int32_t id, std::vector<int64_t> counts, int32_t prediction) {
  TreeNode node = Node(id, -1, 0, -1, -1, std::move(counts));
  node.prediction = prediction;
  return node;
}

// x1 <= 0.1 ? [3, 1, 0] : [0, 1, 4], on features x0, x1, x2.
Model StumpModel(std::vector<std::string> classes) {
  Model model;
  model.parameters.split_by = SplitBy::kRow;  // as training resolves it: a model file never says auto
  model.features = {"x0", "x1", "x2"};
  model.classes = std::move(classes);
  const bool binary = model.classes.size() == 2;
  model.training_data = {"00ff", 9, 9, 0, binary ? std::vector<int64_t>{4, 5} : std::vector<int64_t>{3, 2, 4}};
  DecisionTree tree;
  if (binary) {
    tree.nodes = {Node(0, 1, 0.1, 1, 2, {4, 5}), Leaf(1, {3, 1}, 0), Leaf(2, {1, 4}, 1)};
  } else {
    tree.nodes = {Node(0, 1, 0.1, 1, 2, {3, 2, 4}), Leaf(1, {3, 1, 0}, 0), Leaf(2, {0, 1, 4}, 2)};
  }
  model.trees.push_back(tree);
  return model;
}

onnx::ModelProto Parse(const std::string& bytes) {
  onnx::ModelProto proto;
  EXPECT_TRUE(proto.ParseFromString(bytes));
  return proto;
}

std::map<std::string, const onnx::AttributeProto*> Attributes(const onnx::NodeProto& node) {
  std::map<std::string, const onnx::AttributeProto*> attributes;
  for (const auto& attribute : node.attribute()) attributes[attribute.name()] = &attribute;
  return attributes;
}

std::string Metadata(const onnx::ModelProto& proto, const std::string& key) {
  for (const auto& entry : proto.metadata_props()) {
    if (entry.key() == key) return entry.value();
  }
  ADD_FAILURE() << "no metadata property " << key;
  return "";
}

TEST(OnnxExportTest, OneTreeEnsembleClassifierWithTadsRules) {
  const Model model = StumpModel({"a", "b", "c"});
  const TreeEnsemble ensemble = ValueOrThrow(ToTreeEnsemble(model));
  const onnx::ModelProto proto = Parse(ValueOrThrow(OnnxModelBytes(ensemble, "9.8.7", ModelMetadata(model, "9.8.7"))));

  EXPECT_EQ(proto.ir_version(), 8);
  EXPECT_EQ(proto.producer_name(), "tad");
  EXPECT_EQ(proto.producer_version(), "9.8.7");
  bool ml_opset_3 = false;
  for (const auto& opset : proto.opset_import()) ml_opset_3 |= opset.domain() == "ai.onnx.ml" && opset.version() == 3;
  EXPECT_TRUE(ml_opset_3);

  const onnx::GraphProto& graph = proto.graph();
  ASSERT_EQ(graph.input_size(), 1);
  const auto& input = graph.input(0).type().tensor_type();
  EXPECT_EQ(graph.input(0).name(), "input");
  EXPECT_EQ(input.elem_type(), onnx::TensorProto::FLOAT);
  ASSERT_EQ(input.shape().dim_size(), 2);
  EXPECT_EQ(input.shape().dim(1).dim_value(), 3);
  ASSERT_EQ(graph.output_size(), 2);
  EXPECT_EQ(graph.output(0).name(), "label");
  EXPECT_EQ(graph.output(0).type().tensor_type().elem_type(), onnx::TensorProto::STRING);
  EXPECT_EQ(graph.output(1).name(), "probabilities");
  EXPECT_EQ(graph.output(1).type().tensor_type().shape().dim(1).dim_value(), 3);

  ASSERT_EQ(graph.node_size(), 1);
  const onnx::NodeProto& node = graph.node(0);
  EXPECT_EQ(node.op_type(), "TreeEnsembleClassifier");
  EXPECT_EQ(node.domain(), "ai.onnx.ml");
  auto attributes = Attributes(node);
  ASSERT_TRUE(attributes.count("nodes_values"));
  EXPECT_EQ(attributes["nodes_values"]->floats(0), FloatThresholdAtOrBelow(0.1));
  EXPECT_EQ(attributes["nodes_featureids"]->ints(0), 1);
  EXPECT_EQ(attributes["nodes_modes"]->strings(0), "BRANCH_LEQ");
  EXPECT_EQ(attributes["nodes_modes"]->strings(1), "LEAF");
  ASSERT_EQ(attributes["nodes_missing_value_tracks_true"]->ints_size(), 3);
  for (int64_t tracks_true : attributes["nodes_missing_value_tracks_true"]->ints()) EXPECT_EQ(tracks_true, 0);
  EXPECT_EQ(attributes["class_ids"]->ints_size(), 6);  // every class at both leaves
  EXPECT_EQ(attributes["class_weights"]->floats(5), 0.8f);
  EXPECT_EQ(attributes["post_transform"]->s(), "NONE");
  ASSERT_EQ(attributes["classlabels_strings"]->strings_size(), 3);
  EXPECT_EQ(attributes["classlabels_strings"]->strings(2), "c");
  EXPECT_FALSE(attributes.count("base_values"));

  EXPECT_EQ(nlohmann::json::parse(Metadata(proto, "features")).get<std::vector<std::string>>(), model.features);
  EXPECT_EQ(nlohmann::json::parse(Metadata(proto, "classes")).get<std::vector<std::string>>(), model.classes);
  EXPECT_EQ(nlohmann::json::parse(Metadata(proto, "parameters")).at("max_depth"), model.parameters.max_depth);
  EXPECT_EQ(Metadata(proto, "kind"), "decision_tree");
  EXPECT_EQ(Metadata(proto, "missing_values"), model.missing_values);
  EXPECT_EQ(Metadata(proto, "tad_version"), "9.8.7");
  for (const auto& entry : proto.metadata_props()) EXPECT_NE(entry.key(), "trees");
}

TEST(OnnxExportTest, TwoClassesAreWrittenInOnnxRuntimesBinaryForm) {
  const Model model = StumpModel({"no", "yes"});
  const onnx::ModelProto proto =
      Parse(ValueOrThrow(OnnxModelBytes(ValueOrThrow(ToTreeEnsemble(model)), "1", ModelMetadata(model, "1"))));
  auto attributes = Attributes(proto.graph().node(0));
  ASSERT_EQ(attributes["class_ids"]->ints_size(), 2);  // one weight per leaf: class 1's share
  for (int64_t id : attributes["class_ids"]->ints()) EXPECT_EQ(id, 0);
  EXPECT_EQ(attributes["class_weights"]->floats(0), 0.25f);
  EXPECT_EQ(attributes["class_weights"]->floats(1), 0.8f);
}

TEST(OnnxExportTest, InvalidEnsemblesAreRefused) {
  TreeEnsemble ensemble = ValueOrThrow(ToTreeEnsemble(StumpModel({"a", "b", "c"})));
  ensemble.trees[0].nodes[0].right = 7;
  EXPECT_EQ(OnnxModelBytes(ensemble, "1", {}).status().code(), StatusCode::kInvalidData);
}

class OnnxExportFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tad_onnx_export_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ThrowIfError(StumpModel({"a", "b", "c"}).Save(dir_ / "model.json", false));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  OnnxExportOptions Options(const std::string& model) {
    OnnxExportOptions options;
    options.model = dir_ / model;
    options.out = dir_ / "model.onnx";
    options.tad_version = "1";
    return options;
  }
  size_t Files() { return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator())); }
  fs::path dir_;
};

TEST_F(OnnxExportFileTest, WritesWholeFilesAndKeepsExistingOnes) {
  const OnnxExportSummary summary = ValueOrThrow(ExportOnnx(Options("model.json")));
  EXPECT_EQ(summary.kind, "decision_tree");
  EXPECT_EQ(summary.trees, 1);
  EXPECT_EQ(summary.nodes, 3);
  EXPECT_EQ(summary.features, 3);
  EXPECT_EQ(summary.classes, 3);
  const std::string bytes = Read(dir_ / "model.onnx");
  EXPECT_EQ(static_cast<int64_t>(bytes.size()), summary.bytes);
  EXPECT_EQ(Parse(bytes).graph().node(0).op_type(), "TreeEnsembleClassifier");

  const Status exists = ExportOnnx(Options("model.json")).status();
  EXPECT_EQ(exists.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(exists.message().find("--overwrite"), std::string::npos) << exists.message();
  OnnxExportOptions overwrite = Options("model.json");
  overwrite.overwrite = true;
  EXPECT_TRUE(ExportOnnx(overwrite).ok());
  EXPECT_EQ(Read(dir_ / "model.onnx"), bytes);
  EXPECT_EQ(Files(), 2u);  // model.json and model.onnx: no temporaries left
}

TEST_F(OnnxExportFileTest, UnreadableAndForeignModelFilesAreNamed) {
  const Status missing = ExportOnnx(Options("absent.json")).status();
  EXPECT_EQ(missing.code(), StatusCode::kIoError);
  EXPECT_NE(missing.message().find("absent.json"), std::string::npos) << missing.message();

  std::ofstream(dir_ / "foreign.json") << "{\"format\": \"onnx\"}";
  const Status foreign = ExportOnnx(Options("foreign.json")).status();
  EXPECT_EQ(foreign.code(), StatusCode::kInvalidData);
  EXPECT_NE(foreign.message().find("foreign.json"), std::string::npos) << foreign.message();

  Model empty_leaf = StumpModel({"a", "b", "c"});
  empty_leaf.trees[0].nodes[1].counts = {0, 0, 0};
  ThrowIfError(empty_leaf.Save(dir_ / "empty_leaf.json", false));
  const Status unconvertible = ExportOnnx(Options("empty_leaf.json")).status();
  EXPECT_EQ(unconvertible.code(), StatusCode::kInvalidData);
  EXPECT_NE(unconvertible.message().find("empty_leaf.json"), std::string::npos) << unconvertible.message();
  EXPECT_FALSE(fs::exists(dir_ / "model.onnx"));
}

}  // namespace
}  // namespace tad
