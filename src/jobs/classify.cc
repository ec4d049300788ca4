#include "jobs/classify.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "capture/capture_files.h"
#include "capture/dissector.h"
#include "capture/live_source.h"
#include "capture/packet_source.h"
#include "common/atomic_output.h"
#include "common/elapsed.h"
#include "jobs/capture_pipeline.h"
#include "jobs/threads.h"
#include "telemetry/http_server.h"
#include "telemetry/metrics.h"

namespace tad::jobs {
namespace {

namespace fs = std::filesystem;

/// The files given and every file below the folders given, any layout.
Result<std::vector<CaptureFile>> ListInputs(const std::vector<std::string>& inputs) {
  std::vector<CaptureFile> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (fs::is_regular_file(input, ec)) {
      files.push_back({input, fs::path(input).filename().string(), "", fs::file_size(input, ec)});
      continue;
    }
    if (!fs::is_directory(input, ec)) return Status::InvalidArgument(fmt::format("{}: no such file or folder", input));
    auto below = ListFilesBelow(input, input);
    if (!below.ok()) return below.status();
    files.insert(files.end(), std::make_move_iterator(below->begin()), std::make_move_iterator(below->end()));
  }
  if (files.empty()) return Status::InvalidArgument("no capture files in the inputs");
  return files;
}

/// Where the labeled flows go: JSON lines (stdout or a file) or a Parquet file.
class RecordSink {
 public:
  /// An existing `out` is refused here, before any capture is read; the output itself is created
  /// only once `go_ahead` (which waits for the model) has returned Ok, so that a model that cannot
  /// be read leaves nothing behind, as when it was read before anything else.
  static Result<std::unique_ptr<RecordSink>> Open(const std::string& out, bool overwrite,
                                                  std::function<Status()> go_ahead) {
    std::unique_ptr<RecordSink> sink(new RecordSink());
    if (out.empty()) return sink;
    if (out == "-") {
      sink->json_ = stdout;
      return sink;
    }
    const bool parquet = out.ends_with(".parquet");
    if (!parquet && !out.ends_with(".jsonl")) {
      return Status::InvalidArgument(fmt::format("--out {}: give FILE.parquet, FILE.jsonl or - (stdout)", out));
    }
    if (!overwrite && fs::exists(out)) return OutputExists(out);
    if (parquet) {
      // Starting DuckDB takes tens of milliseconds: it starts on a thread of its own, once the
      // model has loaded, while the captures are read (extract creates its writer lazily on its
      // writing thread for the same reason); the records labeled before it has started wait.
      sink->pending_parquet_ = std::async(std::launch::async, [out, overwrite, go_ahead = std::move(go_ahead)]()
                                                                  -> Result<std::unique_ptr<LabeledFlowWriter>> {
        TAD_RETURN_IF_ERROR(go_ahead());
        return LabeledFlowWriter::Create(out, overwrite);
      });
    } else {
      sink->json_out_ = out;  // created by the first Ready(), which comes after the model
      sink->overwrite_ = overwrite;
    }
    return sink;
  }
  ~RecordSink() {
    if (json_ && json_ != stdout) std::fclose(json_);
  }

  /// Whether Ready() would return at once: false while the Parquet writer is still starting.
  bool Started() const {
    return !pending_parquet_.valid() || pending_parquet_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

  /// Creates the output: waits for the Parquet writer started by Open, or opens the JSON-lines
  /// file; the error if it could not be. Called before the first Write.
  Status Ready() {
    if (pending_parquet_.valid()) {
      auto writer = pending_parquet_.get();
      if (!writer.ok()) return writer.status();
      parquet_ = std::move(*writer);
    }
    if (!json_out_.empty() && !output_) {
      auto output = AtomicOutput::Create(json_out_, overwrite_);
      if (!output.ok()) return output.status();
      json_ = std::fopen(output->temp_path().c_str(), "w");
      if (!json_) return Status::IoError(fmt::format("{}: cannot write", output->temp_path().string()));
      output_.emplace(std::move(*output));
    }
    return Status::Ok();
  }

  void Write(const LabeledFlow& record) {
    if (parquet_) parquet_->Append(record);
    if (json_) {
      const std::string line = LabeledFlowJson(record).dump() + "\n";
      std::fwrite(line.data(), 1, line.size(), json_);
    }
  }

  Status Finish() {
    TAD_RETURN_IF_ERROR(Ready());
    if (parquet_) return parquet_->Finish();
    if (!json_) return Status::Ok();
    if (json_ == stdout) return std::fflush(stdout) == 0 ? Status::Ok() : Status::IoError("stdout: write failed");
    const bool written = std::ferror(json_) == 0;
    const bool closed = std::fclose(json_) == 0;
    json_ = nullptr;
    if (!written || !closed) return Status::IoError(fmt::format("{}: write failed", output_->target().string()));
    return output_->Commit();
  }

 private:
  RecordSink() = default;
  std::future<Result<std::unique_ptr<LabeledFlowWriter>>> pending_parquet_;
  std::unique_ptr<LabeledFlowWriter> parquet_;
  std::string json_out_;  // a JSON-lines file, not yet created
  bool overwrite_ = false;
  std::FILE* json_ = nullptr;
  std::optional<AtomicOutput> output_;
};

}  // namespace

nlohmann::ordered_json LabeledFlowJson(const LabeledFlow& record) {
  const FlowRecord& flow = *record.flow;
  nlohmann::ordered_json json;
  json["source_file"] = record.source_file;
  json["flow_index"] = flow.flow_index;
  json["src_ip"] = AddressText(flow.src_addr, flow.ip_version);
  json["dst_ip"] = AddressText(flow.dst_addr, flow.ip_version);
  json["src_port"] = flow.has_ports ? nlohmann::ordered_json(flow.src_port) : nlohmann::ordered_json(nullptr);
  json["dst_port"] = flow.has_ports ? nlohmann::ordered_json(flow.dst_port) : nlohmann::ordered_json(nullptr);
  json["ip_proto"] = flow.ip_proto;
  json["first_timestamp_ns"] = flow.first_timestamp_ns;
  json["last_timestamp_ns"] = flow.last_timestamp_ns;
  json["packets"] = flow.sizes.count;
  json["bytes"] = flow.sizes.sum;
  json["end_reason"] = FlowEndReasonName(flow.end_reason);
  json["prediction"] = record.prediction;
  json["probability"] = record.probability;
  return json;
}

namespace {

Status CheckTimeouts(const FlowTimeouts& given) {
  for (const std::optional<double>& seconds : {given.idle_timeout_s, given.active_timeout_s}) {
    if (seconds && !(*seconds > 0 && *seconds <= 1e9)) {
      return Status::InvalidArgument("--idle-timeout and --active-timeout must be in (0, 1e9] seconds");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<FlowOptions> ClassifyFlowOptions(const Model& model, const FlowTimeouts& given,
                                        std::vector<std::string>& warnings) {
  TAD_RETURN_IF_ERROR(CheckTimeouts(given));
  auto features = FeatureRowBuilder::Create(model.features);
  if (!features.ok()) return features.status();
  // A model file from before flow options were recorded: extract's defaults, and the SPLT packets
  // of its features (more would change no value it reads).
  FlowOptions options;
  if (model.flow_options) {
    options = *model.flow_options;
  } else {
    options.rows = features->rows();
    options.splt = features->splt();
  }
  // A model without them: the flags say how its dataset was extracted. A model with them: a flag
  // that differs builds other flows than those it was trained on, which the user must hear.
  auto take = [&](const std::optional<double>& value, double& recorded, std::string_view flag) {
    if (!value) return;
    if (model.flow_options && *value != recorded) {
      warnings.push_back(fmt::format("{} {} replaces the model's {} s (its dataset's): the flows differ from those "
                                     "it was trained on",
                                     flag, *value, recorded));
    }
    recorded = *value;
  };
  take(given.idle_timeout_s, options.idle_timeout_s, "--idle-timeout");
  take(given.active_timeout_s, options.active_timeout_s, "--active-timeout");
  return options;
}

Result<FlowClassifier> FlowClassifier::Create(const Model& model, const FlowOptions& options) {
  auto features = FeatureRowBuilder::Create(model.features);
  if (!features.ok()) return features.status();
  const FlowRules rules{static_cast<int64_t>(options.idle_timeout_s * 1e9),
                        static_cast<int64_t>(options.active_timeout_s * 1e9), std::max(options.splt, features->splt())};
  return FlowClassifier(model, std::move(*features), rules);
}

namespace {

/// A model, the flow options classify builds flows with for it, and a classifier of them.
struct LoadedClassifier {
  Model model;
  FlowOptions flow_options;
  FlowClassifier classifier;
};

/// The model at `path` and a classifier with its flow options; warnings go to `progress`.
Result<LoadedClassifier> LoadClassifier(const std::string& path, const FlowTimeouts& timeouts,
                                        ProgressSink* progress) {
  TAD_RETURN_IF_ERROR(CheckTimeouts(timeouts));  // a usage error, not the model's
  auto model = Model::Load(path);
  if (!model.ok()) return model.status();
  std::vector<std::string> warnings;
  auto flow_options = ClassifyFlowOptions(*model, timeouts, warnings);
  if (!flow_options.ok()) return flow_options.status().WithContext(path);
  for (const std::string& warning : warnings) SinkOrNone(progress).Warn(warning);
  auto classifier = FlowClassifier::Create(*model, *flow_options);
  if (!classifier.ok()) return classifier.status().WithContext(path);
  return LoadedClassifier{std::move(*model), *flow_options, std::move(*classifier)};
}

}  // namespace

FlowClassifier::FlowClassifier(const Model& model, FeatureRowBuilder features, FlowRules rules)
    : compiled_(std::make_shared<const CompiledModel>(model)),
      features_(std::move(features)),
      tracker_(rules, true),
      rows_(features_.size()),
      probabilities_(static_cast<size_t>(compiled_->classes())) {}

void FlowClassifier::Label(std::vector<FlowRecord>& ended, const Emit& emit) {
  if (ended.empty()) return;
  const auto classes = static_cast<size_t>(compiled_->classes());
  const size_t count = ended.size();
  predicted_.resize(count);
  probabilities_.resize(count * classes);
  if (features_.rows() == FeatureRows::kFlows) {
    // As `tad predict`: the class PredictBatch gives, its probability from PredictProbabilities;
    // the flows that ended together in one batch, so the trees are walked once for all of them.
    const size_t features = features_.size();
    rows_.resize(count * features);
    for (size_t i = 0; i < count; ++i) features_.Fill(ended[i], rows_.data() + i * features);
    compiled_->PredictWithProbabilities(rows_.data(), static_cast<int64_t>(count), static_cast<int32_t>(features),
                                       predicted_.data(), probabilities_.data(), 1);
  } else {
    for (size_t i = 0; i < count; ++i) {
      auto sums = packet_sums_.find(ended[i].flow_index);
      const double packets = static_cast<double>(ended[i].sizes.count);
      double* probabilities = probabilities_.data() + i * classes;
      for (size_t c = 0; c < classes; ++c) probabilities[c] = sums->second[c] / packets;
      packet_sums_.erase(sums);
      predicted_[i] = static_cast<int32_t>(std::max_element(probabilities, probabilities + classes) - probabilities);
    }
  }
  for (size_t i = 0; i < count; ++i) {
    emit(std::move(ended[i]), predicted_[i], probabilities_[i * classes + static_cast<size_t>(predicted_[i])]);
  }
  ended.clear();
}

void FlowClassifier::Observe(PacketFeatures& packet, const Emit& emit) {
  tracker_.Observe(packet, ended_);
  // Flows that ended on this packet do not include it; it joins the sum of its own flow, whose
  // flow_index no ended flow has, so they can wait for their batch.
  if (ended_.size() >= label_batch_) Label(ended_, emit);
  if (features_.rows() == FeatureRows::kPackets && packet.flow_index != 0) {
    features_.Fill(packet, rows_.data());
    compiled_->PredictProbabilities(rows_.data(), 1, static_cast<int32_t>(features_.size()), probabilities_.data(), 1);
    std::vector<double>& sums = packet_sums_[packet.flow_index];
    sums.resize(static_cast<size_t>(compiled_->classes()), 0.0);
    for (size_t c = 0; c < sums.size(); ++c) sums[c] += probabilities_[c];
  }
}

void FlowClassifier::Expire(int64_t now_ns, const Emit& emit) {
  tracker_.Expire(now_ns, ended_);
  Label(ended_, emit);
}

void FlowClassifier::Finish(const Emit& emit) {
  tracker_.Finish(ended_);
  Label(ended_, emit);
  packet_sums_.clear();
}

namespace {

/// One capture's labeled flows, in the order they ended, and what reading it gave.
struct CaptureFlows {
  std::vector<FlowRecord> flows;
  std::vector<int32_t> predicted;
  std::vector<double> probabilities;
  int64_t packets = 0;   // records read
  std::string warning;   // cut short: kept up to its last complete record
};

}  // namespace

Result<ClassifySummary> Classify(const ClassifyOptions& options) {
  const auto start = SteadyClock::now();
  if (options.threads < 0) return Status::InvalidArgument("--threads must be 1 or more");
  // The model is read and compiled on a thread of its own (about 10 ms for a forest of 20 trees)
  // while the captures are checked and their first packets read; nothing is labeled or written
  // before it has loaded. Its error comes first, as when it was read before anything else: an
  // error met meanwhile is returned only once the model has loaded without one.
  const std::shared_future<Result<LoadedClassifier>> loading =
      std::async(std::launch::async, LoadClassifier, options.model, options.timeouts, options.progress).share();
  auto model_first = [&](Status status) {
    const Result<LoadedClassifier>& loaded = loading.get();
    return loaded.ok() ? std::move(status) : loaded.status();
  };
  // Only once the model has loaded (something has been labeled).
  auto model = [&]() -> const Model& { return loading.get()->model; };
  auto files = ListInputs(options.inputs);
  if (!files.ok()) return model_first(files.status());

  ClassifySummary summary;
  // Every file is checked before anything is written, as extract does.
  std::vector<SkippedFile> skipped;
  auto captures = KeepCaptures(std::move(*files), options.skip_invalid, skipped);
  if (!captures.ok()) return model_first(captures.status());
  if (!skipped.empty()) {
    // After the model's warnings, as before.
    if (!loading.get().ok()) return loading.get().status();
    for (const SkippedFile& file : skipped) {
      SinkOrNone(options.progress).Warn("skipped " + file.reason);
      summary.invalid_files.push_back(file.source_file);
    }
  }
  // Each thread that waits for the model does it through a copy of `loading` of its own.
  auto sink = RecordSink::Open(options.out, options.overwrite, [loading] { return loading.get().status(); });
  if (!sink.ok()) return model_first(sink.status());

  // Captures are read and their flows labeled on `workers` threads, each with its own classifier
  // (flows never cross captures; a copy of the loaded one, made once the model has loaded); the
  // records are written here in capture order, so they do not depend on the thread count. More
  // threads than captures: each capture is dissected ahead on a thread of its own, as extract does.
  const std::vector<CaptureFile>& inputs = *captures;
  const int threads = options.threads > 0 ? options.threads : HostCores();
  const size_t workers = std::max<size_t>(1, std::min(static_cast<size_t>(threads), inputs.size()));
  const bool dissect_ahead = static_cast<size_t>(threads) > inputs.size();
  std::vector<std::optional<FlowClassifier>> classifiers(workers);
  std::vector<CaptureFlows> results(inputs.size());
  LabeledFlow record;
  auto write_flow = [&](const FlowRecord& flow, int32_t predicted, double probability) {
    const std::vector<std::string>& classes = model().classes;
    record.flow = &flow;
    record.prediction = classes[static_cast<size_t>(predicted)];
    record.probability = probability;
    (*sink)->Write(record);
    summary.totals.resize(classes.size());  // one thread writes: sized at its first record
    CategoryTotals& totals = summary.totals[static_cast<size_t>(predicted)];
    ++totals.flows;
    totals.packets += static_cast<int64_t>(flow.sizes.count);
    totals.bytes += flow.sizes.sum;
    ++summary.flows;
  };
  auto sink_ready = [&] {
    if (Status ready = (*sink)->Ready(); !ready.ok()) throw Error(std::move(ready));
  };
  // The records of one capture, kept in `result` so far, in the order its flows ended.
  auto write_kept = [&](size_t index, CaptureFlows& result) {
    if (result.flows.empty()) return;
    sink_ready();
    record.source_file = inputs[index].source_file;
    for (size_t i = 0; i < result.flows.size(); ++i) {
      write_flow(result.flows[i], result.predicted[i], result.probabilities[i]);
    }
    result.flows.clear();
    result.predicted.clear();
    result.probabilities.clear();
  };
  // One worker takes the captures one after the other in file order: it writes each flow as it
  // ends, on its own thread, instead of leaving every record to be written after the last packet
  // (the output is the same; an error still publishes nothing, as the sink is not finished). The
  // flows that end while the Parquet writer is still starting (DuckDB takes tens of milliseconds,
  // and the first flows end within the first thousand packets) are kept until it has started
  // rather than waited on: a wait here would stop the dissecting thread too, once it is its few
  // batches ahead.
  const bool write_as_labeled = workers == 1;
  // Packets read before the model has loaded wait for it (at most kMaxWaitingPackets, about
  // 15 MB; then the reading waits too), so that reading does not.
  constexpr size_t kMaxWaitingPackets = size_t{1} << 17;
  constexpr size_t kModelCheckPackets = 1024;  // how often a waiting worker looks whether it has loaded
  // Flows labeled together: a walk of the trees for each flow as it ended (one or two at a time)
  // took half of labeling's time in calls and cache misses that a batch shares.
  constexpr size_t kLabelBatch = 256;
  auto label_capture = [&](size_t index, int worker) {
    CaptureFlows& result = results[index];
    std::optional<FlowClassifier>& classifier = classifiers[static_cast<size_t>(worker)];
    bool writing = false;  // write_as_labeled, and the sink has started: flows go straight to it
    const FlowClassifier::Emit keep = [&](FlowRecord&& flow, int32_t predicted, double probability) {
      if (write_as_labeled && !writing && (*sink)->Started()) {
        writing = true;
        sink_ready();
        write_kept(index, result);
        record.source_file = inputs[index].source_file;
      }
      if (writing) {
        write_flow(flow, predicted, probability);
        return;
      }
      result.flows.push_back(std::move(flow));
      result.predicted.push_back(predicted);
      result.probabilities.push_back(probability);
    };
    const std::shared_future<Result<LoadedClassifier>> model_loading = loading;  // this thread's copy
    std::vector<PacketFeatures> waiting;
    auto start_labeling = [&] {  // waits for the model (its error is thrown), then labels the waiting packets
      if (!classifier) {
        const Result<LoadedClassifier>& loaded = model_loading.get();
        if (!loaded.ok()) throw Error(loaded.status());
        classifier.emplace(loaded->classifier);
        classifier->LabelInBatches(kLabelBatch);
      }
      for (PacketFeatures& packet : waiting) classifier->Observe(packet, keep);
      waiting = {};
    };
    auto observe = [&](PacketFeatures& packet) {
      if (!classifier) {
        const bool loaded = waiting.size() % kModelCheckPackets == 0 &&
                            model_loading.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
        if (!loaded && waiting.size() < kMaxWaitingPackets) {
          if (waiting.empty()) waiting.reserve(kMaxWaitingPackets);  // mapped, not touched: no copy as it grows
          waiting.push_back(packet);
          return;
        }
        start_labeling();
      }
      classifier->Observe(packet, keep);
    };
    PacketCounts counts;
    ProgressSink& no_progress = SinkOrNone(nullptr);
    if (dissect_ahead) {
      DissectCaptureAhead(inputs[index], options.skip_invalid, no_progress, counts, result.warning, observe);
    } else {
      DissectCapture(inputs[index], options.skip_invalid, no_progress, counts, result.warning, observe);
    }
    start_labeling();
    classifier->Finish(keep);
    if (write_as_labeled) write_kept(index, result);  // the next capture's flows follow these
    result.packets = static_cast<int64_t>(counts.packets);
  };
  auto write_capture = [&](size_t index) {
    CaptureFlows result = std::move(results[index]);
    write_kept(index, result);
    if (!result.warning.empty()) summary.warnings.push_back(std::move(result.warning));
    summary.packets += result.packets;
    ++summary.files;
  };
  try {
    ProcessInFileOrder(inputs.size(), static_cast<int>(workers), label_capture, write_capture);
  } catch (const Error& e) {
    return model_first(e.status());
  } catch (const std::exception& e) {
    return model_first(Status::Internal(e.what()));
  }
  TAD_RETURN_IF_ERROR(model_first(Status::Ok()));  // no capture: nothing waited for it
  const LoadedClassifier& loaded = *loading.get();
  summary.rows = loaded.classifier.rows();
  summary.categories = loaded.model.classes;
  summary.totals.resize(summary.categories.size());
  TAD_RETURN_IF_ERROR((*sink)->Finish());
  summary.seconds = SecondsSince(start);
  return summary;
}

}  // namespace tad::jobs

namespace tad::jobs {
namespace {

// The running live capture, for the signal handler: SIGINT and SIGTERM stop it.
std::atomic<LivePacketSource*> g_live_source{nullptr};

void StopLiveCapture(int) {
  if (LivePacketSource* source = g_live_source.load()) source->Stop();
}

/// SIGINT/SIGTERM stop `source` while this lives; the previous handlers and mask come back after.
/// A handler replaces an inherited "ignore" (a shell without job control starts background jobs
/// with SIGINT ignored), and the two signals are unblocked on this thread in case the parent left
/// them blocked: a `kill -INT` meant for tad always stops it.
class StopOnSignal {
 public:
  explicit StopOnSignal(LivePacketSource& source) {
    g_live_source.store(&source);
    struct sigaction action {};
    action.sa_handler = StopLiveCapture;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, &previous_mask_);
  }
  ~StopOnSignal() {
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
    g_live_source.store(nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
  sigset_t previous_mask_;
};

int64_t WallClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The live metrics (docs/classify.md), refreshed after every flow and every read timeout.
class LiveMetrics {
 public:
  explicit LiveMetrics(const std::vector<std::string>& categories) : categories_(categories) {}
  void Update(const ClassifySummary& summary, uint64_t open_flows, const LiveStats& stats) {
    for (size_t c = 0; c < categories_.size(); ++c) {
      const telemetry::Labels labels = {{"category", categories_[c]}};
      registry_.Counter("tad_classify_flows_total", "Flows labeled, by predicted category", labels,
                        static_cast<double>(summary.totals[c].flows));
      registry_.Counter("tad_classify_bytes_total", "Bytes (IP lengths) of the flows labeled, by predicted category",
                        labels, static_cast<double>(summary.totals[c].bytes));
    }
    registry_.Gauge("tad_classify_open_flows", "Flows open now", {}, static_cast<double>(open_flows));
    registry_.Counter("tad_classify_packets_received_total", "Packets the kernel handed to the capture (pcap_stats)",
                      {}, static_cast<double>(stats.received));
    registry_.Counter("tad_classify_packets_dropped_total",
                      "Packets the kernel dropped because the capture buffer was full (pcap_stats)", {},
                      static_cast<double>(stats.dropped));
  }
  const telemetry::Registry& registry() const { return registry_; }

 private:
  std::vector<std::string> categories_;
  telemetry::Registry registry_;
};

}  // namespace

Result<LiveClassifySummary> ClassifyLive(const LiveClassifyOptions& options) {
  if (options.out != "-" && !options.out.ends_with(".jsonl")) {
    return Status::InvalidArgument(fmt::format("--out {}: a live capture writes JSON lines: FILE.jsonl or -", options.out));
  }
  auto loaded = LoadClassifier(options.model, options.timeouts, options.progress);
  if (!loaded.ok()) return loaded.status();
  const Model& model = loaded->model;
  FlowClassifier& classifier = loaded->classifier;
  auto source = LivePacketSource::Open(options.interface, options.filter);
  if (!source.ok()) return source.status();

  std::FILE* out = stdout;
  if (options.out != "-") {
    out = std::fopen(options.out.c_str(), "a");
    if (!out) return Status::IoError(fmt::format("{}: cannot write: {}", options.out, std::strerror(errno)));
  }
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(out == stdout ? nullptr : out, std::fclose);

  LiveClassifySummary summary;
  ClassifySummary& flows = summary.flows;
  flows.rows = classifier.rows();
  flows.categories = model.classes;
  flows.totals.resize(model.classes.size());
  LiveMetrics metrics(model.classes);
  std::unique_ptr<telemetry::MetricsServer> server;
  if (options.metrics_port > 0) {
    auto started = telemetry::MetricsServer::Start(options.metrics_address, options.metrics_port, metrics.registry());
    if (!started.ok()) return started.status();
    server = std::move(*started);
  }

  LabeledFlow record;
  record.source_file = options.interface;
  const FlowClassifier::Emit emit = [&](FlowRecord&& flow, int32_t predicted, double probability) {
    record.flow = &flow;
    record.prediction = model.classes[static_cast<size_t>(predicted)];
    record.probability = probability;
    const std::string line = LabeledFlowJson(record).dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);  // a line per flow as it ends, not when a buffer fills
    CategoryTotals& totals = flows.totals[static_cast<size_t>(predicted)];
    ++totals.flows;
    totals.packets += static_cast<int64_t>(flow.sizes.count);
    totals.bytes += flow.sizes.sum;
    ++flows.flows;
  };
  const auto start = SteadyClock::now();
  auto update_metrics = [&]() -> Status {
    auto stats = source->Stats();
    if (!stats.ok()) return stats.status();
    summary.received = stats->received;
    summary.dropped = stats->dropped;
    metrics.Update(flows, classifier.open_flows(), *stats);
    return Status::Ok();
  };
  TAD_RETURN_IF_ERROR(update_metrics());
  {
    StopOnSignal stop(*source);
    RawPacket raw;
    PacketFeatures packet;
    int64_t index = 0;
    auto last_expiry = SteadyClock::now();
    for (;;) {
      auto next = source->Next(raw);
      if (!next.ok()) return next.status();
      if (*next == LiveNext::kStopped) break;
      if (*next == LiveNext::kPacket) {
        ++index;
        bool transport_truncated = false;
        if (Dissect(raw.bytes, raw.wire_len, raw.link_type, packet, transport_truncated) == DissectResult::kOk) {
          packet.packet_index = index;
          packet.timestamp_ns = raw.timestamp_ns;
          packet.frame_len = static_cast<int32_t>(raw.wire_len);
          classifier.Observe(packet, emit);
        }
      }
      // A quiet network still ends flows: the wall clock expires them between packets.
      if (*next == LiveNext::kTimeout || SecondsSince(last_expiry) >= options.expiry_interval_s) {
        classifier.Expire(WallClockNs(), emit);
        last_expiry = SteadyClock::now();
        TAD_RETURN_IF_ERROR(update_metrics());
      }
    }
    flows.packets = index;
  }
  classifier.Finish(emit);
  TAD_RETURN_IF_ERROR(update_metrics());
  flows.seconds = SecondsSince(start);
  if (std::ferror(out)) return Status::IoError(fmt::format("{}: write failed", options.out));
  return summary;
}

}  // namespace tad::jobs
