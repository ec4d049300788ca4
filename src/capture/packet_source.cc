#include "capture/packet_source.h"

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace tad {

Result<PacketSource> PacketSource::Open(const std::string& path) {
  char error[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (!handle) return Status::InvalidData(fmt::format("{}: cannot read the capture: {}", path, error));
  return PacketSource(handle, pcap_datalink(handle));
}

PacketSource::PacketSource(PacketSource&& other) noexcept
    : handle_(other.handle_), link_type_(other.link_type_), error_(std::move(other.error_)) {
  other.handle_ = nullptr;
}

PacketSource::~PacketSource() {
  if (handle_) pcap_close(static_cast<pcap_t*>(handle_));
}

NextResult PacketSource::Next(RawPacket& packet) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(static_cast<pcap_t*>(handle_), &header, &data);
  if (rc == 1) {
    packet.timestamp_ns = static_cast<int64_t>(header->ts.tv_sec) * 1000000000LL + static_cast<int64_t>(header->ts.tv_usec);
    packet.wire_len = header->len;
    packet.bytes = std::span<const uint8_t>(data, header->caplen);
    return NextResult::kPacket;
  }
  if (rc == PCAP_ERROR_BREAK) return NextResult::kEnd;
  error_ = pcap_geterr(static_cast<pcap_t*>(handle_));
  return NextResult::kTruncated;
}

}  // namespace tad
