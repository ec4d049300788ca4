#pragma once
/// One row of `tad extract`: the features of one IPv4/IPv6 packet, taken from its outermost IP
/// header and that header's transport header. The column set and meaning are in docs/extract.md.

#include <array>
#include <cstdint>

namespace tad {

struct PacketFeatures {
  int64_t packet_index = 0;   // 1-based record number in the capture (frame.number)
  int64_t timestamp_ns = 0;   // ns since the epoch (frame.time_epoch)
  int32_t frame_len = 0;      // length on the wire (frame.len)
  uint8_t ip_version = 0;     // 4 or 6
  uint16_t ip_header_len = 0; // IPv4 IHL*4; 40 for IPv6
  uint8_t ip_tos = 0;         // IPv4 DS field byte / IPv6 traffic class
  uint8_t ip_ttl = 0;         // TTL / hop limit
  uint8_t ip_proto = 0;       // transport protocol (IPv6: after extension headers)
  bool has_ports = false;     // TCP or UDP header present
  bool is_tcp = false;        // TCP header present (tcp_flags, tcp_window valid)
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t tcp_flags = 0;     // 12 bits, as tshark's tcp.flags
  uint16_t tcp_window = 0;    // unscaled
  int32_t payload_len = 0;    // tcp.len, UDP length - 8, or IP payload bytes for other protocols
  int32_t ip_len = 0;         // IPv4 total length / IPv6 payload length + 40, as in the header (not written)
  bool later_fragment = false;  // a fragment other than the first: no transport header, no flow
  // Set by FlowTracker; a later fragment belongs to no flow (flow_index 0, written as NULL).
  int64_t flow_index = 0;     // 1-based order of the flow's first packet in the capture
  int8_t direction = 0;       // 0: sent by the side that sent the flow's first packet
  int64_t inter_arrival_us = 0;
  // Flow key material (not written): addresses, 4 or 16 bytes used.
  std::array<uint8_t, 16> src_addr{};
  std::array<uint8_t, 16> dst_addr{};
};

}  // namespace tad
