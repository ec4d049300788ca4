#include "report/run_results.h"

#include <fmt/format.h>

#include <numeric>

#include "jobs/run_results.h"

namespace tad::report {
namespace {

using nlohmann::json;

// The value at a JSON pointer, or an InvalidData error naming it.
Result<json> Required(const json& object, const char* pointer) {
  const json::json_pointer where(pointer);
  if (!object.contains(where)) return Status::InvalidData(fmt::format("missing field {}", pointer));
  return object.at(where);
}

template <typename T>
Result<T> RequiredAs(const json& object, const char* pointer) {
  auto value = Required(object, pointer);
  if (!value.ok()) return value.status();
  try {
    return value->get<T>();
  } catch (const json::exception&) {
    return Status::InvalidData(fmt::format("field {} has the wrong type ({})", pointer, value->type_name()));
  }
}

template <typename T>
T Optional(const json& object, const char* pointer, T fallback) {
  const json::json_pointer where(pointer);
  if (!object.contains(where)) return fallback;
  try {
    return object.at(where).get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

double Mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

Result<RunSummary> SummariseRun(const json& results) {
  if (!results.is_object()) return Status::InvalidData("results are not a JSON object");
  const auto schema = Optional<std::string>(results, "/schema", "");
  if (schema != jobs::kRunResultsSchema) {
    return Status::InvalidData(fmt::format("schema is '{}', expected '{}'", schema, jobs::kRunResultsSchema));
  }
  RunSummary run;
  auto executors = RequiredAs<int>(results, "/executors");
  if (!executors.ok()) return executors.status();
  run.executors = *executors;
  run.cores = Optional<int>(results, "/cores", 0);
  run.oversubscribed = Optional<bool>(results, "/oversubscribed", run.cores > 0 && run.executors > run.cores);
  run.train_seconds = Optional<double>(results, "/timing/train_seconds", 0);
  auto total = RequiredAs<double>(results, "/timing/total_seconds");
  if (!total.ok()) return total.status();
  run.total_seconds = *total;
  for (auto [pointer, field] : {std::pair{"/metrics/accuracy", &run.accuracy},
                                {"/metrics/weighted_precision", &run.precision},
                                {"/metrics/weighted_recall", &run.recall},
                                {"/metrics/weighted_f1", &run.f1}}) {
    auto value = RequiredAs<double>(results, pointer);
    if (!value.ok()) return value.status();
    *field = *value;
  }
  run.comm_seconds = Mean(Optional<std::vector<double>>(results, "/communication/comm_seconds_per_executor", {}));
  run.compute_seconds = Mean(Optional<std::vector<double>>(results, "/communication/compute_seconds_per_executor", {}));
  for (uint64_t bytes : Optional<std::vector<uint64_t>>(results, "/communication/bytes_sent_per_executor", {})) {
    run.bytes_sent += bytes;
  }
  auto hash = RequiredAs<std::string>(results, "/model/hash");
  if (!hash.ok()) return hash.status();
  run.model_hash = *hash;
  return run;
}

uint64_t TreeNode::rows() const { return std::accumulate(counts.begin(), counts.end(), uint64_t{0}); }

Result<TreeModel> ParseTreeModel(const json& model) {
  if (!model.is_object()) return Status::InvalidData("model is not a JSON object");
  const auto format = Optional<std::string>(model, "/format", "");
  if (format != "tad.model/1")
    return Status::InvalidData(fmt::format("format is '{}', expected 'tad.model/1'", format));
  TreeModel tree;
  auto features = RequiredAs<std::vector<std::string>>(model, "/features");
  if (!features.ok()) return features.status();
  auto classes = RequiredAs<std::vector<std::string>>(model, "/classes");
  if (!classes.ok()) return classes.status();
  tree.features = std::move(features).value();
  tree.classes = std::move(classes).value();
  auto nodes = Required(model, "/trees/0/nodes");
  if (!nodes.ok()) return nodes.status();
  if (!nodes->is_array() || nodes->empty()) return Status::InvalidData("the tree has no nodes");
  tree.nodes.resize(nodes->size());
  std::vector<bool> seen(nodes->size(), false);
  for (const json& entry : *nodes) {
    auto id = RequiredAs<int>(entry, "/id");
    if (!id.ok()) return id.status();
    if (*id < 0 || static_cast<size_t>(*id) >= tree.nodes.size() || seen[*id]) {
      return Status::InvalidData(fmt::format("node id {} is out of range or repeated", *id));
    }
    seen[*id] = true;
    TreeNode& node = tree.nodes[*id];
    node.id = *id;
    node.depth = Optional<int>(entry, "/depth", 0);
    node.counts = Optional<std::vector<uint64_t>>(entry, "/counts", {});
    if (entry.contains("feature")) {
      node.feature = Optional<int>(entry, "/feature", -1);
      node.threshold = Optional<double>(entry, "/threshold", 0);
      node.left = Optional<int>(entry, "/left", -1);
      node.right = Optional<int>(entry, "/right", -1);
      if (node.feature < 0 || static_cast<size_t>(node.feature) >= tree.features.size()) {
        return Status::InvalidData(fmt::format("node {} splits on unknown feature {}", node.id, node.feature));
      }
      for (int child : {node.left, node.right}) {
        if (child < 0 || static_cast<size_t>(child) >= tree.nodes.size()) {
          return Status::InvalidData(fmt::format("node {} has an invalid child {}", node.id, child));
        }
      }
    } else {
      node.prediction = Optional<int>(entry, "/prediction", -1);
      if (node.prediction < 0 || static_cast<size_t>(node.prediction) >= tree.classes.size()) {
        return Status::InvalidData(fmt::format("leaf {} predicts unknown class {}", node.id, node.prediction));
      }
    }
  }
  // Every node is reached exactly once from the root: no cycles, no shared children, no orphans.
  std::vector<bool> reached(tree.nodes.size(), false);
  std::vector<int> stack{0};
  size_t count = 0;
  while (!stack.empty()) {
    const int id = stack.back();
    stack.pop_back();
    if (reached[id]) return Status::InvalidData(fmt::format("node {} is reached twice", id));
    reached[id] = true;
    ++count;
    if (!tree.nodes[id].leaf()) {
      stack.push_back(tree.nodes[id].right);
      stack.push_back(tree.nodes[id].left);
    }
  }
  if (count != tree.nodes.size()) return Status::InvalidData("some nodes are not reached from the root");
  return tree;
}

}  // namespace tad::report
