// tad train DATASET --model MODEL: a decision tree trained over N executors (MPI ranks), the same
// model bit for bit for any N; prints the seed's table and writes results.json.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "dataset/schema.h"
#include "cli/train_options.h"
#include "cli/train_support.h"
#include "cluster/communicator.h"
#include "cluster/launcher.h"
#include "cluster/mpi_communicator.h"
#include "common/atomic_output.h"
#include "common/hostname.h"
#include "common/status.h"
#include "jobs/train.h"
#include "telemetry/training_telemetry.h"

namespace tad::cli {
namespace {

namespace fs = std::filesystem;

struct TrainCommandOptions {
  jobs::TrainOptions job;
  TreeOptionValues tree;
  int executors = 1;
  std::string json;
  telemetry::TelemetryOptions telemetry;
};

// An error that escaped the job's agreement (a rank failed inside a collective): the others would
// wait for this rank for ever, so it names itself and ends the whole job.
[[noreturn]] void AbortJob(Communicator& communicator, const std::string& what) {
  std::fprintf(stderr, "tad: error: executor %d (host %s): %s\n", communicator.rank(), Hostname().c_str(),
               what.c_str());
  std::fflush(stderr);
  dynamic_cast<MpiCommunicator&>(communicator).Abort(kExitFailure);
}

}  // namespace

CommandRunner AddTrainCommand(CLI::App& app) {
  auto options = std::make_shared<TrainCommandOptions>();
  CLI::App* command = app.add_subcommand("train", "Train a decision tree or a random forest over N executors (MPI ranks)");
  command->add_option("dataset", options->job.dataset, "Parquet dataset folder (hive partitions give the label)")
      ->required();
  command->add_option("--model", options->job.model, "where to write the model file (default: RUN_DIR/model.json)");
  AddTreeOptions(*command, options->tree);
  CLI::Option* features_option = command->add_option("--features", options->job.features,
                      "comma-separated feature columns (default: the schema's numeric feature columns present; "
                      "for flow rows every numeric column but " + FlowNonFeatureSummary() + ")");
  CLI::Option* executors_option = command->add_option("--executors", options->executors, "MPI ranks; starts mpirun itself when not under one")
      ->default_val(1);
  command->add_option("--threads", options->job.threads, "threads per executor (default: cores / executors)")
      ->default_val(0);
  command->add_option("--run-dir", options->job.run_dir, "folder for results.json (and model.json by default)");
  command->add_option("--json", options->json, "also write the results JSON here ('-' for stdout)");
  command->add_option("--job-name", options->job.job_name, "job name recorded in the results")->default_val("tad-train");
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
  command->add_flag("--overwrite", options->job.overwrite, "replace an existing model file");

  return [options, executors_option, features_option] {
    jobs::TrainOptions& job = options->job;
    job.parameters = ValueOrThrow(ParseTreeOptions(options->tree));
    if (options->executors < 1) throw Error(Status::InvalidArgument("--executors must be at least 1"));
    if (features_option->count() > 0 && job.features.empty()) {
      throw Error(Status::InvalidArgument("--features is empty: name at least one feature column, or leave it out"));
    }
    if (job.threads < 0) throw Error(Status::InvalidArgument("--threads must be 0 (automatic) or more"));
    if (job.model.empty()) {
      if (job.run_dir.empty()) throw Error(Status::InvalidArgument("--model (or --run-dir) is required"));
      job.model = (fs::path(job.run_dir) / "model.json").string();
    }
    if (fs::exists(job.model) && !job.overwrite) {
      throw Error(OutputExists(job.model));
    }

    // Under mpirun (or an MPIJob) use the ranks we have; otherwise start mpirun ourselves.
    // Without --executors, a process under mpirun takes the ranks it was given, silently.
    const int executors = executors_option->count() == 0 && RunningUnderMpi() ? MpiWorldSizeFromEnvironment()
                                                                                : options->executors;
    auto relaunched = ValueOrThrow(RelaunchUnderMpirunIfNeeded(CommandLine(), executors));
    if (relaunched.has_value()) return *relaunched;
    std::unique_ptr<Communicator> communicator = ValueOrThrow(OpenCommunicator());

    // Telemetry: the observer gathers every executor's figures to the driver, which serves them.
    options->telemetry.job_name = job.job_name;
    auto training_telemetry = ValueOrThrow(telemetry::TrainingTelemetry::Start(options->telemetry, *communicator));
    job.command = CommandLineText();
    if (!job.run_dir.empty()) job.metrics_file = telemetry::kMetricsFileName;
    Result<jobs::RunResults> results = Status::Internal("training did not run");
    try {
      results = jobs::Train(job, *communicator, training_telemetry->observer());
    } catch (const std::exception& e) {
      if (communicator->size() == 1) throw;
      AbortJob(*communicator, e.what());
    }
    if (!results.ok()) {
      training_telemetry->observer()->OnPhase(TrainingPhase::kFailed);
      if (communicator->size() == 1) throw Error(results.status());
      // Every rank has the same Status. The driver says it; the others wait until it has, since
      // their non-zero exit makes mpirun end the job at once.
      if (communicator->is_driver()) {
        std::fprintf(stderr, "tad: error: %s\n", results.status().message().c_str());
        std::fflush(stderr);
      }
      communicator->Barrier();
      return ExitCodeFor(results.status());
    }
    if (communicator->is_driver()) {
      const jobs::Evaluation& evaluation = results->evaluation;
      training_telemetry->RecordQuality(evaluation.report.accuracy, evaluation.report.weighted_precision,
                               evaluation.report.weighted_recall, evaluation.report.weighted_f1);
      std::FILE* human = HumanOutput(options->json);
      PrintEvaluation(human, communicator->size(), *results->timing.train_seconds, results->timing.total_seconds, evaluation,
                      true);
      if (results->split) {
        std::fprintf(human, "test rows held out by %s (--split-by): %s\n", results->split->by.c_str(),
                    results->split->reason.c_str());
      }
      if (!options->json.empty()) WriteTextOutput(options->json, results->ToJson(), job.overwrite || options->json == "-");
    }
    ThrowIfError(training_telemetry->Finish(job.run_dir));
    return kExitOk;
  };
}

}  // namespace tad::cli
