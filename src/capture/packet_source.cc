#include "capture/packet_source.h"

#include <pcap/pcap.h>

#include <fmt/format.h>

#include "capture/capture_format.h"
#include "capture/pcapng_reader.h"

namespace tad {

Result<PacketSource> PacketSource::Open(const std::string& path) {
  auto format = DetectCaptureFormat(std::filesystem::path(path));
  if (format.ok() && *format == CaptureFormat::kPcapng) {
    auto reader = PcapngReader::Open(path);
    if (!reader.ok()) return reader.status();
    return PacketSource(std::make_unique<PcapngReader>(std::move(reader).value()));
  }
  // Anything else goes to libpcap, whose message says what is wrong with a file that is not pcap.
  char error[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (!handle) return Status::InvalidData(fmt::format("{}: cannot read the capture: {}", path, error));
  return PacketSource(handle, pcap_datalink(handle));
}

PacketSource::PacketSource(std::unique_ptr<PcapngReader> pcapng) : pcapng_(std::move(pcapng)) {}

PacketSource::PacketSource(PacketSource&& other) noexcept
    : handle_(other.handle_),
      pcapng_(std::move(other.pcapng_)),
      link_type_(other.link_type_),
      error_(std::move(other.error_)) {
  other.handle_ = nullptr;
}

PacketSource::~PacketSource() {
  if (handle_) pcap_close(static_cast<pcap_t*>(handle_));
}

NextResult PacketSource::Next(RawPacket& packet) {
  if (pcapng_) {
    PcapngPacket record;
    auto step = pcapng_->Next(record);
    if (!step.ok()) {
      error_ = step.status().message();
      return NextResult::kCorrupt;
    }
    if (*step == PcapngStep::kEnd) return NextResult::kEnd;
    if (*step == PcapngStep::kTruncated) {
      error_ = pcapng_->warning();
      return NextResult::kTruncated;
    }
    packet.timestamp_ns = record.timestamp_ns;
    packet.wire_len = record.wire_len;
    packet.link_type = record.link_type;
    packet.bytes = record.bytes;
    link_type_ = record.link_type;
    return NextResult::kPacket;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(static_cast<pcap_t*>(handle_), &header, &data);
  if (rc == 1) {
    // Opened with nanosecond precision: tv_usec holds nanoseconds.
    packet.timestamp_ns =
        static_cast<int64_t>(header->ts.tv_sec) * 1000000000LL + static_cast<int64_t>(header->ts.tv_usec);
    packet.wire_len = header->len;
    packet.link_type = link_type_;
    packet.bytes = std::span<const uint8_t>(data, header->caplen);
    return NextResult::kPacket;
  }
  if (rc == PCAP_ERROR_BREAK) return NextResult::kEnd;
  error_ = pcap_geterr(static_cast<pcap_t*>(handle_));
  return NextResult::kTruncated;
}

}  // namespace tad
