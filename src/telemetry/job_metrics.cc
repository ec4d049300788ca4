#include "telemetry/job_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "telemetry/metrics.h"

namespace tad::telemetry {
namespace {

constexpr TrainingPhase kPhases[] = {TrainingPhase::kStarting,   TrainingPhase::kLoading,  TrainingPhase::kBinning,
                                     TrainingPhase::kTraining,   TrainingPhase::kEvaluating, TrainingPhase::kFinished,
                                     TrainingPhase::kFailed};

double Progress(const TreeProgress& progress, TrainingPhase phase) {
  if (phase == TrainingPhase::kEvaluating || phase == TrainingPhase::kFinished) return 1.0;
  if (phase != TrainingPhase::kTraining || progress.max_depth <= 0) return 0.0;
  const double per_tree = std::min(1.0, static_cast<double>(progress.level) / progress.max_depth);
  if (progress.rounds_total > 0) {  // boosting: one round after another; the current one is partly done
    const bool round_open = progress.trees_done == progress.tree_index;
    return std::min(1.0, (progress.rounds_done + (round_open ? per_tree : 0.0)) / progress.rounds_total);
  }
  // A decision tree or a forest: all trees grow level by level; finished ones count whole.
  const double trees = std::max(1, progress.trees_total);
  const double done = progress.trees_done;
  return std::min(1.0, (done + (trees - done) * per_tree) / trees);
}

// Distinct hosts, with the memory and cores their executors reported.
std::map<std::string, std::pair<uint64_t, int32_t>> Hosts(const std::vector<ExecutorReport>& reports) {
  std::map<std::string, std::pair<uint64_t, int32_t>> hosts;
  for (const ExecutorReport& report : reports) {
    hosts[report.host_name()] = {report.machine_memory_bytes, report.machine_cores};
  }
  return hosts;
}

void AddMachineFamilies(Registry& registry, const std::string& prefix, const std::vector<ExecutorReport>& reports) {
  for (const auto& [host, figures] : Hosts(reports)) {
    registry.Gauge(prefix + "machine_memory_bytes", "Physical memory of a machine running executors.",
                   {{"host", host}}, static_cast<double>(figures.first));
    registry.Gauge(prefix + "machine_cpu_cores", "Online CPU cores of a machine running executors.", {{"host", host}},
                   figures.second);
  }
}

}  // namespace

std::string MetricNamePart(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += keep ? c : '_';
  }
  return out.empty() ? "job" : out;
}

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

JobMetrics::JobMetrics(std::string job_name) : job_name_(std::move(job_name)) {
  state_.start_unix_seconds = UnixSeconds();
  state_.phase_unix_seconds = state_.start_unix_seconds;
}

void JobMetrics::SetPhase(TrainingPhase phase) {
  std::lock_guard lock(mutex_);
  state_.phase = phase;
  state_.phase_unix_seconds = UnixSeconds();
}

void JobMetrics::Update(std::vector<ExecutorReport> reports, const TreeProgress& progress) {
  std::lock_guard lock(mutex_);
  state_.reports = std::move(reports);
  state_.progress = progress;
  ++state_.progress_updates;
}

void JobMetrics::SetQuality(const ModelQuality& quality) {
  std::lock_guard lock(mutex_);
  state_.quality = quality;
}

TrainingPhase JobMetrics::phase() const {
  std::lock_guard lock(mutex_);
  return state_.phase;
}

JobMetrics::State JobMetrics::Copy() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::string JobMetrics::RenderTad() const {
  const State state = Copy();
  Registry r;
  const Labels job = {{"job", job_name_}};
  for (const TrainingPhase phase : kPhases) {
    r.Gauge("tad_training_phase", "1 for the phase the training job is in, 0 for the others.",
            {{"job", job_name_}, {"phase", TrainingPhaseName(phase)}}, phase == state.phase ? 1 : 0);
  }
  r.Gauge("tad_job_start_timestamp_seconds", "When the training job started, in seconds since the epoch.", job,
          state.start_unix_seconds);
  r.Gauge("tad_phase_start_timestamp_seconds", "When the current phase began, in seconds since the epoch.", job,
          state.phase_unix_seconds);
  r.Gauge("tad_executors", "Executors (MPI ranks) of the training job.", job,
          static_cast<double>(state.reports.size()));
  r.Counter("tad_progress_updates_total", "Progress reports gathered from all executors (loading ticks and tree levels).",
            job, static_cast<double>(state.progress_updates));
  r.Gauge("tad_training_progress_ratio", "Fraction of the tree levels trained (1 once training is over).", job,
          Progress(state.progress, state.phase));
  r.Gauge("tad_tree_index", "Tree being trained (0 for a single decision tree).", job, state.progress.tree_index);
  r.Gauge("tad_trees", "Trees to train.", job, state.progress.trees_total);
  r.Gauge("tad_trees_done", "Trees complete (a forest grows all its trees together, level by level).", job,
          state.progress.trees_done);
  r.Gauge("tad_boosting_rounds", "Boosting rounds to run (0 unless the classifier is gbt).", job,
          state.progress.rounds_total);
  r.Gauge("tad_boosting_rounds_done", "Boosting rounds complete (0 unless the classifier is gbt).", job,
          state.progress.rounds_done);
  r.Gauge("tad_tree_level", "Tree depth trained so far.", job, state.progress.level);
  r.Gauge("tad_tree_max_depth", "Maximum depth the tree may reach.", job, state.progress.max_depth);
  r.Gauge("tad_tree_nodes", "Nodes of the tree so far.", job, static_cast<double>(state.progress.nodes));
  r.Gauge("tad_tree_leaves", "Leaves of the tree so far.", job, static_cast<double>(state.progress.leaves));
  if (state.quality) {
    r.Gauge("tad_model_accuracy", "Accuracy of the trained model on the test split (0 to 1).", job,
            state.quality->accuracy);
    r.Gauge("tad_model_precision", "Weighted precision of the trained model on the test split (0 to 1).", job,
            state.quality->precision);
    r.Gauge("tad_model_recall", "Weighted recall of the trained model on the test split (0 to 1).", job,
            state.quality->recall);
    r.Gauge("tad_model_f1", "Weighted F1 score of the trained model on the test split (0 to 1).", job,
            state.quality->f1);
  }
  for (const ExecutorReport& e : state.reports) {
    const Labels l = {{"job", job_name_}, {"executor_id", std::to_string(e.rank)}};
    const ExecutorWork& w = e.work;
    r.Gauge("tad_executor_info", "Where each executor runs (value always 1).",
            {{"job", job_name_}, {"executor_id", std::to_string(e.rank)}, {"host", e.host_name()},
             {"pid", std::to_string(e.pid)}},
            1);
    r.Counter("tad_executor_cpu_seconds_total", "User and system CPU time of the executor process.", l, e.cpu_seconds);
    r.Gauge("tad_executor_resident_memory_bytes", "Resident memory of the executor process.", l,
            static_cast<double>(e.resident_bytes));
    r.Gauge("tad_executor_virtual_memory_bytes", "Virtual memory of the executor process.", l,
            static_cast<double>(e.virtual_bytes));
    r.Counter("tad_executor_tasks_total",
              "Tasks started (a task is one pass over the executor's rows for one tree level, or one row group "
              "loaded).",
              l, static_cast<double>(w.tasks_completed + w.tasks_failed + w.tasks_active));
    r.Gauge("tad_executor_tasks_active", "Tasks running now.", l, static_cast<double>(w.tasks_active));
    r.Counter("tad_executor_tasks_completed_total", "Tasks completed.", l, static_cast<double>(w.tasks_completed));
    r.Counter("tad_executor_tasks_failed_total", "Tasks failed.", l, static_cast<double>(w.tasks_failed));
    r.Counter("tad_executor_task_seconds_total", "Wall time spent in tasks.", l, w.task_seconds);
    r.Counter("tad_executor_read_rows_total", "Rows read from Parquet.", l, static_cast<double>(w.rows_read));
    r.Counter("tad_executor_read_bytes_total", "Bytes of column data read from Parquet.", l,
              static_cast<double>(w.bytes_read));
    r.Gauge("tad_executor_binned_data_bytes", "Memory held by the executor's binned feature matrix.", l,
            static_cast<double>(w.binned_bytes_held));
    r.Counter("tad_executor_sent_bytes_total", "Bytes the executor sent in collectives.", l,
              static_cast<double>(e.bytes_sent));
    r.Counter("tad_executor_reduction_wait_seconds_total",
              "Seconds the executor spent inside collectives (waiting for the others included).", l,
              e.reduction_wait_seconds);
    r.Gauge("tad_executor_last_report_timestamp_seconds", "When the executor last reported, in seconds since the epoch.",
            l, e.unix_seconds);
  }
  AddMachineFamilies(r, "tad_", state.reports);
  return r.Render();
}

std::string JobMetrics::RenderSparkExecutors() const {
  const State state = Copy();
  Registry r;
  auto add = [&](const std::string& executor_id, const ExecutorReport& e, bool driver) {
    const Labels l = {{"application_id", job_name_}, {"application_name", job_name_}, {"executor_id", executor_id}};
    const ExecutorWork& w = e.work;
    const auto work = [&](double value) { return driver ? 0.0 : value; };
    r.Gauge("metrics_executor_activeTasks", "Tasks running now.", l, work(static_cast<double>(w.tasks_active)));
    r.Counter("metrics_executor_completedTasks_total", "Tasks completed.", l,
              work(static_cast<double>(w.tasks_completed)));
    r.Counter("metrics_executor_failedTasks_total", "Tasks failed.", l, work(static_cast<double>(w.tasks_failed)));
    r.Counter("metrics_executor_totalTasks_total", "Tasks started.", l,
              work(static_cast<double>(w.tasks_completed + w.tasks_failed + w.tasks_active)));
    r.Counter("metrics_executor_totalDuration_seconds_total", "Wall time spent in tasks.", l, work(w.task_seconds));
    r.Counter("metrics_executor_totalGCTime_seconds_total",
              "tad has no garbage collector: seconds spent waiting in the histogram reduction (collectives).", l,
              work(e.reduction_wait_seconds));
    r.Counter("metrics_executor_totalInputBytes_bytes_total", "Bytes of column data read from Parquet.", l,
              work(static_cast<double>(w.bytes_read)));
    r.Counter("metrics_executor_totalShuffleWrite_bytes_total", "Bytes sent in collectives.", l,
              work(static_cast<double>(e.bytes_sent)));
    r.Gauge("metrics_executor_memoryUsed_bytes", "Memory held by the binned feature matrix.", l,
            work(static_cast<double>(w.binned_bytes_held)));
    r.Gauge("metrics_executor_usedOnHeapStorageMemory_bytes", "Memory held by the binned feature matrix.", l,
            work(static_cast<double>(w.binned_bytes_held)));
    r.Gauge("metrics_executor_JVMHeapMemory_bytes", "Resident anonymous memory (heap, stacks) of the process.", l,
            static_cast<double>(e.resident_anon_bytes));
    r.Gauge("metrics_executor_JVMOffHeapMemory_bytes", "Resident file-backed and shared memory of the process.", l,
            static_cast<double>(e.resident_file_bytes));
    r.Gauge("metrics_executor_ProcessTreeJVMRSSMemory_bytes", "Resident memory of the process.", l,
            static_cast<double>(e.resident_bytes));
    r.Gauge("metrics_executor_ProcessTreeJVMVMemory_bytes", "Virtual memory of the process.", l,
            static_cast<double>(e.virtual_bytes));
  };
  if (!state.reports.empty()) add("driver", state.reports.front(), true);
  for (const ExecutorReport& e : state.reports) add(std::to_string(e.rank), e, false);
  AddMachineFamilies(r, "", state.reports);
  return r.Render();
}

std::string JobMetrics::RenderSparkDriver() const {
  const State state = Copy();
  Registry r;
  if (state.reports.empty()) return "";
  const ExecutorReport& driver = state.reports.front();
  const std::string prefix = "metrics_spark_" + MetricNamePart(job_name_) + "_driver_";
  const Labels gauges = {{"type", "gauges"}};
  r.Gauge(prefix + "jvm_heap_used_Value", "Resident anonymous memory (heap, stacks) of the driver process.", gauges,
          static_cast<double>(driver.resident_anon_bytes));
  r.Gauge(prefix + "jvm_non_heap_used_Value", "Resident file-backed and shared memory of the driver process.", gauges,
          static_cast<double>(driver.resident_file_bytes));
  r.Gauge(prefix + "jvm_total_used_Value", "Resident memory of the driver process.", gauges,
          static_cast<double>(driver.resident_bytes));
  return r.Render();
}

std::string JobMetrics::RenderAll() const { return RenderTad() + RenderSparkExecutors() + RenderSparkDriver(); }

std::string JobMetrics::RenderStatusPage() const {
  const State state = Copy();
  const double now = UnixSeconds();
  std::string html = fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"2\">"
      "<title>tad: {0}</title><style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}"
      "td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#eee}}"
      "progress{{width:20em}}</style></head><body>\n<h1>tad training job <code>{0}</code></h1>\n",
      EscapeHtml(job_name_));
  const double progress = Progress(state.progress, state.phase);
  html += fmt::format(
      "<p>Phase: <strong id=\"phase\">{}</strong> &middot; running for {:.1f} s &middot; {} executors</p>\n"
      "<p>Tree level {} of {} &middot; {} nodes, {} leaves <progress value=\"{:.3f}\" max=\"1\"></progress> "
      "{:.0f}%</p>\n",
      TrainingPhaseName(state.phase), now - state.start_unix_seconds, state.reports.size(), state.progress.level,
      state.progress.max_depth, state.progress.nodes, state.progress.leaves, progress, progress * 100);
  if (state.quality) {
    html += fmt::format("<p>Accuracy {:.4f} &middot; precision {:.4f} &middot; recall {:.4f} &middot; F1 {:.4f}</p>\n",
                        state.quality->accuracy, state.quality->precision, state.quality->recall, state.quality->f1);
  }
  html +=
      "<table id=\"executors\"><tr><th>executor</th><th>host</th><th>pid</th><th>tasks active</th><th>completed</th>"
      "<th>failed</th><th>task time (s)</th><th>rows read</th><th>binned data (MiB)</th><th>CPU (s)</th>"
      "<th>resident (MiB)</th><th>sent (MiB)</th><th>reduction wait (s)</th><th>last report (s ago)</th></tr>\n";
  constexpr double kMiB = 1024.0 * 1024.0;
  for (const ExecutorReport& e : state.reports) {
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td>"
        "<td>{:.1f}</td><td>{:.2f}</td><td>{:.1f}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.1f}</td></tr>\n",
        e.rank, EscapeHtml(e.host_name()), e.pid, e.work.tasks_active, e.work.tasks_completed, e.work.tasks_failed,
        e.work.task_seconds, e.work.rows_read, static_cast<double>(e.work.binned_bytes_held) / kMiB, e.cpu_seconds,
        static_cast<double>(e.resident_bytes) / kMiB, static_cast<double>(e.bytes_sent) / kMiB,
        e.reduction_wait_seconds, std::max(0.0, now - e.unix_seconds));
  }
  html +=
      "</table>\n<p><a href=\"/metrics\">/metrics</a> &middot; <a href=\"/metrics/executors/prometheus\">"
      "/metrics/executors/prometheus</a> &middot; <a href=\"/metrics/prometheus/\">/metrics/prometheus/</a></p>\n"
      "</body></html>\n";
  return html;
}

}  // namespace tad::telemetry
