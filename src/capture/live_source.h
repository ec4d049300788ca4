#pragma once
/// The live packet source of `tad classify --interface`: libpcap capture from a network interface,
/// beside PacketSource (files). Timestamps in nanoseconds; reads wait at most kReadTimeoutMs, so
/// the caller gets control back on a quiet network (to expire flows, to see a stop request).

#include <csignal>
#include <cstdint>
#include <string>

#include "capture/packet_source.h"
#include "common/status.h"

namespace tad {

enum class LiveNext {
  kPacket,
  kTimeout,  // no packet within the read timeout
  kStopped,  // Stop() was called
};

/// What the kernel says about the capture (pcap_stats).
struct LiveStats {
  uint64_t received = 0;  // packets that reached the capture (before the filter on some systems)
  uint64_t dropped = 0;   // dropped by the kernel: the buffer was full
};

class LivePacketSource {
 public:
  static constexpr int kReadTimeoutMs = 100;
  /// Opens `interface` (IoError naming it when it does not exist or capturing is not permitted)
  /// with a BPF `filter` ("" for none; InvalidArgument when it does not compile).
  static Result<LivePacketSource> Open(const std::string& interface, const std::string& filter);

  LivePacketSource(LivePacketSource&& other) noexcept;
  LivePacketSource& operator=(LivePacketSource&&) = delete;
  LivePacketSource(const LivePacketSource&) = delete;
  ~LivePacketSource();

  /// The next packet, or kTimeout after kReadTimeoutMs without one. IoError when capturing fails.
  Result<LiveNext> Next(RawPacket& packet);
  /// Makes the running or next Next() return kStopped; safe in a signal handler.
  void Stop();
  Result<LiveStats> Stats() const;
  const std::string& interface() const { return interface_; }

 private:
  LivePacketSource(void* handle, std::string interface, int link_type)
      : handle_(handle), interface_(std::move(interface)), link_type_(link_type) {}
  void* handle_ = nullptr;  // pcap_t*
  std::string interface_;
  int link_type_ = 0;
  // Set by Stop() (possibly in a signal handler): libpcap's break flag is not checked by
  // non-blocking reads, so Next() checks this one itself.
  volatile sig_atomic_t stopped_ = 0;
};

}  // namespace tad
