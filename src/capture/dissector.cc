#include "capture/dissector.h"

#include <algorithm>
#include <cstring>

namespace tad {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88a8;
constexpr uint16_t kEtherQinQOld = 0x9100;
constexpr uint16_t kEtherPppoeSession = 0x8864;
constexpr uint16_t kEtherMpls = 0x8847;
constexpr uint16_t kEtherMplsMulticast = 0x8848;

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint32_t Le32(const uint8_t* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

enum class Network { kIpv4, kIpv6, kGuess, kNotIp };

Network FromEtherType(uint16_t type) {
  if (type == kEtherIpv4) return Network::kIpv4;
  if (type == kEtherIpv6) return Network::kIpv6;
  return Network::kNotIp;
}

/// TCP or UDP header at `offset`; `ip_payload` is the transport segment's length per the IP header.
void DissectTransport(const uint8_t* data, size_t caplen, size_t offset, int64_t ip_payload, PacketFeatures& out,
                      bool& transport_truncated) {
  const size_t avail = offset <= caplen ? caplen - offset : 0;
  const uint8_t* p = data + offset;
  out.payload_len = static_cast<int32_t>(ip_payload);
  if (out.ip_proto == 6) {
    if (avail < 20) {
      transport_truncated = true;
      return;
    }
    const int data_offset = (p[12] >> 4) * 4;
    if (data_offset < 20) {
      transport_truncated = true;
      return;
    }
    out.has_ports = true;
    out.is_tcp = true;
    out.src_port = Be16(p);
    out.dst_port = Be16(p + 2);
    out.tcp_flags = static_cast<uint16_t>(((p[12] & 0x0f) << 8) | p[13]);
    out.tcp_window = Be16(p + 14);
    out.payload_len = static_cast<int32_t>(std::max<int64_t>(0, ip_payload - data_offset));
  } else if (out.ip_proto == 17) {
    if (avail < 8) {
      transport_truncated = true;
      return;
    }
    out.has_ports = true;
    out.src_port = Be16(p);
    out.dst_port = Be16(p + 2);
    const int udp_len = Be16(p + 4);
    out.payload_len = std::max(0, udp_len - 8);
  }
}

DissectResult DissectIpv4(const uint8_t* data, size_t caplen, size_t offset, int64_t wire_avail, PacketFeatures& out,
                          bool& transport_truncated) {
  if (offset + 20 > caplen) return DissectResult::kMalformed;
  const uint8_t* p = data + offset;
  if ((p[0] >> 4) != 4) return DissectResult::kMalformed;
  const int header_len = (p[0] & 0x0f) * 4;
  if (header_len < 20) return DissectResult::kMalformed;
  if (offset + static_cast<size_t>(header_len) > caplen) return DissectResult::kMalformed;
  int64_t total_len = Be16(p + 2);
  out.ip_len = static_cast<int32_t>(total_len);
  if (total_len == 0) total_len = wire_avail;  // TSO: the length is left to the NIC
  if (total_len < header_len) return DissectResult::kMalformed;
  total_len = std::min(total_len, wire_avail);  // a length that lies is clamped to the frame
  out.ip_version = 4;
  out.ip_header_len = static_cast<uint16_t>(header_len);
  out.ip_tos = p[1];
  out.ip_ttl = p[8];
  out.ip_proto = p[9];
  std::memcpy(out.src_addr.data(), p + 12, 4);
  std::memcpy(out.dst_addr.data(), p + 16, 4);
  const int64_t payload = total_len - header_len;
  out.payload_len = static_cast<int32_t>(std::max<int64_t>(0, payload));
  const uint16_t fragment_offset = Be16(p + 6) & 0x1fff;
  out.later_fragment = fragment_offset != 0;
  if (out.later_fragment) return DissectResult::kOk;  // no transport header in later fragments
  DissectTransport(data, caplen, offset + header_len, std::max<int64_t>(0, payload), out, transport_truncated);
  return DissectResult::kOk;
}

DissectResult DissectIpv6(const uint8_t* data, size_t caplen, size_t offset, int64_t wire_avail, PacketFeatures& out,
                          bool& transport_truncated) {
  if (offset + 40 > caplen) return DissectResult::kMalformed;
  const uint8_t* p = data + offset;
  if ((p[0] >> 4) != 6) return DissectResult::kMalformed;
  out.ip_version = 6;
  out.ip_header_len = 40;
  out.ip_tos = static_cast<uint8_t>(((p[0] & 0x0f) << 4) | (p[1] >> 4));
  out.ip_ttl = p[7];
  std::memcpy(out.src_addr.data(), p + 8, 16);
  std::memcpy(out.dst_addr.data(), p + 24, 16);
  int64_t payload = Be16(p + 4);
  out.ip_len = static_cast<int32_t>(payload + 40);
  if (payload == 0) payload = wire_avail - 40;  // jumbogram or TSO
  payload = std::max<int64_t>(0, std::min(payload, wire_avail - 40));
  uint8_t next = p[6];
  size_t at = offset + 40;
  // Extension headers up to the transport protocol.
  for (int hops = 0; hops < 16; ++hops) {
    if (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
      if (at + 8 > caplen) {
        out.ip_proto = next;
        // Earlier extension headers may claim more bytes than the payload length left.
        out.payload_len = static_cast<int32_t>(std::max<int64_t>(0, payload));
        transport_truncated = true;
        return DissectResult::kOk;
      }
      const uint8_t* e = data + at;
      size_t len = 0;
      if (next == 44) {
        len = 8;
        const uint16_t fragment_offset = Be16(e + 2) >> 3;
        if (fragment_offset != 0) {
          out.later_fragment = true;
          out.ip_proto = e[0];
          out.payload_len = static_cast<int32_t>(std::max<int64_t>(0, payload - 8));
          return DissectResult::kOk;
        }
      } else if (next == 51) {
        len = (size_t{e[1]} + 2) * 4;
      } else {
        len = (size_t{e[1]} + 1) * 8;
      }
      next = e[0];
      at += len;
      payload -= static_cast<int64_t>(len);
      continue;
    }
    break;
  }
  out.ip_proto = next;
  payload = std::max<int64_t>(0, payload);
  out.payload_len = static_cast<int32_t>(payload);
  DissectTransport(data, caplen, at, payload, out, transport_truncated);
  return DissectResult::kOk;
}

}  // namespace

DissectResult Dissect(std::span<const uint8_t> frame, uint32_t wire_len, int link_type, PacketFeatures& out,
                      bool& transport_truncated) {
  const uint8_t* data = frame.data();
  const size_t caplen = frame.size();
  transport_truncated = false;
  out.has_ports = false;
  out.is_tcp = false;
  out.later_fragment = false;
  out.src_port = out.dst_port = 0;
  out.tcp_flags = out.tcp_window = 0;
  out.src_addr.fill(0);
  out.dst_addr.fill(0);

  size_t offset = 0;
  Network network = Network::kNotIp;
  switch (link_type) {
    case link_type::kEthernet: {
      if (caplen < 14) return DissectResult::kMalformed;
      uint16_t type = Be16(data + 12);
      offset = 14;
      while (type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld) {
        if (offset + 4 > caplen) return DissectResult::kMalformed;
        type = Be16(data + offset + 2);
        offset += 4;
      }
      if (type == kEtherPppoeSession) {
        if (offset + 8 > caplen) return DissectResult::kMalformed;
        const uint16_t ppp = Be16(data + offset + 6);
        offset += 8;
        network = ppp == 0x0021 ? Network::kIpv4 : ppp == 0x0057 ? Network::kIpv6 : Network::kNotIp;
      } else if (type == kEtherMpls || type == kEtherMplsMulticast) {
        for (;;) {
          if (offset + 4 > caplen) return DissectResult::kMalformed;
          const bool bottom = (data[offset + 2] & 0x01) != 0;
          offset += 4;
          if (bottom) break;
        }
        network = Network::kGuess;
      } else {
        network = FromEtherType(type);
      }
      break;
    }
    case link_type::kLinuxSll:
      if (caplen < 16) return DissectResult::kMalformed;
      network = FromEtherType(Be16(data + 14));
      offset = 16;
      break;
    case link_type::kLinuxSll2:
      if (caplen < 20) return DissectResult::kMalformed;
      network = FromEtherType(Be16(data));
      offset = 20;
      break;
    case link_type::kRaw:
    case link_type::kRaw12:
    case link_type::kRaw14:
      network = Network::kGuess;
      break;
    case link_type::kIpv4:
      network = Network::kIpv4;
      break;
    case link_type::kIpv6:
      network = Network::kIpv6;
      break;
    case link_type::kNull:
    case link_type::kLoop: {
      if (caplen < 4) return DissectResult::kMalformed;
      // NULL is in the capturing host's byte order, LOOP in network order: accept either.
      uint32_t family = link_type == link_type::kLoop ? Be32(data) : Le32(data);
      if (family > 0xffff) family = link_type == link_type::kLoop ? Le32(data) : Be32(data);
      offset = 4;
      if (family == 2) {
        network = Network::kIpv4;
      } else if (family == 24 || family == 28 || family == 30) {
        network = Network::kIpv6;
      } else {
        network = Network::kNotIp;
      }
      break;
    }
    default:
      return DissectResult::kUnsupportedLink;
  }
  if (network == Network::kNotIp) return DissectResult::kNotIp;
  if (network == Network::kGuess) {
    if (offset >= caplen) return DissectResult::kMalformed;
    const int version = data[offset] >> 4;
    if (version == 4) {
      network = Network::kIpv4;
    } else if (version == 6) {
      network = Network::kIpv6;
    } else {
      return DissectResult::kNotIp;
    }
  }
  // Capped so that a payload length taken from it (TSO, jumbograms) still fits payload_len's int32.
  const int64_t wire_avail = std::clamp<int64_t>(
      static_cast<int64_t>(std::max<size_t>(wire_len, caplen)) - static_cast<int64_t>(offset), 0, INT32_MAX);
  if (network == Network::kIpv4) return DissectIpv4(data, caplen, offset, wire_avail, out, transport_truncated);
  return DissectIpv6(data, caplen, offset, wire_avail, out, transport_truncated);
}

}  // namespace tad
