#pragma once
/// One bidirectional flow of `tad extract --flows`, as FlowTracker assembles it: exact integer
/// counts and sums from which every column of the flow schema (dataset/flow_schema.h, defined in
/// docs/flows.md) is derived. Sums of squares are 128-bit, so no capture overflows them.

#include <array>
#include <cstdint>
#include <vector>

namespace tad {

enum class FlowEndReason : uint8_t {
  kEnd,     // still open when the capture ended, its last packet within the idle timeout of the end
  kIdle,    // the idle timeout passed since its last packet
  kActive,  // the active timeout passed since its first packet
  kReuse,   // a TCP SYN without ACK after the flow had seen FIN or RST
};

const char* FlowEndReasonName(FlowEndReason reason);

/// Count, sum, sum of squares, min and max of integer samples (sizes in bytes, gaps in µs).
struct IntegerStats {
  uint64_t count = 0;
  int64_t sum = 0;
  __int128 sum_squares = 0;
  int64_t min = 0;
  int64_t max = 0;
  void Add(int64_t value) {
    if (count == 0 || value < min) min = value;
    if (count == 0 || value > max) max = value;
    ++count;
    sum += value;
    sum_squares += static_cast<__int128>(value) * value;
  }
  double Mean() const { return static_cast<double>(sum) / static_cast<double>(count); }
  /// Population standard deviation, from the exact sums.
  double Std() const;
};

/// What is kept per direction (0 forward, 1 backward).
struct FlowDirection {
  int64_t payload_bytes = 0;
  IntegerStats sizes;
  IntegerStats gaps_us;       // between consecutive packets of this direction
  int64_t last_ns = 0;        // of this direction's last packet
  int32_t init_window = -1;   // tcp_window of its first TCP packet; -1: none
};

struct FlowRecord {
  int64_t flow_index = 0;
  int64_t first_packet_index = 0;
  int64_t last_packet_index = 0;
  uint8_t ip_version = 0;
  uint8_t ip_proto = 0;
  std::array<uint8_t, 16> src_addr{};  // of the first packet (4 bytes used for IPv4)
  std::array<uint8_t, 16> dst_addr{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  bool has_ports = false;
  int64_t first_timestamp_ns = 0;
  int64_t last_timestamp_ns = 0;
  FlowEndReason end_reason = FlowEndReason::kEnd;
  IntegerStats sizes;    // all packets
  IntegerStats gaps_us;  // between consecutive packets of the flow
  std::array<FlowDirection, 2> directions;
  // TCP flag counts: packets with FIN, SYN, RST, PSH, ACK, URG set.
  uint64_t fin_count = 0, syn_count = 0, rst_count = 0, psh_count = 0, ack_count = 0, urg_count = 0;
  bool seen_fin_or_rst = false;
  // The first `--splt` packets: size, direction, µs since the flow's previous packet.
  std::vector<int32_t> splt_size;
  std::vector<int8_t> splt_dir;
  std::vector<int64_t> splt_iat_us;
};

}  // namespace tad
