#include "jobs/train.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <span>

#include "cluster/collectives.h"
#include "common/atomic_output.h"
#include "common/elapsed.h"
#include "dataset/duckdb_database.h"
#include "dataset/flow_options.h"
#include "dataset/parquet_dataset.h"
#include "jobs/threads.h"
#include "tree/train_model.h"
#include "tree/training_data.h"

namespace tad::jobs {
namespace {

namespace fs = std::filesystem;

// The steps that may fail on one rank alone run through this, so that the failure becomes a
// Status the ranks can agree on instead of an exception that leaves the others waiting.
template <typename Step>
Status Attempt(Step&& step) {
  try {
    return step();
  } catch (const Error& e) {
    return e.status();
  } catch (const std::exception& e) {
    return Status::Internal(e.what());
  }
}

// Each rank's figures for the driver: bytes sent, seconds in collectives, compute seconds and
// prediction rate, by rank.
constexpr size_t kFiguresPerExecutor = 4;

// Driver only: the model file, then results.json in the run folder; neither is left if either fails.
// The model path results.json records: relative to the run folder when there is one, so that a
// copied run folder names its own model (tad report resolves it there); else as given.
std::string RecordedModelPath(const TrainOptions& options) {
  if (options.run_dir.empty()) return options.model;
  const fs::path model = fs::absolute(options.model).lexically_normal();
  return model.lexically_relative(fs::absolute(options.run_dir).lexically_normal()).string();
}

Status WriteOutputs(const TrainOptions& options, const Model& model, const RunResults& results) {
  TAD_RETURN_IF_ERROR(model.Save(options.model, options.overwrite));
  if (options.run_dir.empty()) return Status::Ok();
  const Status written = Attempt([&] {
    fs::create_directories(options.run_dir);
    return WriteFileAtomically((fs::path(options.run_dir) / "results.json").string(), results.ToJson(), true);
  });
  if (!written.ok()) {
    std::error_code ignored;
    fs::remove(options.model, ignored);
  }
  return written;
}

}  // namespace

Result<RunResults> Train(const TrainOptions& options, Communicator& communicator, TrainingObserver* observer) {
  const auto start = SteadyClock::now();
  const int threads = options.threads > 0 ? options.threads : DefaultThreads(communicator.size());
  if (observer) observer->OnPhase(TrainingPhase::kStarting);

  // Every rank opens and checks its own dataset (in an MPMD job they may be given different ones).
  std::optional<DuckDatabase> db;
  std::optional<ParquetDataset> dataset;
  std::vector<std::string> features;
  std::optional<FlowOptions> flow_options;  // recorded by extract; the model carries them to classify
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, Attempt([&] {
    db.emplace(ValueOrThrow(DuckDatabase::OpenInMemory(1)));
    dataset.emplace(ValueOrThrow(ParquetDataset::Open(*db, options.dataset, options.parameters.label)));
    flow_options = ValueOrThrow(ReadFlowOptions(*db, options.dataset));
    features = ChooseFeatures(*dataset, options.features);
    TAD_RETURN_IF_ERROR(dataset->CheckColumns(features));
    if (static_cast<size_t>(communicator.size()) > dataset->row_groups().size()) {
      return Status::InvalidArgument(fmt::format(
          "{} executors but dataset {} has only {} row groups: every executor needs at least one; use --executors {} "
          "or fewer",
          communicator.size(), options.dataset, dataset->row_groups().size(), dataset->row_groups().size()));
    }
    return Status::Ok();
  })));

  // Ranks given different datasets must still train on the same columns.
  std::string joined;
  for (const auto& feature : features) joined += feature + ',';
  const std::vector<std::string> chosen = AllGatherStrings(communicator, joined);
  TAD_RETURN_IF_ERROR(AgreeOnStatus(
      communicator, chosen[static_cast<size_t>(communicator.rank())] == chosen[0]
                        ? Status::Ok()
                        : Status::InvalidData(fmt::format("dataset {} gives the features {}, executor 0's gives {}",
                                                          options.dataset, joined, chosen[0]))));

  // ... and on the flow options their datasets were extracted with.
  const std::vector<std::string> recorded =
      AllGatherStrings(communicator, flow_options ? FlowOptionsJson(*flow_options) : "none");
  TAD_RETURN_IF_ERROR(AgreeOnStatus(
      communicator, recorded[static_cast<size_t>(communicator.rank())] == recorded[0]
                        ? Status::Ok()
                        : Status::InvalidData(fmt::format("dataset {} was extracted with the flow options {}, executor "
                                                          "0's with {}",
                                                          options.dataset, recorded[static_cast<size_t>(communicator.rank())],
                                                          recorded[0]))));

  // Loading and binning agree on their own errors.
  auto loaded = LoadTrainingData(*db, *dataset, features, options.parameters, communicator, threads, observer);
  if (!loaded.ok()) return loaded.status();
  TrainingData& data = *loaded;
  const double load_seconds = SecondsSince(start);

  if (observer) observer->OnPhase(TrainingPhase::kTraining);
  const auto train_start = SteadyClock::now();
  TrainingStats stats;
  Model model = TrainModel(data, options.parameters, communicator, threads, observer, &stats);
  model.flow_options = flow_options;
  const double train_seconds = SecondsSince(train_start);

  if (observer) observer->OnPhase(TrainingPhase::kEvaluating);
  const auto evaluate_start = SteadyClock::now();
  const int64_t test_rows = data.test.rows();
  const size_t num_classes = data.classes.size();
  std::vector<int64_t> confusion(num_classes * num_classes, 0);
  const auto predict_start = SteadyClock::now();
  // The test rows are stored binned; the threads predict them a block at a time from their bins'
  // values (TestRowValues: the same predictions as the raw values), each worker counting into its
  // own confusion matrix (integer counts: the sum does not depend on who took which block).
  constexpr int64_t kPredictBlockRows = 1 << 14;
  const int64_t blocks = (test_rows + kPredictBlockRows - 1) / kPredictBlockRows;
  const int workers = ItemWorkers(blocks, threads);
  const CompiledModel compiled(model);  // once: compiling per block cost more than a boosted model's walk
  std::vector<std::vector<int64_t>> confusion_of(static_cast<size_t>(workers),
                                                 std::vector<int64_t>(num_classes * num_classes, 0));
  ParallelItemsOnWorkers(blocks, threads, [&](int64_t block, int worker) {
    const int64_t begin = block * kPredictBlockRows;
    const int64_t end = std::min(test_rows, begin + kPredictBlockRows);
    std::vector<float> values(static_cast<size_t>(end - begin) * data.features.size());
    TestRowValues(data, begin, end, values.data());
    std::vector<int32_t> predicted(static_cast<size_t>(end - begin));
    compiled.PredictBatch(values.data(), end - begin, static_cast<int32_t>(model.features.size()), predicted.data(), 1);
    std::vector<int64_t>& counts = confusion_of[static_cast<size_t>(worker)];
    for (int64_t r = begin; r < end; ++r) {
      ++counts[data.test.labels[static_cast<size_t>(r)] * num_classes +
               static_cast<size_t>(predicted[static_cast<size_t>(r - begin)])];
    }
  });
  for (const std::vector<int64_t>& counts : confusion_of) {
    for (size_t i = 0; i < counts.size(); ++i) confusion[i] += counts[i];
  }
  const double predict_seconds = SecondsSince(predict_start);
  communicator.AllReduceSum(std::span<int64_t>(confusion));
  const double evaluate_seconds = SecondsSince(evaluate_start);

  // Per-executor figures to every rank.
  const size_t executors = static_cast<size_t>(communicator.size());
  std::vector<double> figures(executors * kFiguresPerExecutor, 0.0);
  double* mine = figures.data() + static_cast<size_t>(communicator.rank()) * kFiguresPerExecutor;
  mine[0] = static_cast<double>(communicator.bytes_sent());
  mine[1] = communicator.seconds_in_collectives();
  mine[2] = stats.histogram_seconds + stats.split_seconds;
  mine[3] = predict_seconds > 0 ? static_cast<double>(test_rows) / predict_seconds : 0.0;
  communicator.AllReduceSum(std::span<double>(figures));
  const std::vector<std::string> hosts = AllGatherStrings(communicator, Hostname());

  RunResults results;
  results.job = options.job_name;
  results.command = options.command;
  results.dataset = {options.dataset, dataset->fingerprint(), data.rows, data.train_rows, data.test_rows, {}, {}, {}};
  if (dataset->has_row_identity()) results.dataset.row_kind = dataset->row_index_column() == "flow_index" ? "flows" : "packets";
  results.parameters = ParametersJson(model.parameters, features);
  results.split = SplitSummary{SplitByName(data.split.split), data.split.reason};
  results.executors = communicator.size();
  results.threads = threads;
  const int cores = HostCores();
  results.placement = Placement{cores, communicator.size() * threads > cores, hosts};
  Communication communication;
  double predict_rate = 0;
  for (size_t r = 0; r < executors; ++r) {
    const double* of_rank = figures.data() + r * kFiguresPerExecutor;
    communication.bytes_sent_per_executor.push_back(static_cast<uint64_t>(of_rank[0]));
    communication.comm_seconds_per_executor.push_back(of_rank[1]);
    communication.compute_seconds_per_executor.push_back(of_rank[2]);
    predict_rate += of_rank[3];
  }
  communication.bytes_per_level = stats.bytes_per_level;
  results.communication = std::move(communication);
  results.metrics_file = options.metrics_file;

  // Evaluating and writing can fail on the driver alone; the other ranks wait for its word.
  Status finished = Attempt([&] {
    auto evaluation = Evaluation::FromCounts(data.classes, confusion);
    if (!evaluation.ok()) return evaluation.status();
    results.evaluation = std::move(*evaluation);
    if (!communicator.is_driver()) return Status::Ok();
    const std::string model_text = model.ToJson();
    results.model = ModelSummary::Of(model, RecordedModelPath(options), model_text);
    results.timing = {load_seconds, train_seconds, evaluate_seconds, SecondsSince(start), predict_rate};
    return WriteOutputs(options, model, results);
  });
  TAD_RETURN_IF_ERROR(AgreeOnStatus(communicator, finished));
  if (observer) observer->OnPhase(TrainingPhase::kFinished);
  return results;
}

}  // namespace tad::jobs
