#include "tree/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <simdjson.h>

#include "common/atomic_output.h"
#include "tree/histogram.h"

namespace tad {
namespace {

using nlohmann::json;

std::string JsonString(const std::string& text) { return json(text).dump(); }

// Shortest text that reads back as the same double; always has a '.' or exponent.
std::string JsonDouble(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

template <typename T>
std::string JsonIntArray(const std::vector<T>& values) {
  return "[" + fmt::format("{}", fmt::join(values, ", ")) + "]";
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + JsonString(values[i]);
  return text + "]";
}

// The parameters the model's classifier uses, in the table's order.
std::string ParametersJson(const TreeParameters& p) {
  std::string text = "{";
  for (const auto& spec : kTreeParameterSpecs) {
    if (!spec.in_model_parameters || !AppliesTo(spec, p.classifier)) continue;
    if (spec.omitted_at_default && ParameterText(p, spec) == spec.default_value) continue;
    text += fmt::format("{}\"{}\": {}", text.size() > 1 ? ", " : "", ParameterKey(spec), ParameterJson(p, spec));
  }
  return text + "}";
}

// Damaged-file errors: one message shape for every check.
Status Damaged(const std::string& source, const std::string& what) {
  return Status::InvalidData(fmt::format("model file {} is damaged: {}", source, what));
}

// The model file is read with simdjson (Debian's libsimdjson): nlohmann's parser took most of
// classify's fixed cost on a 1.5 MB forest file, a DOM of maps and strings per node and, even
// through its SAX interface, a lexer several times slower than simdjson's. The trees, nearly all
// of the file, go straight from simdjson's document into TreeNodes; the small header is converted
// to a nlohmann document for the checks that the command line shares (parameters, flow options).
// The file is written with fmt (ToJson): one writer.

// simdjson's value as a nlohmann value, numbers as they are (no text round trip).
json ToNlohmann(simdjson::dom::element element) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::ARRAY: {
      json array = json::array();
      const simdjson::dom::array items = element.get_array().value_unsafe();
      for (simdjson::dom::element item : items) array.push_back(ToNlohmann(item));
      return array;
    }
    case element_type::OBJECT: {
      json object = json::object();
      const simdjson::dom::object fields = element.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair field : fields) {
        object[std::string(field.key)] = ToNlohmann(field.value);  // a repeated key: the last one counts
      }
      return object;
    }
    case element_type::INT64: return element.get_int64().value_unsafe();
    case element_type::UINT64: return element.get_uint64().value_unsafe();
    case element_type::DOUBLE: return element.get_double().value_unsafe();
    case element_type::STRING: return std::string(element.get_string().value_unsafe());
    case element_type::BOOL: return element.get_bool().value_unsafe();
    case element_type::NULL_VALUE: break;
  }
  return nullptr;
}

// A node's keys; a key not here is ignored.
enum class NodeField : uint8_t { kId, kDepth, kCounts, kRows, kFeature, kThreshold, kLeft, kRight, kGain, kPrediction,
                                 kValue, kUnknown };
constexpr std::string_view kNodeFieldNames[] = {"id",   "depth", "counts", "rows",       "feature", "threshold",
                                                "left", "right", "gain",   "prediction", "value"};

NodeField NodeFieldNamed(std::string_view name) {
  for (size_t f = 0; f < std::size(kNodeFieldNames); ++f) {
    if (kNodeFieldNames[f] == name) return static_cast<NodeField>(f);
  }
  return NodeField::kUnknown;
}
std::string_view FieldName(NodeField field) { return kNodeFieldNames[static_cast<size_t>(field)]; }
uint32_t Bit(NodeField field) { return 1u << static_cast<uint32_t>(field); }
bool IsSplitField(NodeField field) {
  return field == NodeField::kThreshold || field == NodeField::kLeft || field == NodeField::kRight ||
         field == NodeField::kGain;
}
int32_t* IntegerField(TreeNode& node, NodeField field) {
  switch (field) {
    case NodeField::kId: return &node.id;
    case NodeField::kDepth: return &node.depth;
    case NodeField::kFeature: return &node.feature;
    case NodeField::kLeft: return &node.left;
    case NodeField::kRight: return &node.right;
    case NodeField::kPrediction: return &node.prediction;
    default: return nullptr;
  }
}

// One key of a node into `node` (gbt's "rows" into `rows`); what is wrong with it, or "".
std::string ReadNodeField(NodeField field, simdjson::dom::element value, TreeNode& node, int64_t& rows) {
  switch (field) {
    case NodeField::kThreshold:
    case NodeField::kGain:
    case NodeField::kValue: {
      double number = 0;
      if (value.get_double().get(number)) return "is not a number";
      (field == NodeField::kThreshold ? node.threshold : field == NodeField::kGain ? node.gain : node.value) = number;
      return "";
    }
    case NodeField::kCounts: {
      simdjson::dom::array counts;
      if (value.get_array().get(counts)) return "is not an array";
      node.counts.clear();
      node.counts.reserve(counts.size());
      for (simdjson::dom::element count : counts) {
        int64_t number = 0;
        if (count.get_int64().get(number)) return "holds a value that is not an integer";
        node.counts.push_back(number);
      }
      return "";
    }
    case NodeField::kRows:
      return value.get_int64().get(rows) ? "is not an integer" : "";
    default: {
      int64_t number = 0;
      if (value.get_int64().get(number) || number < std::numeric_limits<int32_t>::min() ||
          number > std::numeric_limits<int32_t>::max()) {
        return "is not a 32-bit integer";
      }
      *IntegerField(node, field) = static_cast<int32_t>(number);
      return "";
    }
  }
}

// The "trees" value, each node's fields as the model's kind reads them (gbt: `rows` and leaf
// `value`; the others: `counts` and leaf `prediction`); a leaf keeps only its leaf field, a split
// only its split fields, whatever else the file holds.
Result<std::vector<DecisionTree>> ReadTrees(simdjson::dom::element trees_json, bool boosted) {
  simdjson::dom::array trees_array;
  if (trees_json.get_array().get(trees_array)) return Status::InvalidData("trees is not an array");
  std::vector<DecisionTree> trees;
  trees.reserve(trees_array.size());
  for (simdjson::dom::element tree_json : trees_array) {
    const size_t t = trees.size();
    simdjson::dom::object tree_object;
    if (tree_json.get_object().get(tree_object)) return Status::InvalidData(fmt::format("tree {} is not an object", t));
    std::optional<simdjson::dom::element> nodes_json;
    for (simdjson::dom::key_value_pair field : tree_object) {
      if (field.key == "nodes") nodes_json = field.value;
    }
    if (!nodes_json) return Status::InvalidData(fmt::format("tree {} has no \"nodes\"", t));
    simdjson::dom::array nodes;
    if (nodes_json->get_array().get(nodes)) return Status::InvalidData(fmt::format("tree {}: nodes is not an array", t));
    DecisionTree& tree = trees.emplace_back();
    tree.nodes.reserve(nodes.size());
    for (simdjson::dom::element node_json : nodes) {
      const size_t i = tree.nodes.size();
      simdjson::dom::object node_object;
      if (node_json.get_object().get(node_object)) {
        return Status::InvalidData(fmt::format("tree {} node {} is not an object", t, i));
      }
      TreeNode& node = tree.nodes.emplace_back();
      uint32_t seen = 0;
      int64_t rows = 0;
      for (simdjson::dom::key_value_pair field_json : node_object) {
        const NodeField field = NodeFieldNamed(field_json.key);
        if (field == NodeField::kUnknown) continue;
        seen |= Bit(field);
        const std::string wrong = ReadNodeField(field, field_json.value, node, rows);
        if (!wrong.empty()) {
          return Status::InvalidData(fmt::format("tree {} node {}: \"{}\" {}", t, i, FieldName(field), wrong));
        }
      }
      const bool split = (seen & Bit(NodeField::kFeature)) != 0;
      const NodeField leaf_field = boosted ? NodeField::kValue : NodeField::kPrediction;
      for (NodeField field : {NodeField::kId, NodeField::kDepth, boosted ? NodeField::kRows : NodeField::kCounts,
                              NodeField::kThreshold, NodeField::kLeft, NodeField::kRight, NodeField::kGain, leaf_field}) {
        const bool needed = IsSplitField(field) ? split : (field != leaf_field || !split);
        if (needed && (seen & Bit(field)) == 0) {
          return Status::InvalidData(fmt::format("tree {} node {} has no \"{}\"", t, i, FieldName(field)));
        }
      }
      if (boosted) node.counts.assign(1, rows);
      if (split || boosted) node.prediction = 0;
      if (split || !boosted) node.value = 0;
      if (!split) {
        node.threshold = 0;
        node.left = node.right = -1;
        node.gain = 0;
      }
    }
  }
  return trees;
}

}  // namespace

int32_t DecisionTree::depth() const {
  int32_t depth = 0;
  for (const auto& node : nodes) depth = std::max(depth, node.depth);
  return depth;
}

int64_t DecisionTree::leaves() const {
  return std::count_if(nodes.begin(), nodes.end(), [](const TreeNode& node) { return node.is_leaf(); });
}

std::string Model::ToJson() const {
  std::string out = "{\n";
  out += fmt::format("  \"format\": {},\n", JsonString(std::string(kModelFormat)));
  out += fmt::format("  \"kind\": {},\n", JsonString(std::string(ModelKind(parameters.classifier))));
  out += fmt::format("  \"parameters\": {},\n", ParametersJson(parameters));
  out += fmt::format("  \"features\": {},\n", JsonStringArray(features));
  out += fmt::format("  \"classes\": {},\n", JsonStringArray(classes));
  out += fmt::format("  \"missing_values\": {},\n", JsonString(missing_values));
  out += fmt::format(
      "  \"training_data\": {{\"fingerprint\": {}, \"rows\": {}, \"train_rows\": {}, \"test_rows\": {}, "
      "\"class_counts\": {}}},\n",
      JsonString(training_data.fingerprint), training_data.rows, training_data.train_rows, training_data.test_rows,
      JsonIntArray(training_data.class_counts));
  if (flow_options) out += fmt::format("  \"flow_options\": {},\n", FlowOptionsJson(*flow_options));
  const bool boosted = parameters.classifier == Classifier::kGbt;
  if (boosted) {
    std::string base = "[";
    for (size_t i = 0; i < base_score.size(); ++i) base += (i ? ", " : "") + JsonDouble(base_score[i]);
    out += fmt::format("  \"base_score\": {}],\n", base);
  }
  out += "  \"trees\": [\n";
  for (size_t t = 0; t < trees.size(); ++t) {
    out += "    {\"nodes\": [\n";
    const auto& nodes = trees[t].nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
      const TreeNode& node = nodes[i];
      if (boosted) {
        out += fmt::format("      {{\"id\": {}, \"depth\": {}, \"rows\": {}", node.id, node.depth, node.counts.at(0));
      } else {
        out += fmt::format("      {{\"id\": {}, \"depth\": {}, \"counts\": {}", node.id, node.depth,
                           JsonIntArray(node.counts));
      }
      if (node.is_leaf()) {
        out += boosted ? fmt::format(", \"value\": {}}}", JsonDouble(node.value))
                       : fmt::format(", \"prediction\": {}}}", node.prediction);
      } else {
        out += fmt::format(", \"feature\": {}, \"threshold\": {}, \"left\": {}, \"right\": {}, \"gain\": {}}}",
                           node.feature, JsonDouble(node.threshold), node.left, node.right, JsonDouble(node.gain));
      }
      out += i + 1 < nodes.size() ? ",\n" : "\n";
    }
    out += t + 1 < trees.size() ? "    ]},\n" : "    ]}\n";
  }
  out += "  ]\n}\n";
  return out;
}

Result<Model> Model::FromJson(std::string_view text, const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto error = parser.parse(text.data(), text.size()).get(root)) {
    return Status::InvalidData(fmt::format("model file {} is not a tad model (not valid JSON: {})", source,
                                           simdjson::error_message(error)));
  }
  // The header as a nlohmann document; the trees are read from simdjson's below.
  json doc;
  std::optional<simdjson::dom::element> trees_json;
  simdjson::dom::object fields;
  if (!root.get_object().get(fields)) {
    doc = json::object();
    for (simdjson::dom::key_value_pair field : fields) {
      if (field.key == "trees") {
        trees_json = field.value;  // a repeated key: the last one counts
      } else {
        doc[std::string(field.key)] = ToNlohmann(field.value);
      }
    }
  } else {
    doc = ToNlohmann(root);
  }
  if (!doc.is_object() || !doc.contains("format") || !doc["format"].is_string()) {
    return Status::InvalidData(fmt::format("model file {} is not a tad model (no \"format\" key)", source));
  }
  const std::string format = doc["format"].get<std::string>();
  if (format != kModelFormat) {
    return Status::InvalidData(
        fmt::format("model file {} has format '{}'; this tad reads '{}'", source, format, kModelFormat));
  }
  Model model;
  try {
    const std::string kind = doc.at("kind").get<std::string>();
    bool known_kind = false;
    for (Classifier classifier : kClassifiers) {
      if (ModelKind(classifier) != kind) continue;
      model.parameters.classifier = classifier;
      known_kind = true;
    }
    if (!known_kind) return Damaged(source, "unknown kind '" + kind + "'");
    const json& p = doc.at("parameters");
    for (const auto& spec : kTreeParameterSpecs) {
      if (!spec.in_model_parameters || !AppliesTo(spec, model.parameters.classifier)) continue;
      const std::string key = ParameterKey(spec);
      if (!p.contains(key) && !spec.value_when_absent.empty()) {
        ThrowIfError(SetParameter(model.parameters, spec, spec.value_when_absent));
        continue;
      }
      const json& value = p.at(key);
      const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      const Status status = SetParameter(model.parameters, spec, text);
      if (!status.ok()) return Damaged(source, "parameter " + key + ": " + status.message());
    }
    // The split is resolved before training; a model that says "auto" was not written by tad.
    if (model.parameters.split_by == SplitBy::kAuto) return Damaged(source, "parameter split_by: auto is not a split");
    model.features = doc.at("features").get<std::vector<std::string>>();
    model.classes = doc.at("classes").get<std::vector<std::string>>();
    model.missing_values = doc.at("missing_values").get<std::string>();
    const json& data = doc.at("training_data");
    model.training_data.fingerprint = data.at("fingerprint").get<std::string>();
    model.training_data.rows = data.at("rows").get<int64_t>();
    model.training_data.train_rows = data.at("train_rows").get<int64_t>();
    model.training_data.test_rows = data.at("test_rows").get<int64_t>();
    model.training_data.class_counts = data.at("class_counts").get<std::vector<int64_t>>();
    if (doc.contains("flow_options")) {
      auto flow_options = ParseFlowOptions(doc["flow_options"].dump(), "model file " + source);
      if (!flow_options.ok()) return flow_options.status();
      model.flow_options = *flow_options;
    }
    if (model.parameters.classifier == Classifier::kGbt) model.base_score = doc.at("base_score").get<std::vector<double>>();
  } catch (const json::exception& e) {
    return Damaged(source, e.what());
  }
  if (!trees_json) return Damaged(source, "no \"trees\"");
  auto trees = ReadTrees(*trees_json, model.parameters.classifier == Classifier::kGbt);
  if (!trees.ok()) return Damaged(source, trees.status().message());
  model.trees = std::move(*trees);

  // Structure: every reference in range, every node reached exactly once from the root.
  if (model.features.empty()) return Damaged(source, "no features");
  if (model.classes.empty()) return Damaged(source, "no classes");
  if (model.training_data.class_counts.size() != model.classes.size()) {
    return Damaged(source, "class_counts does not match classes");
  }
  if (model.trees.empty()) return Damaged(source, "no trees");
  const int32_t num_features = static_cast<int32_t>(model.features.size());
  const int32_t num_classes = static_cast<int32_t>(model.classes.size());
  const bool boosted = model.parameters.classifier == Classifier::kGbt;
  if (boosted) {
    const size_t per_round = static_cast<size_t>(TreesPerRound(num_classes));
    if (num_classes < 2) return Damaged(source, "gbt needs two or more classes");
    if (model.base_score.size() != per_round) return Damaged(source, fmt::format("base_score needs {} values", per_round));
    for (double value : model.base_score) {
      if (!std::isfinite(value)) return Damaged(source, "base_score is not finite");
    }
    if (model.trees.size() % per_round != 0) {
      return Damaged(source, fmt::format("{} trees is not a whole number of rounds of {}", model.trees.size(), per_round));
    }
  }
  for (size_t t = 0; t < model.trees.size(); ++t) {
    const auto& nodes = model.trees[t].nodes;
    const int32_t count = static_cast<int32_t>(nodes.size());
    if (count == 0) return Damaged(source, fmt::format("tree {} has no nodes", t));
    std::vector<int> parents(nodes.size(), 0);
    for (int32_t i = 0; i < count; ++i) {
      const TreeNode& node = nodes[static_cast<size_t>(i)];
      // Formatted only for an error: a forest has tens of thousands of nodes.
      auto damaged = [&](std::string_view what) { return Damaged(source, fmt::format("tree {} node {}{}", t, i, what)); };
      if (node.id != i) return damaged(" has id " + std::to_string(node.id));
      if (node.counts.size() != (boosted ? 1u : static_cast<size_t>(num_classes))) {
        return damaged(boosted ? ": rows" : ": counts");
      }
      if (node.is_leaf()) {
        if (node.prediction < 0 || node.prediction >= num_classes) return damaged(": prediction");
        if (!std::isfinite(node.value)) return damaged(": value");
        continue;
      }
      if (node.feature >= num_features) return damaged(": feature out of range");
      if (!std::isfinite(node.threshold)) return damaged(": threshold");
      for (int32_t child : {node.left, node.right}) {
        if (child <= i || child >= count) return damaged(": child out of range");
        if (++parents[static_cast<size_t>(child)] > 1) return damaged(": node reached twice");
      }
    }
    for (int32_t i = 1; i < count; ++i) {
      if (parents[static_cast<size_t>(i)] != 1) return Damaged(source, fmt::format("tree {} node {} is unreachable", t, i));
    }
  }
  return model;
}

Result<Model> Model::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::IoError(fmt::format("cannot read model file {}", path.string()));
  std::string text(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return Status::IoError(fmt::format("cannot read model file {}", path.string()));
  }
  return FromJson(text, path.string());
}

Status Model::Save(const std::filesystem::path& path, bool overwrite) const {
  auto output = AtomicOutput::Create(path, overwrite);
  if (!output.ok()) return output.status();
  {
    std::ofstream out(output->temp_path(), std::ios::binary);
    const std::string text = ToJson();
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) return Status::IoError(fmt::format("cannot write model file {}", path.string()));
  }
  return output->Commit();
}

std::vector<double> Model::FeatureImportances() const {
  std::vector<double> total(features.size(), 0.0);
  for (const auto& tree : trees) {
    std::vector<double> importance(features.size(), 0.0);
    for (const auto& node : tree.nodes) {
      if (node.is_leaf()) continue;
      int64_t rows = 0;
      for (int64_t c : node.counts) rows += c;
      importance[static_cast<size_t>(node.feature)] += node.gain * static_cast<double>(rows);
    }
    double sum = 0;
    for (double v : importance) sum += v;
    if (sum > 0) {
      for (size_t f = 0; f < importance.size(); ++f) total[f] += importance[f] / sum;
    }
  }
  double sum = 0;
  for (double v : total) sum += v;
  if (sum > 0) {
    for (double& v : total) v /= sum;
  }
  return total;
}

int32_t TreesPerRound(int32_t classes) { return classes == 2 ? 1 : classes; }

void MarginsToProbabilities(const double* margins, int32_t classes, double* probabilities) {
  if (classes == 2) {
    probabilities[1] = 1.0 / (1.0 + std::exp(-margins[0]));
    probabilities[0] = 1.0 - probabilities[1];
    return;
  }
  const double largest = *std::max_element(margins, margins + classes);
  double sum = 0;
  for (int32_t c = 0; c < classes; ++c) {
    probabilities[c] = std::exp(margins[c] - largest);
    sum += probabilities[c];
  }
  for (int32_t c = 0; c < classes; ++c) probabilities[c] /= sum;
}


float FloatThresholdAtOrBelow(double threshold) {
  constexpr float kLargest = std::numeric_limits<float>::max();
  // Outside the finite float range the answer is known; converting there would not be defined.
  if (threshold >= static_cast<double>(kLargest)) return kLargest;
  if (threshold < -static_cast<double>(kLargest)) return -std::numeric_limits<float>::infinity();
  const float nearest = static_cast<float>(threshold);
  return static_cast<double>(nearest) > threshold ? std::nextafter(nearest, -kLargest) : nearest;
}

CompiledTree::CompiledTree(const DecisionTree& tree) {
  // Depth from the structure (children have larger ids than their parent), not from the file's
  // "depth" fields: a row must take enough steps to reach its leaf whatever a file claims.
  std::vector<int32_t> level(tree.nodes.size(), 0);
  for (const auto& node : tree.nodes) {
    if (node.is_leaf()) continue;
    for (int32_t child : {node.left, node.right}) level[static_cast<size_t>(child)] = level[static_cast<size_t>(node.id)] + 1;
    depth_ = std::max(depth_, level[static_cast<size_t>(node.id)] + 1);
  }
  for (const auto& node : tree.nodes) {
    if (node.is_leaf()) {
      nodes_.push_back(Node{0, 0.0f, {node.id, node.id}});
    } else {
      nodes_.push_back(Node{node.feature, FloatThresholdAtOrBelow(node.threshold), {node.left, node.right}});
    }
    prediction_.push_back(node.prediction);
  }
}

template <typename Emit>
void CompiledTree::Walk(const float* rows, int64_t begin, int64_t end, int32_t features, int32_t* out,
                        Emit emit) const {
  // Rows walked in lockstep: enough independent loads in flight to hide the latency of each step.
  constexpr int64_t kLockstep = 16;
  int64_t r = begin;
  for (; r + kLockstep <= end; r += kLockstep) {
    int32_t node[kLockstep] = {};
    for (int32_t step = 0; step < depth_; ++step) {
      for (int64_t i = 0; i < kLockstep; ++i) {
        node[i] = Next(nodes_[static_cast<size_t>(node[i])], rows + (r + i) * features);
      }
    }
    for (int64_t i = 0; i < kLockstep; ++i) out[r + i] = emit(node[i]);
  }
  for (; r < end; ++r) {
    int32_t node = 0;
    for (int32_t step = 0; step < depth_; ++step) node = Next(nodes_[static_cast<size_t>(node)], rows + r * features);
    out[r] = emit(node);
  }
}

void CompiledTree::PredictBatch(const float* rows, int64_t count, int32_t features, int32_t* out, int threads) const {
  ParallelBlocks(count, threads, [&](int64_t begin, int64_t end, int) {
    Walk(rows, begin, end, features, out, [this](int32_t node) { return prediction_[static_cast<size_t>(node)]; });
  });
}

void CompiledTree::LeafBatch(const float* rows, int64_t count, int32_t features, int32_t* leaves) const {
  Walk(rows, 0, count, features, leaves, [](int32_t node) { return node; });
}

CompiledModel::CompiledModel(const Model& model)
    : base_score_(model.base_score),
      boosted_(model.parameters.classifier == Classifier::kGbt),
      classes_(static_cast<int32_t>(model.classes.size())) {
  for (const auto& tree : model.trees) {
    trees_.emplace_back(tree);
    if (boosted_) {
      std::vector<double> values(tree.nodes.size(), 0.0);
      for (const auto& node : tree.nodes) values[static_cast<size_t>(node.id)] = node.value;
      leaf_values_.push_back(std::move(values));
      continue;
    }
    std::vector<double> shares(tree.nodes.size() * static_cast<size_t>(classes_), 0.0);
    for (const auto& node : tree.nodes) {
      int64_t total = 0;
      for (int64_t c : node.counts) total += c;
      for (int32_t c = 0; c < classes_; ++c) {
        shares[static_cast<size_t>(node.id) * static_cast<size_t>(classes_) + static_cast<size_t>(c)] =
            total > 0 ? static_cast<double>(node.counts[static_cast<size_t>(c)]) / static_cast<double>(total) : 0.0;
      }
    }
    leaf_shares_.push_back(std::move(shares));
  }
}

void CompiledModel::PredictProbabilities(const float* rows, int64_t count, int32_t features, double* out,
                                         int threads) const {
  if (boosted_) {
    PredictBoosted(rows, count, features, out, threads);
  } else {
    PredictShares(rows, count, features, out, threads);
  }
}

void CompiledModel::PredictBoosted(const float* rows, int64_t count, int32_t features, double* out,
                                   int threads) const {
  const size_t classes = static_cast<size_t>(classes_);
  const size_t per_round = base_score_.size();
  ParallelBlocks(count, threads, [&](int64_t begin, int64_t end, int) {
    constexpr int64_t kBlock = 256;  // rows per pass over the trees, so the leaves stay in cache
    std::vector<int32_t> leaves(kBlock);
    std::vector<double> margins(static_cast<size_t>(kBlock) * per_round);
    for (int64_t block = begin; block < end; block += kBlock) {
      const int64_t rows_in_block = std::min(kBlock, end - block);
      for (int64_t i = 0; i < rows_in_block; ++i) {
        std::copy(base_score_.begin(), base_score_.end(), margins.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(i) * per_round));
      }
      // Trees in model order, so every row sums its leaf values in the same order as training.
      for (size_t t = 0; t < trees_.size(); ++t) {
        trees_[t].LeafBatch(rows + block * features, rows_in_block, features, leaves.data());
        const size_t k = t % per_round;
        for (int64_t i = 0; i < rows_in_block; ++i) {
          margins[static_cast<size_t>(i) * per_round + k] += leaf_values_[t][static_cast<size_t>(leaves[static_cast<size_t>(i)])];
        }
      }
      for (int64_t i = 0; i < rows_in_block; ++i) {
        MarginsToProbabilities(margins.data() + static_cast<size_t>(i) * per_round, classes_,
                               out + static_cast<size_t>(block + i) * classes);
      }
    }
  });
}

void CompiledModel::PredictShares(const float* rows, int64_t count, int32_t features, double* out,
                                  int threads) const {  const size_t classes = static_cast<size_t>(classes_);
  ParallelBlocks(count, threads, [&](int64_t begin, int64_t end, int) {
    constexpr int64_t kBlock = 256;  // rows per pass over the trees, so the leaves stay in cache
    std::vector<int32_t> leaves(kBlock);
    for (int64_t block = begin; block < end; block += kBlock) {
      const int64_t rows_in_block = std::min(kBlock, end - block);
      double* probabilities = out + static_cast<size_t>(block) * classes;
      std::fill(probabilities, probabilities + static_cast<size_t>(rows_in_block) * classes, 0.0);
      for (size_t t = 0; t < trees_.size(); ++t) {
        trees_[t].LeafBatch(rows + block * features, rows_in_block, features, leaves.data());
        for (int64_t i = 0; i < rows_in_block; ++i) {
          const double* share = leaf_shares_[t].data() + static_cast<size_t>(leaves[static_cast<size_t>(i)]) * classes;
          for (size_t c = 0; c < classes; ++c) probabilities[static_cast<size_t>(i) * classes + c] += share[c];
        }
      }
      const double scale = 1.0 / static_cast<double>(trees_.size());
      for (size_t i = 0; i < static_cast<size_t>(rows_in_block) * classes; ++i) probabilities[i] *= scale;
    }
  });
}

void CompiledModel::PredictBatch(const float* rows, int64_t count, int32_t features, int32_t* out, int threads) const {
  if (!boosted_ && trees_.size() == 1) {
    trees_.front().PredictBatch(rows, count, features, out, threads);
    return;
  }
  std::vector<double> probabilities(static_cast<size_t>(count) * static_cast<size_t>(classes_));
  PredictWithProbabilities(rows, count, features, out, probabilities.data(), threads);
}

void CompiledModel::PredictWithProbabilities(const float* rows, int64_t count, int32_t features, int32_t* predicted,
                                             double* probabilities, int threads) const {
  PredictProbabilities(rows, count, features, probabilities, threads);
  if (!boosted_ && trees_.size() == 1) {  // a tree predicts its leaf's class, as PredictBatch
    trees_.front().PredictBatch(rows, count, features, predicted, threads);
    return;
  }
  const size_t classes = static_cast<size_t>(classes_);
  for (int64_t r = 0; r < count; ++r) {
    const double* row = probabilities + static_cast<size_t>(r) * classes;
    predicted[r] = static_cast<int32_t>(std::max_element(row, row + classes) - row);  // first maximum: lowest index
  }
}

}  // namespace tad
