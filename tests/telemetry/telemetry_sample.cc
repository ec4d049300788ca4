// Prints the metrics text of a small fake job (two executors gathered over threads), for the
// `promtool check metrics` test: tad_sample [tad|executors|driver].
#include <cstdio>
#include <mutex>
#include <string>

#include "cluster/thread_communicator.h"
#include "telemetry/training_telemetry.h"

int main(int argc, char** argv) {
  using namespace tad;
  const std::string which = argc > 1 ? argv[1] : "tad";
  ThreadCluster cluster(2);
  std::string text;
  cluster.Run([&](Communicator& communicator) {
    telemetry::TelemetryOptions options;
    options.port = 0;
    options.job_name = "sample";
    auto telemetry = ValueOrThrow(telemetry::TrainingTelemetry::Start(options, communicator));
    telemetry->observer()->OnPhase(TrainingPhase::kTraining);
    ExecutorWork work;
    work.tasks_completed = 3;
    work.rows_read = 100;
    work.task_seconds = 0.25;
    telemetry->observer()->OnProgress(work, TreeProgress{0, 1, 3, 5, 9, 5});
    telemetry->RecordQuality(0.9, 0.8, 0.9, 0.85);
    ThrowIfError(telemetry->Finish(""));
    if (communicator.is_driver()) {
      const auto& metrics = telemetry->metrics();
      text = which == "executors" ? metrics.RenderSparkExecutors()
             : which == "driver"  ? metrics.RenderSparkDriver()
                                  : metrics.RenderTad();
    }
  });
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
