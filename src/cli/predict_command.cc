// tad predict DATASET --model M --out predictions.parquet: one predicted class per row, with the
// row's file (relative to DATASET) and row number in that file.
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "jobs/predict.h"

namespace tad::cli {

CommandRunner AddPredictCommand(CLI::App& app) {
  auto options = std::make_shared<jobs::PredictOptions>();
  CLI::App* command = app.add_subcommand("predict", "Predict the class of every row of a dataset");
  command->add_option("dataset", options->dataset, "Parquet dataset folder")->required();
  command->add_option("--model", options->model, "model file written by tad train")->required();
  command->add_option("--out", options->out, "predictions Parquet file (columns file, row, prediction)")->required();
  command->add_flag("--overwrite", options->overwrite, "replace an existing output file");
  command->add_flag("--probabilities", options->probabilities,
                    "also write one column per class, probability_<class> (a forest: the mean of its trees' leaf "
                    "class shares)");
  command->add_option("--threads", options->threads, "threads (default: all cores)")->default_val(0);
  return [options] {
    const jobs::PredictSummary summary = ValueOrThrow(jobs::Predict(*options));
    std::printf("%lld rows predicted in %.2f s (model: %.1f M rows/s) -> %s\n", static_cast<long long>(summary.rows),
                summary.seconds,
                summary.predict_seconds > 0 ? static_cast<double>(summary.rows) / summary.predict_seconds / 1e6 : 0.0,
                options->out.c_str());
    return kExitOk;
  };
}

}  // namespace tad::cli
