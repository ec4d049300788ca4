// tad predict DATASET --model M --out predictions.parquet: one predicted class per row, with the
// row's file (relative to DATASET) and row number in that file.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "cli/train_options.h"
#include "common/atomic_output.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "tree/model.h"

namespace tad::cli {
namespace {

// A column name as a SQL identifier ("..." with quotes doubled).
std::string SqlIdentifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

struct PredictOptions {
  std::string dataset;
  std::string model;
  std::string out;
  bool overwrite = false;
  bool probabilities = false;
  int threads = 0;
};

int RunPredict(const PredictOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Model model = ValueOrThrow(Model::Load(options.model));
  const int threads = options.threads > 0 ? options.threads : DefaultThreads(1);
  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(threads));
  const ParquetDataset dataset = ValueOrThrow(ParquetDataset::Open(db, options.dataset, model.parameters.label));
  for (const auto& feature : model.features) {
    if (!dataset.FindColumn(feature)) {
      throw Error(Status::InvalidArgument(fmt::format("dataset {} has no column '{}' (a feature of the model)",
                                                      options.dataset, feature)));
    }
  }
  auto output = ValueOrThrow(AtomicOutput::Create(options.out, options.overwrite));

  // With --probabilities, one column per class: probability_<class>.
  std::string columns = "file VARCHAR, \"row\" BIGINT, prediction VARCHAR";
  if (options.probabilities) {
    for (const auto& name : model.classes) columns += ", " + SqlIdentifier("probability_" + name) + " DOUBLE";
  }
  ThrowIfError(db.Execute("CREATE TEMP TABLE predictions (" + columns + ")"));
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(db.connection(), nullptr, "predictions", &appender) == DuckDBError) {
    throw Error(Status::Internal("duckdb: cannot create an appender"));
  }
  const CompiledModel compiled(model);
  const size_t classes = model.classes.size();
  const int32_t width = static_cast<int32_t>(model.features.size());
  int64_t total = 0;
  double predict_seconds = 0;
  for (const auto& group : dataset.row_groups()) {
    LoadedRows rows;
    ThrowIfError(ReadRowGroup(db, dataset, group, model.features, model.parameters.seed, rows));
    std::vector<int32_t> predicted(static_cast<size_t>(rows.rows()));
    const auto predict_start = std::chrono::steady_clock::now();
    std::vector<double> probabilities;
    compiled.PredictBatch(rows.values.data(), rows.rows(), width, predicted.data(), threads);
    if (options.probabilities) {
      probabilities.resize(static_cast<size_t>(rows.rows()) * classes);
      compiled.PredictProbabilities(rows.values.data(), rows.rows(), width, probabilities.data(), threads);
    }
    predict_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - predict_start).count();
    for (int64_t r = 0; r < rows.rows(); ++r) {
      duckdb_append_varchar_length(appender, group.relative.data(), group.relative.size());
      duckdb_append_int64(appender, group.first_row + r);
      const std::string& name = model.classes[static_cast<size_t>(predicted[static_cast<size_t>(r)])];
      duckdb_append_varchar_length(appender, name.data(), name.size());
      for (size_t c = 0; c < (options.probabilities ? classes : 0); ++c) {
        duckdb_append_double(appender, probabilities[static_cast<size_t>(r) * classes + c]);
      }
      duckdb_appender_end_row(appender);
    }
    total += rows.rows();
  }
  const bool flushed = duckdb_appender_destroy(&appender) != DuckDBError;
  if (!flushed) throw Error(Status::Internal("duckdb: appending predictions failed"));
  ThrowIfError(db.Execute("COPY predictions TO " + SqlQuote(output.temp_path().string()) + " (FORMAT parquet)"));
  ThrowIfError(output.Commit());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%lld rows predicted in %.2f s (model: %.1f M rows/s) -> %s\n", static_cast<long long>(total), seconds,
              predict_seconds > 0 ? static_cast<double>(total) / predict_seconds / 1e6 : 0.0, options.out.c_str());
  return kExitOk;
}

}  // namespace

CommandRunner AddPredictCommand(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  CLI::App* command = app.add_subcommand("predict", "Predict the class of every row of a dataset");
  command->add_option("dataset", options->dataset, "Parquet dataset folder")->required();
  command->add_option("--model", options->model, "model file written by tad train")->required();
  command->add_option("--out", options->out, "predictions Parquet file (columns file, row, prediction)")->required();
  command->add_flag("--overwrite", options->overwrite, "replace an existing output file");
  command->add_flag("--probabilities", options->probabilities,
                    "also write one column per class, probability_<class> (a forest: the mean of its trees' leaf "
                    "class shares)");
  command->add_option("--threads", options->threads, "threads (default: all cores)")->default_val(0);
  return [options] { return RunPredict(*options); };
}

}  // namespace tad::cli
