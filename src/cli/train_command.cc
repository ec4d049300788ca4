// tad train DATASET --model MODEL: a decision tree trained over N executors (MPI ranks), the same
// model bit for bit for any N; prints the seed's table and writes results.json.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli/command.h"
#include "cli/train_options.h"
#include "cli/train_support.h"
#include "cluster/communicator.h"
#include "cluster/launcher.h"
#include "common/hash.h"
#include "common/status.h"
#include "dataset/duckdb_database.h"
#include "dataset/parquet_dataset.h"
#include "dataset/schema.h"
#include "tree/model.h"
#include "tree/train_model.h"
#include "tree/training_data.h"
#include "telemetry/training_telemetry.h"
#include "tree/training_observer.h"

namespace tad::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct TrainOptions {
  std::string dataset;
  std::string model;
  TreeOptionValues tree;
  std::string features;
  int executors = 1;
  int threads = 0;
  std::string run_dir;
  std::string json;
  std::string job_name = "tad-train";
  telemetry::TelemetryOptions telemetry;
  bool overwrite = false;
};

std::string Hostname() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

// Everything here runs on every rank; only the driver (rank 0) writes files and prints.
int RunTraining(const TrainOptions& options, const TreeParameters& requested, Communicator& communicator,
                TrainingObserver* observer, tad::telemetry::TrainingTelemetry* telemetry, Clock::time_point start) {
  const bool driver = communicator.is_driver();
  const int threads = options.threads > 0 ? options.threads : DefaultThreads(communicator.size());
  if (observer) observer->OnPhase(TrainingPhase::kStarting);

  auto db = ValueOrThrow(DuckDatabase::OpenInMemory(1));
  // The same metadata on every rank, so these checks fail (or pass) everywhere alike.
  const ParquetDataset dataset = ValueOrThrow(ParquetDataset::Open(db, options.dataset, requested.label));
  const std::vector<std::string> features = ChooseFeatures(dataset, options.features);
  ThrowIfError(dataset.CheckColumns(features));
  const TreeParameters& parameters = requested;
  if (static_cast<size_t>(communicator.size()) > dataset.row_groups().size()) {
    throw Error(Status::InvalidArgument(fmt::format(
        "{} executors but dataset {} has only {} row groups: every executor needs at least one; use --executors {} or "
        "fewer",
        communicator.size(), options.dataset, dataset.row_groups().size(), dataset.row_groups().size())));
  }

  TrainingData data = ValueOrThrow(LoadTrainingData(db, dataset, features, parameters, communicator, threads, observer));
  const SplitChoice split = data.split;
  const double load_seconds = SecondsSince(start);

  if (observer) observer->OnPhase(TrainingPhase::kTraining);
  const auto train_start = Clock::now();
  TrainingStats stats;
  const Model model = TrainModel(data, parameters, communicator, threads, observer, &stats);
  const double train_seconds = SecondsSince(train_start);
  data.train = {};

  if (observer) observer->OnPhase(TrainingPhase::kEvaluating);
  const auto evaluate_start = Clock::now();
  const CompiledModel compiled(model);
  const int64_t test_rows = static_cast<int64_t>(data.test_labels.size());
  std::vector<int32_t> predicted(static_cast<size_t>(test_rows));
  const auto predict_start = Clock::now();
  compiled.PredictBatch(data.test_values.data(), test_rows, static_cast<int32_t>(features.size()), predicted.data(), threads);
  const double predict_seconds = SecondsSince(predict_start);
  const size_t num_classes = data.classes.size();
  std::vector<int64_t> confusion(num_classes * num_classes, 0);
  for (int64_t r = 0; r < test_rows; ++r) {
    ++confusion[data.test_labels[static_cast<size_t>(r)] * num_classes + static_cast<size_t>(predicted[static_cast<size_t>(r)])];
  }
  communicator.AllReduceSum(std::span<int64_t>(confusion));
  const double evaluate_seconds = SecondsSince(evaluate_start);

  // Per-executor figures to the driver (every rank takes part).
  const double compute_seconds = stats.histogram_seconds + stats.split_seconds;
  std::vector<double> figures(static_cast<size_t>(communicator.size()) * 4, 0.0);
  figures[static_cast<size_t>(communicator.rank()) * 4 + 0] = static_cast<double>(communicator.bytes_sent());
  figures[static_cast<size_t>(communicator.rank()) * 4 + 1] = communicator.seconds_in_collectives();
  figures[static_cast<size_t>(communicator.rank()) * 4 + 2] = compute_seconds;
  figures[static_cast<size_t>(communicator.rank()) * 4 + 3] =
      predict_seconds > 0 ? static_cast<double>(test_rows) / predict_seconds : 0.0;
  communicator.AllReduceSum(std::span<double>(figures));
  const std::string host = Hostname();
  const auto hosts = communicator.AllGather(std::span<const std::byte>(reinterpret_cast<const std::byte*>(host.data()), host.size()));
  const double total_seconds = SecondsSince(start);
  if (observer) observer->OnPhase(TrainingPhase::kFinished);
  if (!driver) return kExitOk;

  const std::string model_text = model.ToJson();
  ThrowIfError(model.Save(options.model, options.overwrite));
  const Evaluation evaluation = Evaluate(data.classes, confusion);
  if (telemetry) {
    telemetry->RecordQuality(evaluation.report.accuracy, evaluation.report.weighted_precision,
                             evaluation.report.weighted_recall, evaluation.report.weighted_f1);
  }
  PrintEvaluation(communicator.size(), train_seconds, total_seconds, evaluation, true);
  std::printf("test rows held out by %s (--split-by): %s\n", SplitByName(split.split), split.reason.c_str());

  nlohmann::ordered_json results;
  results["schema"] = "tad.run/1";
  results["job"] = options.job_name;
  results["command"] = CommandLineText();
  results["dataset"] = {{"path", options.dataset},         {"fingerprint", dataset.fingerprint()},
                        {"rows", data.rows},               {"train_rows", data.train_rows},
                        {"test_rows", data.test_rows}};
  results["parameters"] = ParametersJson(model.parameters, features);
  results["split"] = {{"by", SplitByName(split.split)}, {"reason", split.reason}};
  results["executors"] = communicator.size();
  results["threads"] = threads;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  results["cores"] = cores;
  results["oversubscribed"] = static_cast<unsigned>(communicator.size() * threads) > cores;
  nlohmann::ordered_json host_list = nlohmann::ordered_json::array();
  for (const auto& bytes : hosts) host_list.push_back(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  results["hosts"] = host_list;
  double predict_rate = 0;
  std::vector<uint64_t> bytes_sent;
  std::vector<double> comm_seconds;
  std::vector<double> compute;
  for (int r = 0; r < communicator.size(); ++r) {
    bytes_sent.push_back(static_cast<uint64_t>(figures[static_cast<size_t>(r) * 4 + 0]));
    comm_seconds.push_back(figures[static_cast<size_t>(r) * 4 + 1]);
    compute.push_back(figures[static_cast<size_t>(r) * 4 + 2]);
    predict_rate += figures[static_cast<size_t>(r) * 4 + 3];
  }
  results["timing"] = {{"load_seconds", load_seconds},
                       {"train_seconds", train_seconds},
                       {"evaluate_seconds", evaluate_seconds},
                       {"total_seconds", total_seconds},
                       {"predict_rows_per_second", predict_rate}};
  results["communication"] = {{"bytes_sent_per_executor", bytes_sent},
                              {"comm_seconds_per_executor", comm_seconds},
                              {"compute_seconds_per_executor", compute},
                              {"bytes_per_level", stats.bytes_per_level}};
  const nlohmann::ordered_json evaluation_json = EvaluationJson(evaluation);
  for (const auto& [key, value] : evaluation_json.items()) results[key] = value;
  results["model"] = ModelSummaryJson(model, options.model, fmt::format("{:016x}", HashBytes(model_text)));
  if (telemetry && !options.run_dir.empty()) results["telemetry"] = {{"metrics_file", tad::telemetry::kMetricsFileName}};
  const std::string results_text = results.dump(2) + "\n";
  if (!options.run_dir.empty()) {
    fs::create_directories(options.run_dir);
    WriteTextOutput((fs::path(options.run_dir) / "results.json").string(), results_text, true);
  }
  if (!options.json.empty()) WriteTextOutput(options.json, results_text, options.overwrite || options.json == "-");
  return kExitOk;
}

}  // namespace

CommandRunner AddTrainCommand(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* command = app.add_subcommand("train", "Train a decision tree or a random forest over N executors (MPI ranks)");
  command->add_option("dataset", options->dataset, "Parquet dataset folder (hive partitions give the label)")
      ->required();
  command->add_option("--model", options->model, "where to write the model file (default: RUN_DIR/model.json)");
  AddTreeOptions(*command, options->tree);
  command->add_option("--features", options->features,
                      "comma-separated feature columns (default: the schema's numeric feature columns present; "
                      "for flow rows every numeric column but " + FlowNonFeatureSummary() + ")");
  CLI::Option* executors_option = command->add_option("--executors", options->executors, "MPI ranks; starts mpirun itself when not under one")
      ->default_val(1);
  command->add_option("--threads", options->threads, "threads per executor (default: cores / executors)")
      ->default_val(0);
  command->add_option("--run-dir", options->run_dir, "folder for results.json (and model.json by default)");
  command->add_option("--json", options->json, "also write the results JSON here ('-' for stdout)");
  command->add_option("--job-name", options->job_name, "job name recorded in the results")->default_val("tad-train");
  command->add_option("--metrics-port", options->telemetry.port, "driver's metrics/status HTTP port (0: off)")
      ->default_val(4040);
  command->add_option("--metrics-address", options->telemetry.address, "address the metrics endpoint binds")
      ->default_val("0.0.0.0");
  command->add_option("--metrics-linger", options->telemetry.linger_seconds,
                      "keep serving metrics this many seconds after training")
      ->default_val(0);
  command->add_option("--pushgateway", options->telemetry.pushgateway_url,
                      "Prometheus Pushgateway URL (http://HOST:PORT): push periodically and at the end");
  command->add_option("--push-interval", options->telemetry.push_interval_seconds, "seconds between pushes")
      ->default_val(5);
  command->add_flag("--overwrite", options->overwrite, "replace an existing model file");

  return [options, executors_option] {
    const auto start = Clock::now();
    const TreeParameters parameters = ValueOrThrow(ParseTreeOptions(options->tree));
    if (options->executors < 1) throw Error(Status::InvalidArgument("--executors must be at least 1"));
    if (options->threads < 0) throw Error(Status::InvalidArgument("--threads must be 0 (automatic) or more"));
    if (options->model.empty()) {
      if (options->run_dir.empty()) throw Error(Status::InvalidArgument("--model (or --run-dir) is required"));
      options->model = (fs::path(options->run_dir) / "model.json").string();
    }
    if (fs::exists(options->model) && !options->overwrite) {
      throw Error(Status::InvalidArgument(fmt::format("{} exists; pass --overwrite to replace it", options->model)));
    }

    // Under mpirun (or an MPIJob) use the ranks we have; otherwise start mpirun ourselves.
    // Without --executors, a process under mpirun takes the ranks it was given, silently.
    const int executors = executors_option->count() == 0 && RunningUnderMpi() ? MpiWorldSizeFromEnvironment()
                                                                                : options->executors;
    auto relaunched = ValueOrThrow(RelaunchUnderMpirunIfNeeded(CommandLine(), executors));
    if (relaunched.has_value()) return *relaunched;
    std::unique_ptr<Communicator> communicator = ValueOrThrow(OpenCommunicator());

    // Telemetry: the observer gathers every executor's figures to the driver, which serves them.
    options->telemetry.job_name = options->job_name;
    std::unique_ptr<tad::telemetry::TrainingTelemetry> telemetry;
    TrainingObserver* observer = nullptr;
    try {
      telemetry = ValueOrThrow(tad::telemetry::TrainingTelemetry::Start(options->telemetry, *communicator));
      observer = telemetry->observer();
      const int code = RunTraining(*options, parameters, *communicator, observer, telemetry.get(), start);
      ThrowIfError(telemetry->Finish(options->run_dir));
      return code;
    } catch (const Error& e) {
      if (observer) observer->OnPhase(TrainingPhase::kFailed);
      // Every rank meets the same error (checks on the metadata all ranks read, or agreed after
      // loading), so the driver alone reports it and ends the job with its exit code. The other
      // ranks end quietly with 0: a non-zero exit from them could make mpirun tear the job down
      // before the driver's message is out.
      (void)e;
      if (communicator->is_driver()) throw;
      return kExitOk;
    }
  };
}

}  // namespace tad::cli
