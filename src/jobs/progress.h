#pragma once
/// How a long job tells its caller how far it has got, without printing: the CLI draws a bar on
/// stderr and prints the warnings, a test passes nothing. Every method does nothing by default.

#include <cstdint>
#include <string_view>

namespace tad::jobs {

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  /// The work ahead: `total` `unit`s (0: unknown); called once, before the first Advance.
  virtual void Start(std::string_view /*job*/, uint64_t /*total*/, std::string_view /*unit*/) {}
  /// What is being worked on now (e.g. the capture being read).
  virtual void SetLabel(std::string_view /*label*/) {}
  /// Thread-safe: called from the job's worker threads.
  virtual void Advance(uint64_t /*amount*/) {}
  /// The work is done; called before the job's summary is returned.
  virtual void Finish() {}
  /// A problem the job went on past, one line without a prefix.
  virtual void Warn(std::string_view /*message*/) {}
};

/// `sink`, or a sink that ignores everything when it is null.
inline ProgressSink& SinkOrNone(ProgressSink* sink) {
  static ProgressSink none;
  return sink ? *sink : none;
}

}  // namespace tad::jobs
