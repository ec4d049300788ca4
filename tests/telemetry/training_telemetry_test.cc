#include "telemetry/training_telemetry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "cluster/local_communicator.h"
#include "cluster/thread_communicator.h"
#include "telemetry/executor_report.h"
#include "telemetry/job_metrics.h"

namespace tad::telemetry {
namespace {

namespace fs = std::filesystem;

TelemetryOptions NoServer() {
  TelemetryOptions options;
  options.port = 0;
  options.job_name = "unit-job";
  return options;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ExecutorReportTest, RoundTripsThroughBytesAndRejectsWrongSizes) {
  LocalCommunicator communicator;
  ExecutorWork work;
  work.rows_read = 123;
  const ExecutorReport report = CollectLocalReport(work, communicator);
  EXPECT_EQ(report.pid, getpid());
  EXPECT_GT(report.resident_bytes, 0u);
  EXPECT_GT(report.virtual_bytes, report.resident_bytes);
  EXPECT_GT(report.machine_memory_bytes, 0u);
  EXPECT_FALSE(report.host_name().empty());
  auto bytes = EncodeReport(report);
  const auto decoded = DecodeReport(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->work.rows_read, 123u);
  EXPECT_EQ(decoded->host_name(), report.host_name());
  bytes.pop_back();
  EXPECT_FALSE(DecodeReport(bytes).ok());
}

// Three executors as threads: each reports its own work; the driver ends up with all three.
TEST(TrainingTelemetryTest, GathersEveryExecutorsWorkToTheDriver) {
  ThreadCluster cluster(3);
  std::mutex mutex;
  std::string tad_text;
  std::string spark_text;
  std::string page;
  cluster.Run([&](Communicator& communicator) {
    auto telemetry = ValueOrThrow(TrainingTelemetry::Start(NoServer(), communicator));
    TrainingObserver* observer = telemetry->observer();
    observer->OnPhase(TrainingPhase::kLoading);
    ExecutorWork work;
    for (int level = 1; level <= 4; ++level) {
      work.tasks_completed += 1;
      work.rows_read = 1000 * static_cast<uint64_t>(communicator.rank() + 1);
      work.binned_bytes_held = 77 + static_cast<uint64_t>(communicator.rank());
      work.task_seconds += 0.5;
      observer->OnProgress(work, TreeProgress{0, 1, level, 4, 2 * level + 1, level + 1});
    }
    observer->OnPhase(TrainingPhase::kFinished);
    telemetry->RecordQuality(0.5, 0.25, 0.5, 0.75);
    ThrowIfError(telemetry->Finish(""));
    if (communicator.is_driver()) {
      std::lock_guard lock(mutex);
      tad_text = telemetry->metrics().RenderTad();
      spark_text = telemetry->metrics().RenderSparkExecutors();
      page = telemetry->metrics().RenderStatusPage();
    }
  });
  for (int rank = 0; rank < 3; ++rank) {
    const std::string labels = "{job=\"unit-job\",executor_id=\"" + std::to_string(rank) + "\"}";
    EXPECT_TRUE(Contains(tad_text, "tad_executor_read_rows_total" + labels + " " + std::to_string(1000 * (rank + 1))))
        << tad_text;
    EXPECT_TRUE(Contains(tad_text, "tad_executor_tasks_completed_total" + labels + " 4\n"));
    EXPECT_TRUE(Contains(tad_text, "tad_executor_task_seconds_total" + labels + " 2\n"));
    EXPECT_TRUE(Contains(tad_text, "tad_executor_binned_data_bytes" + labels + " " + std::to_string(77 + rank)));
    EXPECT_TRUE(Contains(tad_text, "tad_executor_cpu_seconds_total" + labels));
    EXPECT_TRUE(Contains(spark_text, "metrics_executor_completedTasks_total{application_id=\"unit-job\","
                                     "application_name=\"unit-job\",executor_id=\"" +
                                         std::to_string(rank) + "\"} 4\n"));
  }
  EXPECT_TRUE(Contains(tad_text, "tad_executors{job=\"unit-job\"} 3\n"));
  EXPECT_TRUE(Contains(tad_text, "tad_tree_level{job=\"unit-job\"} 4\n"));
  EXPECT_TRUE(Contains(tad_text, "tad_tree_nodes{job=\"unit-job\"} 9\n"));
  EXPECT_TRUE(Contains(tad_text, "tad_training_phase{job=\"unit-job\",phase=\"finished\"} 1\n"));
  EXPECT_TRUE(Contains(tad_text, "tad_training_phase{job=\"unit-job\",phase=\"loading\"} 0\n"));
  EXPECT_TRUE(Contains(tad_text, "tad_model_f1{job=\"unit-job\"} 0.75\n"));
  // Four progress points and the final gather.
  EXPECT_TRUE(Contains(tad_text, "tad_progress_updates_total{job=\"unit-job\"} 5\n"));
  // The driver row of the Spark view carries memory but no tasks.
  EXPECT_TRUE(Contains(spark_text, "metrics_executor_completedTasks_total{application_id=\"unit-job\","
                                   "application_name=\"unit-job\",executor_id=\"driver\"} 0\n"));
  EXPECT_TRUE(Contains(page, "<strong id=\"phase\">finished</strong>"));
  EXPECT_TRUE(Contains(page, "3 executors"));
}

TEST(TrainingTelemetryTest, FinishWritesTheMetricsFileIntoTheRunFolder) {
  const fs::path dir = fs::temp_directory_path() / ("tad_telemetry_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  LocalCommunicator communicator;
  auto telemetry = ValueOrThrow(TrainingTelemetry::Start(NoServer(), communicator));
  telemetry->observer()->OnProgress(ExecutorWork{}, TreeProgress{});
  telemetry->RecordQuality(1, 1, 1, 1);
  ASSERT_TRUE(telemetry->Finish(dir.string()).ok());
  std::ifstream in(dir / kMetricsFileName);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(Contains(text.str(), "# TYPE tad_executor_cpu_seconds_total counter\n"));
  EXPECT_TRUE(Contains(text.str(), "tad_model_accuracy{job=\"unit-job\"} 1\n"));
  EXPECT_TRUE(Contains(text.str(), "metrics_executor_JVMHeapMemory_bytes{"));
  EXPECT_TRUE(Contains(text.str(), "metrics_spark_unit_job_driver_jvm_heap_used_Value{type=\"gauges\"}"));
  fs::remove_all(dir);
}

TEST(TrainingTelemetryTest, ABadOptionFailsOnEveryRank) {
  ThreadCluster cluster(2);
  std::atomic<int> failures = 0;
  cluster.Run([&](Communicator& communicator) {
    TelemetryOptions options = NoServer();
    options.pushgateway_url = "ftp://nowhere";
    if (!TrainingTelemetry::Start(options, communicator).ok()) ++failures;
  });
  EXPECT_EQ(failures.load(), 2);
}

TEST(TrainingTelemetryTest, APortInUseMovesToTheNextOneOrGoesOnWithout) {
  LocalCommunicator communicator;
  TelemetryOptions options = NoServer();
  options.address = "127.0.0.1";
  // Take a port with a first server, then ask for the same one.
  JobMetrics metrics("x");
  auto first = ValueOrThrow(MetricsServer::Start("127.0.0.1", 0, metrics));
  options.port = first->port();
  options.port_retries = 0;
  const auto without = TrainingTelemetry::Start(options, communicator);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ((*without)->port(), 0);
  options.port_retries = 16;
  const auto moved = TrainingTelemetry::Start(options, communicator);
  ASSERT_TRUE(moved.ok());
  EXPECT_GT((*moved)->port(), first->port());
  EXPECT_LE((*moved)->port(), first->port() + 16);
}

// Progress in trees and rounds: a forest grows all its trees together, so the ratio follows the
// level and counts finished trees whole; boosting runs rounds one after another.
TEST(JobMetricsTest, ProgressInTreesAndRounds) {
  JobMetrics forest("forest");
  forest.SetPhase(TrainingPhase::kTraining);
  TreeProgress trees;
  trees.trees_total = 20;
  trees.trees_done = 5;
  trees.level = 4;
  trees.max_depth = 8;
  forest.Update({}, trees);
  const std::string forest_text = forest.RenderTad();
  EXPECT_TRUE(Contains(forest_text, "tad_trees{job=\"forest\"} 20\n")) << forest_text;
  EXPECT_TRUE(Contains(forest_text, "tad_trees_done{job=\"forest\"} 5\n"));
  EXPECT_TRUE(Contains(forest_text, "tad_boosting_rounds{job=\"forest\"} 0\n"));
  // (5 done + 15 trees half grown) / 20.
  EXPECT_TRUE(Contains(forest_text, "tad_training_progress_ratio{job=\"forest\"} 0.625\n"));

  JobMetrics gbt("gbt");
  gbt.SetPhase(TrainingPhase::kTraining);
  TreeProgress rounds;
  rounds.trees_total = 30;  // 10 rounds of 3 classes
  rounds.rounds_total = 10;
  rounds.tree_index = 6;    // round 2 (0-based) under way
  rounds.trees_done = 6;
  rounds.rounds_done = 2;
  rounds.level = 2;
  rounds.max_depth = 4;
  gbt.Update({}, rounds);
  std::string gbt_text = gbt.RenderTad();
  EXPECT_TRUE(Contains(gbt_text, "tad_boosting_rounds{job=\"gbt\"} 10\n")) << gbt_text;
  EXPECT_TRUE(Contains(gbt_text, "tad_boosting_rounds_done{job=\"gbt\"} 2\n"));
  EXPECT_TRUE(Contains(gbt_text, "tad_training_progress_ratio{job=\"gbt\"} 0.25\n"));
  rounds.level = 4;  // the round's last level: the round is complete
  rounds.trees_done = 9;
  rounds.rounds_done = 3;
  gbt.Update({}, rounds);
  gbt_text = gbt.RenderTad();
  EXPECT_TRUE(Contains(gbt_text, "tad_trees_done{job=\"gbt\"} 9\n")) << gbt_text;
  EXPECT_TRUE(Contains(gbt_text, "tad_training_progress_ratio{job=\"gbt\"} 0.3\n"));
}

TEST(JobMetricsTest, NamesAndEscapes) {
  EXPECT_EQ(MetricNamePart("tad-train.v2"), "tad_train_v2");
  EXPECT_EQ(EscapeHtml("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace tad::telemetry
