#include "capture/packet_source.h"

#include "capture/capture_format.h"

namespace tad {

Result<PacketSource> PacketSource::Open(const std::string& path) {
  auto format = DetectCaptureFormat(std::filesystem::path(path));
  if (format.ok() && *format == CaptureFormat::kPcapng) {
    auto reader = PcapngReader::Open(path);
    if (!reader.ok()) return reader.status();
    return PacketSource(std::make_unique<PcapngReader>(std::move(reader).value()));
  }
  // Anything else goes to the pcap reader, whose message says what is wrong with a file that is
  // not pcap.
  auto reader = PcapReader::Open(path);
  if (!reader.ok()) return reader.status();
  return PacketSource(std::make_unique<PcapReader>(std::move(reader).value()));
}

PacketSource::PacketSource(std::unique_ptr<PcapReader> pcap) : pcap_(std::move(pcap)), link_type_(pcap_->link_type()) {}

PacketSource::PacketSource(std::unique_ptr<PcapngReader> pcapng) : pcapng_(std::move(pcapng)) {}

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
  PcapRecord record;
  const PcapStep step = pcap_->Next(record);
  if (step == PcapStep::kEnd) return NextResult::kEnd;
  if (step == PcapStep::kTruncated) {
    error_ = pcap_->error();
    return NextResult::kTruncated;
  }
  packet.timestamp_ns = record.timestamp_ns;
  packet.wire_len = record.wire_len;
  packet.link_type = link_type_;
  packet.bytes = record.bytes;
  return NextResult::kPacket;
}

}  // namespace tad
