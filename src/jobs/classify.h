#pragma once
/// `tad classify` as library functions: the flows of captures (or of a live interface), built as
/// `tad extract --flows` builds them, each labeled by a model (docs/classify.md). A flow model
/// labels each flow from its own features; a packet model labels each packet, and a flow gets the
/// class with the highest mean probability over its packets (the lowest class index on ties).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "capture/flow_tracker.h"
#include "common/status.h"
#include "dataset/feature_row.h"
#include "dataset/flow_options.h"
#include "dataset/labeled_flow_writer.h"
#include "jobs/progress.h"
#include "tree/model.h"

namespace tad::jobs {

/// Flow timeouts given on the command line. Flows are built with the model's flow options (as its
/// dataset was extracted; extract's defaults for a model file without them); a timeout given here
/// replaces the model's, with a warning when it differs.
struct FlowTimeouts {
  std::optional<double> idle_timeout_s;
  std::optional<double> active_timeout_s;
};

/// The flow options classify builds flows with for `model`: its recorded ones with `given` in
/// place, the SPLT length of its dataset (or, for a model without options, of its features). A
/// given timeout that differs from the model's adds a line to `warnings`.
Result<FlowOptions> ClassifyFlowOptions(const Model& model, const FlowTimeouts& given,
                                        std::vector<std::string>& warnings);

struct ClassifyOptions {
  std::vector<std::string> inputs;  // capture files or folders (every file below, any layout)
  std::string model;
  std::string out;                  // "": no records; "-": JSON lines on stdout; FILE.parquet or FILE.jsonl
  bool overwrite = false;
  bool skip_invalid = false;        // warn about files that are not captures (or are corrupt) and go on
  FlowTimeouts timeouts;
  int threads = 0;  // threads reading captures and labeling their flows; 0: one per core. Records do not depend on it
  ProgressSink* progress = nullptr;  // warnings (a timeout that overrides the model's)
};

/// Flows, packets and bytes (IP lengths) labeled with one category.
struct CategoryTotals {
  int64_t flows = 0;
  int64_t packets = 0;
  int64_t bytes = 0;
};

struct ClassifySummary {
  FeatureRows rows = FeatureRows::kFlows;  // what the model labels
  int64_t files = 0;
  std::vector<std::string> invalid_files;  // skipped (--skip-invalid)
  std::vector<std::string> warnings;       // files cut short, kept up to their last complete record
  int64_t packets = 0;                     // records read
  int64_t flows = 0;
  std::vector<std::string> categories;     // the model's classes
  std::vector<CategoryTotals> totals;      // per category, in the order of `categories`
  double seconds = 0;
};

/// Labels flows as they end: packets in (dissected, in capture order), labeled flows out. A copy
/// of one that has not seen packets is a classifier of its own (for another thread) that shares
/// the compiled model.
class FlowClassifier {
 public:
  using Emit = std::function<void(FlowRecord&& flow, int32_t predicted, double probability)>;
  /// InvalidArgument naming the model's features that captures cannot give.
  static Result<FlowClassifier> Create(const Model& model, const FlowOptions& options);

  FeatureRows rows() const { return features_.rows(); }
  /// Labels the flows that end `flows` at a time (and the rest at Expire and Finish) instead of as
  /// each ends: the same labels in the same order, with one walk of the trees per batch. Offline
  /// only: a live capture hands out each flow as it ends.
  void LabelInBatches(size_t flows) { label_batch_ = std::max<size_t>(1, flows); }
  /// Adds a packet to its flow; flows that end on it are labeled and handed to `emit`.
  void Observe(PacketFeatures& packet, const Emit& emit);
  /// Wall-clock expiry of a live capture (FlowTracker::Expire); ended flows go to `emit`.
  void Expire(int64_t now_ns, const Emit& emit);
  /// The capture ended: labels and hands out every open flow (end reason `end`), and starts over.
  void Finish(const Emit& emit);
  uint64_t open_flows() const { return tracker_.open_flows(); }

 private:
  FlowClassifier(const Model& model, FeatureRowBuilder features, FlowRules rules);
  void Label(std::vector<FlowRecord>& ended, const Emit& emit);

  // Shared by the copies of a classifier (one per thread): compiled once, only read.
  std::shared_ptr<const CompiledModel> compiled_;
  FeatureRowBuilder features_;
  FlowTracker tracker_;
  std::vector<FlowRecord> ended_;       // not yet labeled
  size_t label_batch_ = 1;
  std::vector<float> rows_;             // feature rows: one per ended flow (flow models) or the packet's
  std::vector<int32_t> predicted_;      // per ended flow
  std::vector<double> probabilities_;  // row-major, classes per row
  // Packet models: the sum of each open flow's packet probabilities, by flow_index.
  std::unordered_map<int64_t, std::vector<double>> packet_sums_;
};

struct LiveClassifyOptions {
  std::string interface;
  std::string filter;            // BPF; "" for every packet
  std::string model;
  std::string out = "-";         // "-": JSON lines on stdout; FILE.jsonl: appended line by line as flows end
  FlowTimeouts timeouts;
  ProgressSink* progress = nullptr;  // warnings (a timeout that overrides the model's)
  int metrics_port = 0;          // 0: no endpoint
  std::string metrics_address = "0.0.0.0";
  double expiry_interval_s = 1;  // how often the wall clock expires idle and active flows
};

struct LiveClassifySummary {
  ClassifySummary flows;  // files 0; packets: packets handed to tad
  uint64_t received = 0;  // pcap_stats
  uint64_t dropped = 0;   // by the kernel
};

/// `tad classify --interface IF`: a JSON line per flow as it ends, until SIGINT or SIGTERM; then
/// the open flows are handed out (end reason `end`) and the summary returned.
Result<LiveClassifySummary> ClassifyLive(const LiveClassifyOptions& options);

/// One labeled flow as a JSON object (a line of `--out FILE.jsonl` or `-`), keys in record order.
nlohmann::ordered_json LabeledFlowJson(const LabeledFlow& record);

/// `tad classify INPUT... --model M`: every capture's flows labeled, written to `options.out`.
Result<ClassifySummary> Classify(const ClassifyOptions& options);

}  // namespace tad::jobs
