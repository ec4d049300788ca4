#pragma once
/// Dissection of one captured frame into PacketFeatures: a pure function over bytes, no libpcap.
/// Every read is bounds-checked against the captured bytes; lengths in headers are believed only
/// where they agree with what the frame can hold.

#include <cstdint>
#include <span>

#include "capture/packet_features.h"

namespace tad {

/// DLT link types understood (pcap_datalink values; 12/14 are DLT_RAW on Linux/OpenBSD).
namespace link_type {
inline constexpr int kNull = 0;
inline constexpr int kEthernet = 1;
inline constexpr int kRaw12 = 12;
inline constexpr int kRaw14 = 14;
inline constexpr int kRaw = 101;
inline constexpr int kLoop = 108;
inline constexpr int kLinuxSll = 113;
inline constexpr int kIpv4 = 228;
inline constexpr int kIpv6 = 229;
inline constexpr int kLinuxSll2 = 276;
}  // namespace link_type

enum class DissectResult {
  kOk,              // an IP packet; features filled
  kNotIp,           // a well-formed frame that carries no IPv4/IPv6 (ARP, LLDP, ...)
  kUnsupportedLink, // the link type is not one we read
  kMalformed,       // headers cut short or inconsistent (IHL < 5, a truncated IP header, ...)
};

/// Dissects `frame` (the captured bytes) of a frame `wire_len` bytes long on the wire. On kOk,
/// fills the IP/transport fields and addresses of `out`; the caller sets index, time, length.
/// `transport_truncated` is set when the IP header is fine but its transport header is cut short
/// (the row is still produced, without ports).
DissectResult Dissect(std::span<const uint8_t> frame, uint32_t wire_len, int link_type, PacketFeatures& out,
                      bool& transport_truncated);

}  // namespace tad
