#include "capture/live_source.h"

#include <pcap/pcap.h>
#include <poll.h>

#include <fmt/format.h>

namespace tad {
namespace {

// Room for bursts: tcpreplay at full speed outruns a reader for a moment, and the kernel drops
// what does not fit. 64 MiB holds over 40,000 full-size frames.
constexpr int kBufferBytes = 64 << 20;
constexpr int kSnapLength = 262144;

}  // namespace

Result<LivePacketSource> LivePacketSource::Open(const std::string& interface, const std::string& filter) {
  char error[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* handle = pcap_create(interface.c_str(), error);
  if (!handle) return Status::IoError(fmt::format("interface {}: {}", interface, error));
  pcap_set_snaplen(handle, kSnapLength);
  pcap_set_promisc(handle, 1);
  pcap_set_timeout(handle, kReadTimeoutMs);
  pcap_set_buffer_size(handle, kBufferBytes);
  pcap_set_tstamp_precision(handle, PCAP_TSTAMP_PRECISION_NANO);
  const int activated = pcap_activate(handle);
  if (activated < 0) {
    // pcap_statustostr names the cause (no such device, permission denied); geterr adds detail.
    const std::string status = pcap_statustostr(activated);
    const std::string detail = pcap_geterr(handle);
    const bool adds = !detail.empty() && detail != status;
    const std::string message =
        fmt::format("interface {}: cannot capture: {}{}{}", interface, status, adds ? ": " : "", adds ? detail : "");
    pcap_close(handle);
    return Status::IoError(message);
  }
  // Non-blocking reads and our own poll() with a timeout: Linux's TPACKET_V3 read timeout only
  // fires once a packet has arrived, so a blocking read on a quiet interface would never return
  // and idle flows, metrics and a stop request would wait for the next packet.
  if (pcap_setnonblock(handle, 1, error) != 0) {
    const std::string message = fmt::format("interface {}: {}", interface, error);
    pcap_close(handle);
    return Status::IoError(message);
  }
  LivePacketSource source(handle, interface, pcap_datalink(handle));
  if (!filter.empty()) {
    bpf_program program;
    if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return Status::InvalidArgument(fmt::format("--filter '{}': {}", filter, pcap_geterr(handle)));
    }
    const int set = pcap_setfilter(handle, &program);
    pcap_freecode(&program);
    if (set != 0) return Status::IoError(fmt::format("interface {}: {}", interface, pcap_geterr(handle)));
  }
  return source;
}

LivePacketSource::LivePacketSource(LivePacketSource&& other) noexcept
    : handle_(other.handle_), interface_(std::move(other.interface_)), link_type_(other.link_type_) {
  other.handle_ = nullptr;
}

LivePacketSource::~LivePacketSource() {
  if (handle_) pcap_close(static_cast<pcap_t*>(handle_));
}

Result<LiveNext> LivePacketSource::Next(RawPacket& packet) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  pcap_t* handle = static_cast<pcap_t*>(handle_);
  if (stopped_) return LiveNext::kStopped;
  int rc = pcap_next_ex(handle, &header, &data);
  if (rc == 0) {
    // Nothing buffered: wait up to the read timeout for the capture descriptor (a signal ends the
    // wait early; Stop() is then seen by the next read).
    pollfd descriptor{pcap_get_selectable_fd(handle), POLLIN, 0};
    if (descriptor.fd >= 0 && poll(&descriptor, 1, kReadTimeoutMs) > 0) rc = pcap_next_ex(handle, &header, &data);
    if (stopped_) return LiveNext::kStopped;
  }
  if (rc == 1) {
    packet.timestamp_ns =
        static_cast<int64_t>(header->ts.tv_sec) * 1000000000LL + static_cast<int64_t>(header->ts.tv_usec);
    packet.wire_len = header->len;
    packet.link_type = link_type_;
    packet.bytes = std::span<const uint8_t>(data, header->caplen);
    return LiveNext::kPacket;
  }
  if (rc == 0) return LiveNext::kTimeout;
  if (rc == PCAP_ERROR_BREAK) return LiveNext::kStopped;
  return Status::IoError(fmt::format("interface {}: {}", interface_, pcap_geterr(handle)));
}

void LivePacketSource::Stop() {
  stopped_ = 1;
  pcap_breakloop(static_cast<pcap_t*>(handle_));
}

Result<LiveStats> LivePacketSource::Stats() const {
  pcap_stat stat{};
  if (pcap_stats(static_cast<pcap_t*>(handle_), &stat) != 0) {
    return Status::IoError(fmt::format("interface {}: {}", interface_, pcap_geterr(static_cast<pcap_t*>(handle_))));
  }
  return LiveStats{stat.ps_recv, stat.ps_drop};
}

}  // namespace tad
