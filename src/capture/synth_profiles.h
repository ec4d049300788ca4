#pragma once
/// What `tad synth` models: a handful of traffic services shared by every app category (HTTPS API
/// calls, bulk downloads, QUIC, DNS, push channels, game and media UDP…) and, per category, how
/// often each service is used and what the far side looks like (TTLs of its servers, ports, TCP
/// windows, DSCP marks, IPv6 share, packet-size and timing scales). Categories share services and
/// server populations, so their packets overlap the way real app traffic does. See docs/synth.md.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tad::synth {

enum class Service : uint8_t { kWeb, kBulk, kHttp, kQuic, kDns, kPush, kGame, kStream, kVoip, kPrivate };
inline constexpr size_t kServiceCount = 10;

/// One component of a payload-size mixture, in transport payload bytes. `mean` < 0 means "a full
/// segment" (the flow's MSS for TCP, a full QUIC datagram for UDP).
struct SizeComponent {
  double weight;
  double mean;
  double sd;
};

struct ServiceProfile {
  std::string_view name;
  uint8_t ip_proto;             // 6 TCP, 17 UDP
  double median_packets;        // flow length: log-normal
  double sigma_packets;
  double down_probability;      // share of data packets sent by the server
  std::vector<SizeComponent> down_sizes;
  std::vector<SizeComponent> up_sizes;
  double iat_mean_us;           // exponential gaps inside a burst
  double idle_probability;      // chance that a gap is an idle pause instead
  double idle_mean_us;
};

/// A value with its weight in a discrete distribution.
struct Weighted {
  double weight;
  int value;
};

struct CategoryProfile {
  std::string_view name;
  double share;                                  // share of all packets (class imbalance)
  std::array<double, kServiceCount> services;    // service mixture, by flow
  std::vector<Weighted> server_ttls;             // initial TTL minus hops, per server
  std::vector<Weighted> web_ports;               // server ports of web/bulk TCP flows
  std::vector<Weighted> private_ports;           // server ports of game/stream/VoIP/private flows
  std::vector<Weighted> server_windows;          // tcp.window_size_value of the server
  std::vector<Weighted> client_windows;          // tcp.window_size_value of the phone (scaled)
  std::vector<Weighted> server_tos;              // DSCP/ECN byte of server packets
  double ipv6_fraction;
  double size_scale;                             // multiplies non-full payload sizes
  double iat_scale;                              // multiplies gaps inside flows
  double flow_gap_us;                            // mean gap between flow starts in one capture
};

const std::array<ServiceProfile, kServiceCount>& ServiceProfiles();

/// Per-host values (server TTLs, TOS bytes, receive windows) drawn independently of the category
/// (issue 12): every category's values pooled, each category's list weighing the same, so a TTL
/// or a window says nothing about the app that caused the flow.
struct HostPool {
  std::vector<Weighted> server_ttls;
  std::vector<Weighted> server_tos;
  std::vector<Weighted> server_windows;
  std::vector<Weighted> client_windows;
};
const HostPool& SharedHostPool();

/// The 13 categories of ZTE_TAD, in the seed's (alphabetical) order.
const std::vector<CategoryProfile>& CategoryProfiles();

}  // namespace tad::synth
