// tad eval DATASET --model M: the model's accuracy, weighted precision/recall/F1, per-class figures
// and confusion matrix on a dataset's test rows (the split the model was trained with) or all rows.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>

#include "cli/command.h"
#include "cli/train_options.h"
#include "cli/train_support.h"
#include "common/hash.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "tree/model.h"

namespace tad::cli {
namespace {

struct EvalOptions {
  std::string dataset;
  std::string model;
  std::string json;
  bool all_rows = false;
  int threads = 0;
};

int RunEval(const EvalOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Model model = ValueOrThrow(Model::Load(options.model));
  const int threads = options.threads > 0 ? options.threads : DefaultThreads(1);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(threads));
  const ParquetDataset dataset = ValueOrThrow(ParquetDataset::Open(db, options.dataset, model.parameters.label));
  ThrowIfError(dataset.CheckColumns(model.features));

  const size_t num_classes = model.classes.size();
  const int32_t width = static_cast<int32_t>(model.features.size());
  const CompiledModel compiled(model);
  std::vector<int64_t> confusion(num_classes * num_classes, 0);
  for (const auto& group : dataset.row_groups()) {
    LoadedRows rows;
    ThrowIfError(
        ReadRowGroup(db, dataset, group, model.features, model.parameters.seed, rows, model.parameters.split_by));
    std::vector<int32_t> class_of_label;
    for (const auto& name : rows.label_names) {
      auto found = std::lower_bound(model.classes.begin(), model.classes.end(), name);
      if (found == model.classes.end() || *found != name) {
        throw Error(Status::InvalidData(
            fmt::format("{}: label '{}' is not one of the model's classes", group.relative, name)));
      }
      class_of_label.push_back(static_cast<int32_t>(found - model.classes.begin()));
    }
    std::vector<int32_t> predicted(static_cast<size_t>(rows.rows()));
    compiled.PredictBatch(rows.values.data(), rows.rows(), width, predicted.data(), threads);
    for (int64_t r = 0; r < rows.rows(); ++r) {
      if (!options.all_rows && !IsTestRow(rows.split_key[static_cast<size_t>(r)], model.parameters.test_fraction)) continue;
      const size_t truth = static_cast<size_t>(class_of_label[static_cast<size_t>(rows.labels[static_cast<size_t>(r)])]);
      ++confusion[truth * num_classes + static_cast<size_t>(predicted[static_cast<size_t>(r)])];
    }
  }
  const Evaluation evaluation = Evaluate(model.classes, confusion);
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.json != "-") PrintEvaluation(1, 0, total_seconds, evaluation, false);

  if (!options.json.empty()) {
    int64_t rows = 0;
    for (int64_t v : confusion) rows += v;
    nlohmann::ordered_json results;
    results["schema"] = "tad.run/1";
    results["job"] = "tad-eval";
    results["command"] = CommandLineText();
    results["dataset"] = {{"path", options.dataset}, {"fingerprint", dataset.fingerprint()},
                          {"rows", dataset.total_rows()}, {"evaluated_rows", rows},
                          {"split", options.all_rows ? "all" : "test"}};
    results["parameters"] = ParametersJson(model.parameters, model.features);
    results["executors"] = 1;
    results["threads"] = threads;
    results["timing"] = {{"total_seconds", total_seconds}};
    const nlohmann::ordered_json evaluation_json = EvaluationJson(evaluation);
    for (const auto& [key, value] : evaluation_json.items()) results[key] = value;
    std::string text;
    {
      std::ifstream in(options.model, std::ios::binary);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    results["model"] = ModelSummaryJson(model, options.model, fmt::format("{:016x}", HashBytes(text)));
    WriteTextOutput(options.json, results.dump(2) + "\n", true);
  }
  return kExitOk;
}

}  // namespace

CommandRunner AddEvalCommand(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command = app.add_subcommand("eval", "Evaluate a model on a dataset's test rows (or all rows)");
  command->add_option("dataset", options->dataset, "Parquet dataset folder")->required();
  command->add_option("--model", options->model, "model file written by tad train")->required();
  command->add_option("--json", options->json, "write the results JSON here ('-' for stdout)");
  command->add_flag("--all-rows", options->all_rows, "evaluate every row, not only the model's test split");
  command->add_option("--threads", options->threads, "threads (default: all cores)")->default_val(0);
  return [options] { return RunEval(*options); };
}

}  // namespace tad::cli
