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

}  // namespace tad::report
