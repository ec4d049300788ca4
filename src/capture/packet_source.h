#pragma once
/// The adapter in front of libpcap: reads pcap and pcapng files record by record, every timestamp
/// in nanoseconds whatever the file's (or pcapng interface's) resolution.

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace tad {

struct RawPacket {
  int64_t timestamp_ns = 0;
  uint32_t wire_len = 0;            // length on the wire
  std::span<const uint8_t> bytes;   // captured bytes; valid until the next Next()
};

enum class NextResult { kPacket, kEnd, kTruncated };

class PacketSource {
 public:
  /// Opens `path` (pcap or pcapng); InvalidData names the file when libpcap refuses it.
  static Result<PacketSource> Open(const std::string& path);

  PacketSource(PacketSource&& other) noexcept;
  PacketSource& operator=(PacketSource&&) = delete;
  PacketSource(const PacketSource&) = delete;
  ~PacketSource();

  /// The DLT link type (pcap_datalink).
  int link_type() const { return link_type_; }
  /// Reads the next record. kTruncated: the file ends inside a record (or libpcap reports an
  /// error for it); reading stops there, `error()` says why.
  NextResult Next(RawPacket& packet);
  const std::string& error() const { return error_; }

 private:
  PacketSource(void* handle, int link_type) : handle_(handle), link_type_(link_type) {}
  void* handle_ = nullptr;  // pcap_t*
  int link_type_ = 0;
  std::string error_;
};

}  // namespace tad
