#pragma once
/// The packet source of `tad extract`: reads pcap and pcapng files record by record, every
/// timestamp in nanoseconds whatever the file's (or pcapng interface's) resolution. Classic pcap
/// goes through our memory-mapped PcapReader (libpcap copied every byte twice); pcapng through our
/// PcapngReader, because libpcap gives one link type per file and stops at interfaces whose link
/// type or snapshot length differ from the first one's.
/// The format is taken from the file's first bytes, never its name.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "capture/pcap_reader.h"
#include "capture/pcapng_reader.h"
#include "common/status.h"

namespace tad {

struct RawPacket {
  int64_t timestamp_ns = 0;
  uint32_t wire_len = 0;           // length on the wire
  int link_type = 0;               // of this packet (pcapng: of its interface)
  std::span<const uint8_t> bytes;  // captured bytes; valid until the next Next()
};

enum class NextResult {
  kPacket,
  kEnd,
  kTruncated,  // the file ends inside a record (or libpcap reports an error for it)
  kCorrupt,    // a pcapng block is inconsistent; error() names its byte offset
};

class PacketSource {
 public:
  /// Opens `path` (pcap or pcapng); InvalidData names the file when it is not a capture.
  static Result<PacketSource> Open(const std::string& path);

  PacketSource(PacketSource&& other) noexcept = default;
  PacketSource& operator=(PacketSource&&) = delete;
  PacketSource(const PacketSource&) = delete;

  /// Classic pcap: the file's DLT link type (pcap_datalink). pcapng: the link type of the packet
  /// read last (0 before the first); use RawPacket::link_type, which is right for both.
  int link_type() const { return link_type_; }
  /// Reads the next record. kTruncated and kCorrupt: reading stops there, `error()` says why; the
  /// records before were complete.
  NextResult Next(RawPacket& packet);
  const std::string& error() const { return error_; }

 private:
  explicit PacketSource(std::unique_ptr<PcapReader> pcap);
  explicit PacketSource(std::unique_ptr<PcapngReader> pcapng);
  std::unique_ptr<PcapReader> pcap_;  // one of the two
  std::unique_ptr<PcapngReader> pcapng_;
  int link_type_ = 0;
  std::string error_;
};

}  // namespace tad
