#include "tree/onnx_export.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_output.h"
#include "onnx/onnx_pb.h"  // the ONNX project's generated classes (onnx-ml.pb.h, as ONNX_ML is set)

namespace tad {
namespace {

// IR version 8 and ai.onnx.ml opset 3 (TreeEnsembleClassifier with its missing-value attribute):
// the newest that Debian's ONNX 1.12 checks, and ONNX Runtime 1.30 runs them (the integration
// test). The default domain is imported too, at 1.12's newest opset: the IR spec asks every model
// to name an ONNX operator set, although the graph uses none of its operators.
constexpr int64_t kIrVersion = 8;
constexpr int64_t kMlOpset = 3;
constexpr int64_t kDefaultOpset = 17;
constexpr std::string_view kMlDomain = "ai.onnx.ml";

const char* PostTransformName(PostTransform transform) {
  switch (transform) {
    case PostTransform::kSoftmax:
      return "SOFTMAX";
    case PostTransform::kLogistic:
      return "LOGISTIC";
    case PostTransform::kNone:
      break;
  }
  return "NONE";
}

void AddInts(onnx::NodeProto& node, const char* name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) attribute->add_ints(v);
}

void AddFloats(onnx::NodeProto& node, const char* name, const std::vector<float>& values) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::FLOATS);
  for (float v : values) attribute->add_floats(v);
}

void AddStrings(onnx::NodeProto& node, const char* name, const std::vector<std::string>& values) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRINGS);
  for (const auto& v : values) attribute->add_strings(v);
}

void AddString(onnx::NodeProto& node, const char* name, const std::string& value) {
  onnx::AttributeProto* attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::STRING);
  attribute->set_s(value);
}

// A tensor of `rows` (symbolic N) by `columns` values; columns 0 means one dimension.
void SetTensorType(onnx::ValueInfoProto& value, std::string_view name, int32_t elem_type, int64_t columns) {
  value.set_name(std::string(name));
  onnx::TypeProto_Tensor* tensor = value.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  tensor->mutable_shape()->add_dim()->set_dim_param("N");
  if (columns > 0) tensor->mutable_shape()->add_dim()->set_dim_value(columns);
}

// The operator's node and leaf attributes: one entry per node (nodes_*) and per leaf weight
// (class_*), trees one after another, node ids local to their tree.
void AddTrees(onnx::NodeProto& node, const TreeEnsemble& ensemble) {
  const bool binary = ensemble.classes.size() == 2;
  std::vector<int64_t> tree_ids, node_ids, feature_ids, true_ids, false_ids, missing_tracks_true;
  std::vector<float> values;
  std::vector<std::string> modes;
  std::vector<int64_t> class_tree_ids, class_node_ids, class_ids;
  std::vector<float> class_weights;
  for (size_t t = 0; t < ensemble.trees.size(); ++t) {
    const auto& nodes = ensemble.trees[t].nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const EnsembleNode& n = nodes[i];
      tree_ids.push_back(static_cast<int64_t>(t));
      node_ids.push_back(static_cast<int64_t>(i));
      feature_ids.push_back(n.is_leaf() ? 0 : n.feature);
      values.push_back(n.is_leaf() ? 0.0f : n.threshold);
      modes.emplace_back(n.is_leaf() ? "LEAF" : "BRANCH_LEQ");
      true_ids.push_back(n.is_leaf() ? 0 : n.left);
      false_ids.push_back(n.is_leaf() ? 0 : n.right);
      // tad's rule: NaN goes to the false branch (value <= threshold does not hold for it).
      missing_tracks_true.push_back(0);
      for (const LeafWeight& w : n.weights) {
        class_tree_ids.push_back(static_cast<int64_t>(t));
        class_node_ids.push_back(static_cast<int64_t>(i));
        // ONNX Runtime reads a two-class ensemble whose weights all have one class id as the
        // binary form, and writes probabilities [1 - p, p] only when that id is 0.
        class_ids.push_back(binary ? 0 : w.class_id);
        class_weights.push_back(w.weight);
      }
    }
  }
  AddInts(node, "nodes_treeids", tree_ids);
  AddInts(node, "nodes_nodeids", node_ids);
  AddInts(node, "nodes_featureids", feature_ids);
  AddFloats(node, "nodes_values", values);
  AddStrings(node, "nodes_modes", modes);
  AddInts(node, "nodes_truenodeids", true_ids);
  AddInts(node, "nodes_falsenodeids", false_ids);
  AddInts(node, "nodes_missing_value_tracks_true", missing_tracks_true);
  AddInts(node, "class_treeids", class_tree_ids);
  AddInts(node, "class_nodeids", class_node_ids);
  AddInts(node, "class_ids", class_ids);
  AddFloats(node, "class_weights", class_weights);
}

}  // namespace

std::vector<MetadataProperty> ModelMetadata(const Model& model, const std::string& tad_version) {
  // From the model file itself, so the metadata follows its format (one definition) and keeps
  // every key a later format adds.
  const auto file = nlohmann::ordered_json::parse(model.ToJson());
  std::vector<MetadataProperty> metadata;
  for (const auto& [key, value] : file.items()) {
    if (key == "trees") continue;
    metadata.push_back({key, value.is_string() ? value.get<std::string>() : value.dump()});
  }
  metadata.push_back({"tad_version", tad_version});
  return metadata;
}

Result<std::string> OnnxModelBytes(const TreeEnsemble& ensemble, const std::string& tad_version,
                                   const std::vector<MetadataProperty>& metadata) {
  TAD_RETURN_IF_ERROR(ensemble.Validate());
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("tad");
  model.set_producer_version(tad_version);
  model.set_doc_string("tad tree-ensemble classifier; metadata 'features' gives the input columns in order");
  onnx::OperatorSetIdProto* ml = model.add_opset_import();
  ml->set_domain(std::string(kMlDomain));
  ml->set_version(kMlOpset);
  model.add_opset_import()->set_version(kDefaultOpset);
  for (const auto& property : metadata) {
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(property.key);
    entry->set_value(property.value);
  }

  onnx::GraphProto* graph = model.mutable_graph();
  graph->set_name("tad");
  const int64_t num_features = static_cast<int64_t>(ensemble.features.size());
  const int64_t num_classes = static_cast<int64_t>(ensemble.classes.size());
  SetTensorType(*graph->add_input(), kOnnxInputName, onnx::TensorProto::FLOAT, num_features);
  SetTensorType(*graph->add_output(), kOnnxLabelOutput, onnx::TensorProto::STRING, 0);
  SetTensorType(*graph->add_output(), kOnnxProbabilitiesOutput, onnx::TensorProto::FLOAT, num_classes);

  onnx::NodeProto* node = graph->add_node();
  node->set_name("tree_ensemble");
  node->set_op_type("TreeEnsembleClassifier");
  node->set_domain(std::string(kMlDomain));
  node->add_input(std::string(kOnnxInputName));
  node->add_output(std::string(kOnnxLabelOutput));
  node->add_output(std::string(kOnnxProbabilitiesOutput));
  AddTrees(*node, ensemble);
  AddStrings(*node, "classlabels_strings", ensemble.classes);
  // Binary boosting (LOGISTIC) beware: when no leaf weight is negative, ONNX Runtime labels by
  // score > 0.5 instead of > 0 (its rule for probability-like weights); the probabilities are right
  // (seen with ONNX Runtime 1.30).
  AddString(*node, "post_transform", PostTransformName(ensemble.post_transform));
  if (!ensemble.base_values.empty()) AddFloats(*node, "base_values", ensemble.base_values);

  std::string bytes;
  if (!model.SerializeToString(&bytes)) return Status::Internal("ONNX model: protobuf serialization failed");
  return bytes;
}

Result<OnnxExportSummary> ExportOnnx(const OnnxExportOptions& options) {
  auto model = Model::Load(options.model);
  if (!model.ok()) return model.status();
  auto ensemble = ToTreeEnsemble(*model);
  auto bytes = ensemble.ok()
                   ? OnnxModelBytes(*ensemble, options.tad_version, ModelMetadata(*model, options.tad_version))
                   : Result<std::string>(ensemble.status());
  if (!bytes.ok()) {
    return bytes.status().WithContext(fmt::format("model file {} cannot be exported", options.model.string()));
  }

  auto output = AtomicOutput::Create(options.out, options.overwrite);
  if (!output.ok()) return output.status();
  {
    std::ofstream out(output->temp_path(), std::ios::binary);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!out.flush()) return Status::IoError(fmt::format("cannot write ONNX file {}", options.out.string()));
  }
  TAD_RETURN_IF_ERROR(output->Commit());

  OnnxExportSummary summary;
  summary.kind = std::string(ModelKind(model->parameters.classifier));
  summary.trees = static_cast<int64_t>(ensemble->trees.size());
  for (const auto& tree : ensemble->trees) summary.nodes += static_cast<int64_t>(tree.nodes.size());
  summary.features = static_cast<int64_t>(ensemble->features.size());
  summary.classes = static_cast<int64_t>(ensemble->classes.size());
  summary.bytes = static_cast<int64_t>(bytes->size());
  return summary;
}

}  // namespace tad
