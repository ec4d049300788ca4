#pragma once
/// What `tad synth` models: a handful of traffic services shared by every app category (HTTPS API
/// calls, bulk downloads, QUIC, DNS, push channels, game and media UDP…) and, per category, how
/// often each service is used and how its apps use their connections (sessions: DNS lookups,
/// connections per session, TLS handshake sizes, request/response sizes, think times, port reuse).
/// Per-host values (server TTLs, ports, TCP windows, DSCP marks) come from one pool shared by every
/// category, so they do not give the category away. See docs/synth.md.

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

/// How a service's flows are planned.
enum class Pattern : uint8_t {
  kRequestResponse,  // TCP: handshake, optional TLS handshake, request/response exchanges, close
  kPacketMix,        // packets drawn one by one from the size/direction/gap mixtures below
  kLookup,           // a DNS query and its answer, sized by the category's SessionProfile
};

struct ServiceProfile {
  std::string_view name;
  Pattern pattern;
  bool tls;                     // kRequestResponse: a TLS handshake after the TCP one
  double response_scale;        // kRequestResponse: multiplies the category's response sizes
  double requests_scale;        // kRequestResponse: multiplies the category's exchanges per connection
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

/// How a category's apps use the network: one session is what an app does for one user action
/// (open a page, play a track): a DNS lookup, then one or more connections, in parallel or one
/// after another, each with a TLS handshake and request/response exchanges separated by think time.
/// Sizes and times are medians of log-normal draws.
struct SessionProfile {
  double connections;           // connections per session (request/response services)
  double parallel_probability;  // a further connection opens while the previous one is busy
  double dns_probability;       // a lookup precedes a connection to a new server
  double dns_query_bytes;       // DNS payloads: the app's domain names and their CNAME chains
  double dns_answer_bytes;
  double reuse_probability;     // a sequential connection reuses the previous one's closed 4-tuple
  double client_hello_bytes;    // TLS ClientHello payload (the app's TLS library)
  double server_flight_bytes;   // ServerHello + certificate chain + ServerHelloDone
  double requests;              // request/response exchanges per connection
  double request_bytes;
  double response_bytes;
  double think_us;              // gap before each exchange after the first
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
  double session_gap_us;                         // mean gap between session starts in one capture
  SessionProfile session;
};

const std::array<ServiceProfile, kServiceCount>& ServiceProfiles();

/// Per-host values (server TTLs, TOS bytes, receive windows, server ports) drawn independently of
/// the category (issue 12): every category's values pooled, each category's list weighing the
/// same, so a TTL, a window or a port says nothing about the app that caused the flow.
struct HostPool {
  std::vector<Weighted> server_ttls;
  std::vector<Weighted> server_tos;
  std::vector<Weighted> server_windows;
  std::vector<Weighted> client_windows;
  std::vector<Weighted> web_ports;
  std::vector<Weighted> private_ports;
};
const HostPool& SharedHostPool();

/// The 13 categories of ZTE_TAD, in the seed's (alphabetical) order.
const std::vector<CategoryProfile>& CategoryProfiles();

}  // namespace tad::synth
