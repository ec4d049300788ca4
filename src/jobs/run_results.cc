#include "jobs/run_results.h"

#include <algorithm>
#include <fmt/format.h>

#include "common/hash.h"

namespace tad::jobs {
namespace {

using Json = nlohmann::ordered_json;

template <typename T>
void PutIfSet(Json& object, const char* key, const std::optional<T>& value) {
  if (value) object[key] = *value;
}

template <typename T>
std::optional<T> GetIfPresent(const Json& object, const char* key) {
  if (!object.contains(key)) return std::nullopt;
  return object.at(key).get<T>();
}

}  // namespace

Result<Evaluation> Evaluation::FromCounts(const std::vector<std::string>& classes, std::vector<int64_t> counts) {
  auto matrix = ConfusionMatrix::FromCounts(classes, std::move(counts));
  if (!matrix.ok()) return matrix.status();
  ClassificationReport report = ClassificationReport::From(*matrix);
  return Evaluation{std::move(*matrix), std::move(report)};
}

ModelSummary ModelSummary::Of(const Model& model, const std::string& path, std::string_view model_text) {
  ModelSummary summary;
  summary.path = path;
  summary.hash = fmt::format("{:016x}", HashBytes(model_text));
  summary.trees = static_cast<int64_t>(model.trees.size());
  for (const DecisionTree& tree : model.trees) {
    summary.nodes += static_cast<int64_t>(tree.nodes.size());
    summary.leaves += tree.leaves();
    summary.depth = std::max(summary.depth, tree.depth());
  }
  const auto importances = model.FeatureImportances();
  for (size_t f = 0; f < model.features.size(); ++f) summary.feature_importances.emplace_back(model.features[f], importances[f]);
  return summary;
}

std::string RunResults::ToJson() const {
  Json out;
  out["schema"] = kRunResultsSchema;
  out["job"] = job;
  out["command"] = command;
  Json data = {{"path", dataset.path}, {"fingerprint", dataset.fingerprint}, {"rows", dataset.rows}};
  PutIfSet(data, "train_rows", dataset.train_rows);
  PutIfSet(data, "test_rows", dataset.test_rows);
  PutIfSet(data, "evaluated_rows", dataset.evaluated_rows);
  PutIfSet(data, "split", dataset.split);
  PutIfSet(data, "model_fingerprint", dataset.model_fingerprint);
  PutIfSet(data, "row_kind", dataset.row_kind);
  out["dataset"] = std::move(data);
  out["parameters"] = parameters;
  if (split) out["split"] = {{"by", split->by}, {"reason", split->reason}};
  out["executors"] = executors;
  out["threads"] = threads;
  if (placement) {
    out["cores"] = placement->cores;
    out["oversubscribed"] = placement->oversubscribed;
    out["hosts"] = placement->hosts;
  }
  Json time = Json::object();
  PutIfSet(time, "load_seconds", timing.load_seconds);
  PutIfSet(time, "train_seconds", timing.train_seconds);
  PutIfSet(time, "evaluate_seconds", timing.evaluate_seconds);
  time["total_seconds"] = timing.total_seconds;
  PutIfSet(time, "predict_rows_per_second", timing.predict_rows_per_second);
  out["timing"] = std::move(time);
  if (communication) {
    out["communication"] = {{"bytes_sent_per_executor", communication->bytes_sent_per_executor},
                            {"comm_seconds_per_executor", communication->comm_seconds_per_executor},
                            {"compute_seconds_per_executor", communication->compute_seconds_per_executor},
                            {"bytes_per_level", communication->bytes_per_level}};
  }
  const Json figures = EvaluationJson(evaluation.matrix, evaluation.report);
  for (const auto& [key, value] : figures.items()) out[key] = value;
  Json importances = Json::object();
  for (const auto& [feature, value] : model.feature_importances) importances[feature] = value;
  out["model"] = {{"path", model.path},     {"hash", model.hash},   {"trees", model.trees},
                  {"nodes", model.nodes},   {"leaves", model.leaves}, {"depth", model.depth},
                  {"feature_importances", importances}};
  if (metrics_file) out["telemetry"] = {{"metrics_file", *metrics_file}};
  return out.dump(2) + "\n";
}

Result<RunResults> RunResults::FromJson(std::string_view text, const std::string& source) {
  const Json doc = Json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidData(source + ": not a JSON object");
  const std::string schema = doc.value("schema", std::string());
  if (schema != kRunResultsSchema) {
    return Status::InvalidData(fmt::format("{}: schema is '{}', expected '{}'", source, schema, kRunResultsSchema));
  }
  // The field being read, for the message when it is missing or of the wrong type.
  std::string field;
  try {
    RunResults run;
    field = "job";
    run.job = doc.value("job", std::string());
    run.command = doc.value("command", std::string());
    if (doc.contains("dataset")) {
      field = "dataset";
      const Json& d = doc.at("dataset");
      run.dataset.path = d.value("path", std::string());
      run.dataset.fingerprint = d.value("fingerprint", std::string());
      run.dataset.rows = d.value("rows", int64_t{0});
      run.dataset.train_rows = GetIfPresent<int64_t>(d, "train_rows");
      run.dataset.test_rows = GetIfPresent<int64_t>(d, "test_rows");
      run.dataset.evaluated_rows = GetIfPresent<int64_t>(d, "evaluated_rows");
      run.dataset.split = GetIfPresent<std::string>(d, "split");
      run.dataset.model_fingerprint = GetIfPresent<std::string>(d, "model_fingerprint");
      run.dataset.row_kind = GetIfPresent<std::string>(d, "row_kind");
    }
    run.parameters = doc.value("parameters", Json::object());
    if (doc.contains("split")) {
      field = "split";
      run.split = SplitSummary{doc.at("split").at("by").get<std::string>(), doc.at("split").value("reason", std::string())};
    }
    field = "executors";
    run.executors = doc.at("executors").get<int>();
    field = "threads";
    run.threads = doc.value("threads", 1);
    if (doc.contains("cores")) {
      field = "cores";
      Placement placement;
      placement.cores = doc.at("cores").get<int>();
      placement.oversubscribed = doc.value("oversubscribed", run.executors > placement.cores);
      placement.hosts = doc.value("hosts", std::vector<std::string>{});
      run.placement = std::move(placement);
    }
    field = "timing/total_seconds";
    const Json& t = doc.at("timing");
    run.timing.total_seconds = t.at("total_seconds").get<double>();
    field = "timing";
    run.timing.load_seconds = GetIfPresent<double>(t, "load_seconds");
    run.timing.train_seconds = GetIfPresent<double>(t, "train_seconds");
    run.timing.evaluate_seconds = GetIfPresent<double>(t, "evaluate_seconds");
    run.timing.predict_rows_per_second = GetIfPresent<double>(t, "predict_rows_per_second");
    if (doc.contains("communication")) {
      field = "communication";
      const Json& c = doc.at("communication");
      Communication communication;
      communication.bytes_sent_per_executor = c.value("bytes_sent_per_executor", std::vector<uint64_t>{});
      communication.comm_seconds_per_executor = c.value("comm_seconds_per_executor", std::vector<double>{});
      communication.compute_seconds_per_executor = c.value("compute_seconds_per_executor", std::vector<double>{});
      communication.bytes_per_level = c.value("bytes_per_level", std::vector<uint64_t>{});
      run.communication = std::move(communication);
    }
    // The figures follow from the matrix, so they are computed from it, not read.
    field = "confusion_matrix";
    const Json& matrix = doc.at("confusion_matrix");
    std::vector<int64_t> counts;
    for (const auto& row : matrix.at("matrix")) {
      for (const auto& count : row) counts.push_back(count.get<int64_t>());
    }
    auto evaluation = Evaluation::FromCounts(matrix.at("labels").get<std::vector<std::string>>(), std::move(counts));
    if (!evaluation.ok()) return Status::InvalidData(source + ": confusion_matrix: " + evaluation.status().message());
    run.evaluation = std::move(*evaluation);
    field = "model";
    const Json& m = doc.at("model");
    run.model.path = m.value("path", std::string());
    field = "model/hash";
    run.model.hash = m.at("hash").get<std::string>();
    field = "model";
    run.model.trees = m.value("trees", int64_t{1});
    run.model.nodes = m.value("nodes", int64_t{0});
    run.model.leaves = m.value("leaves", int64_t{0});
    run.model.depth = m.value("depth", 0);
    const Json importances = m.value("feature_importances", Json::object());
    for (const auto& [feature, value] : importances.items()) {
      run.model.feature_importances.emplace_back(feature, value.get<double>());
    }
    if (doc.contains("telemetry")) run.metrics_file = doc.at("telemetry").value("metrics_file", std::string());
    return run;
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidData(fmt::format("{}: field {} is missing or has the wrong type", source, field));
  }
}

nlohmann::ordered_json ParametersJson(const TreeParameters& p, const std::vector<std::string>& features) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (const auto& spec : kTreeParameterSpecs) {
    if (!AppliesTo(spec, p.classifier)) continue;
    json[ParameterKey(spec)] = nlohmann::ordered_json::parse(ParameterJson(p, spec));
  }
  json["features"] = features;
  return json;
}

}  // namespace tad::jobs
