// tad eval DATASET --model M: the model's accuracy, weighted precision/recall/F1, per-class figures
// and confusion matrix on a dataset's test rows (the split the model was trained with) or all rows.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/train_support.h"
#include "jobs/eval.h"

namespace tad::cli {
namespace {

struct EvalCommandOptions {
  jobs::EvalOptions job;
  std::string json;
};

}  // namespace

CommandRunner AddEvalCommand(CLI::App& app) {
  auto options = std::make_shared<EvalCommandOptions>();
  CLI::App* command = app.add_subcommand("eval", "Evaluate a model on a dataset's test rows (or all rows)");
  command->add_option("dataset", options->job.dataset, "Parquet dataset folder")->required();
  command->add_option("--model", options->job.model, "model file written by tad train")->required();
  command->add_option("--json", options->json, "write the results JSON here ('-' for stdout)");
  command->add_flag("--all-rows", options->job.all_rows, "evaluate every row, not only the model's test split");
  command->add_option("--threads", options->job.threads, "threads (default: all cores)")->default_val(0);
  return [options] {
    options->job.command = CommandLineText();
    const jobs::RunResults results = ValueOrThrow(jobs::Eval(options->job));
    std::FILE* human = HumanOutput(options->json);
    const jobs::DatasetSummary& dataset = results.dataset;
    if (options->job.all_rows) {
      std::fprintf(human, "evaluated all %lld rows of %s (--all-rows)\n", static_cast<long long>(dataset.rows),
                   dataset.path.c_str());
    } else {
      std::fprintf(human, "evaluated the model's test split: %lld of the %lld rows of %s (--all-rows for every row)\n",
                   static_cast<long long>(dataset.evaluated_rows.value_or(0)), static_cast<long long>(dataset.rows),
                   dataset.path.c_str());
    }
    if (dataset.model_fingerprint && !dataset.model_fingerprint->empty() &&
        *dataset.model_fingerprint != dataset.fingerprint) {
      std::fprintf(stderr,
                   "tad eval: warning: %s is not the data the model was trained on (fingerprint %s, the model's %s): "
                   "its test split is not the rows held out in training\n",
                   dataset.path.c_str(), dataset.fingerprint.c_str(), dataset.model_fingerprint->c_str());
    }
    PrintEvaluation(human, 1, 0, results.timing.total_seconds, results.evaluation, false);
    if (!options->json.empty()) WriteTextOutput(options->json, results.ToJson(), true);
    return kExitOk;
  };
}

}  // namespace tad::cli
