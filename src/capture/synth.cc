#include "capture/synth.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "capture/synth_profiles.h"
#include "capture/synth_random.h"
#include "common/hash.h"

namespace tad {
namespace {

namespace fs = std::filesystem;
using synth::CategoryProfile;
using synth::Random;
using synth::Service;
using synth::ServiceProfile;
using synth::SessionProfile;
using synth::SizeComponent;
using synth::Weighted;

constexpr uint8_t kFin = 0x01;
constexpr uint8_t kSyn = 0x02;
constexpr uint8_t kRst = 0x04;
constexpr uint8_t kPsh = 0x08;
constexpr uint8_t kAck = 0x10;

constexpr size_t kEthernetHeader = 14;
constexpr int kClientTtl = 64;       // Android
constexpr int64_t kEpochBase = 1700000000;  // 2023-11-14, the first capture day of every seed
constexpr int kMaxFlowPackets = 5000;

struct Flow {
  bool ipv6 = false;
  uint8_t proto = 6;
  uint16_t client_port = 0;
  uint16_t server_port = 0;
  std::array<uint8_t, 16> server_address{};  // IPv4 in the first 4 bytes
  uint8_t server_ttl = 0;
  uint8_t server_tos = 0;
  uint16_t server_ip_id = 0;
  // Planning only: the receive windows of both ends and the round-trip time.
  int server_window = 65535;
  int client_window = 65535;
  int rtt_us = 30000;
  // Sequence numbers, advanced while the packets are written in time order.
  uint32_t client_seq = 0;
  uint32_t server_seq = 0;
};

/// One packet before it becomes bytes: what the features will read.
struct PacketPlan {
  int64_t time_us;
  uint32_t flow;
  uint16_t payload;
  uint16_t window;
  uint8_t flags;
  uint8_t down;         // sent by the server
  uint8_t tcp_options;  // bytes of TCP options
};

struct FileContext {
  std::array<uint8_t, 6> client_mac{};
  std::array<uint8_t, 6> gateway_mac{};
  std::array<uint8_t, 4> client_v4{};
  std::array<uint8_t, 16> client_v6{};
  uint16_t client_ip_id = 0;
};

int PickWeighted(Random& rng, const std::vector<Weighted>& choices) {
  double total = 0;
  for (const Weighted& choice : choices) total += choice.weight;
  double x = rng.Uniform() * total;
  for (const Weighted& choice : choices) {
    if (x < choice.weight) return choice.value;
    x -= choice.weight;
  }
  return choices.back().value;
}

int DrawSize(Random& rng, const std::vector<SizeComponent>& mixture, double scale, int full) {
  std::array<double, 8> weights{};
  const size_t n = std::min(mixture.size(), weights.size());
  for (size_t i = 0; i < n; ++i) weights[i] = mixture[i].weight;
  const SizeComponent& c = mixture[rng.Pick(std::span<const double>(weights.data(), n))];
  if (c.mean < 0) return full;
  if (c.mean == 0 && c.sd == 0) return 0;
  const double value = std::round(rng.Normal(c.mean * scale, c.sd * scale));
  return static_cast<int>(std::clamp(value, 1.0, static_cast<double>(full)));
}

uint16_t Jitter(Random& rng, int window) {
  // Receive windows move as buffers fill and drain: up to 1/8 below the flow's usual value.
  const int spread = std::max(1, window / 8);
  return static_cast<uint16_t>(std::clamp<int64_t>(window - rng.UniformInt(0, spread - 1), 1, 65535));
}

int64_t Gap(Random& rng, const ServiceProfile& service, const CategoryProfile& category) {
  const double gap = rng.Bernoulli(service.idle_probability) ? rng.Exponential(service.idle_mean_us)
                                                            : rng.Exponential(service.iat_mean_us * category.iat_scale);
  return std::max<int64_t>(1, static_cast<int64_t>(gap));
}

/// A host's reaction time (an ACK, the next record of a flight): tens to hundreds of µs.
int64_t HostDelay(Random& rng) { return 20 + rng.UniformInt(0, 300); }

uint16_t ServerPort(Random& rng, Service service) {
  const synth::HostPool& pool = synth::SharedHostPool();
  switch (service) {
    case Service::kWeb:
    case Service::kBulk:
      return static_cast<uint16_t>(PickWeighted(rng, pool.web_ports));
    case Service::kHttp:
      return rng.Bernoulli(0.8) ? 80 : 8080;
    case Service::kQuic:
      return 443;
    case Service::kDns:
      return 53;
    case Service::kPush:
      return rng.Bernoulli(0.5) ? 443 : static_cast<uint16_t>(PickWeighted(rng, pool.private_ports));
    case Service::kVoip:
      return rng.Bernoulli(0.5) ? 3478 : static_cast<uint16_t>(PickWeighted(rng, pool.private_ports));
    case Service::kGame:
    case Service::kStream:
    case Service::kPrivate:
      return static_cast<uint16_t>(PickWeighted(rng, pool.private_ports));
  }
  return 443;
}

uint16_t EphemeralPort(Random& rng) { return static_cast<uint16_t>(rng.UniformInt(32768, 60999)); }

void RandomServerAddress(Random& rng, Flow& flow) {
  static constexpr std::array<uint8_t, 8> kV4Prefixes = {36, 101, 111, 120, 140, 183, 203, 223};
  const uint64_t bits = rng.Next();
  if (!flow.ipv6) {
    flow.server_address[0] = kV4Prefixes[bits & 7];
    flow.server_address[1] = static_cast<uint8_t>(bits >> 8);
    flow.server_address[2] = static_cast<uint8_t>(bits >> 16);
    flow.server_address[3] = static_cast<uint8_t>(1 + (bits >> 24) % 254);
    return;
  }
  // 2408:8000::/20-ish and 240e::/20-ish, as Chinese carriers' CDNs use.
  flow.server_address[0] = 0x24;
  flow.server_address[1] = (bits & 1) ? 0x08 : 0x0e;
  const uint64_t low = rng.Next();
  for (int i = 2; i < 8; ++i) flow.server_address[i] = static_cast<uint8_t>(bits >> (8 * i));
  for (int i = 8; i < 16; ++i) flow.server_address[i] = static_cast<uint8_t>(low >> (8 * (i - 8)));
}

/// The capture's app: its category's session profile scaled by per-capture factors, because the
/// captures of one category come from different apps of that category (a file split then tests
/// on apps the tree has not seen).
SessionProfile DrawApp(Random& rng, const CategoryProfile& category) {
  SessionProfile app = category.session;
  app.client_hello_bytes *= rng.LogNormal(1.0, 0.05);
  app.request_bytes *= rng.LogNormal(1.0, 0.15);
  app.response_bytes *= rng.LogNormal(1.0, 0.25);
  app.requests *= rng.LogNormal(1.0, 0.2);
  app.think_us *= rng.LogNormal(1.0, 0.3);
  return app;
}

/// Appends one flow's packets; `t` is the sending side's clock.
struct FlowWriter {
  std::vector<PacketPlan>& packets;
  uint32_t flow;
  int64_t t;
  void Add(bool down, int payload, uint8_t flags, int window, int options) {
    packets.push_back({t, flow, static_cast<uint16_t>(payload), static_cast<uint16_t>(window), flags,
                       static_cast<uint8_t>(down), static_cast<uint8_t>(options)});
  }
};

/// Plans the sessions of one capture: each is a user action of the capture's app (issue 12).
class SessionPlanner {
 public:
  SessionPlanner(Random& rng, const CategoryProfile& category, std::vector<Flow>& flows,
                 std::vector<PacketPlan>& packets)
      : rng_(rng), category_(category), app_(DrawApp(rng, category)), flows_(flows), packets_(packets) {}

  /// Plans one session starting at `start_us`, appending its flows and packets.
  void Plan(int64_t start_us) {
    const auto service = static_cast<Service>(rng_.Pick(category_.services));
    const ServiceProfile& profile = synth::ServiceProfiles()[static_cast<size_t>(service)];
    if (profile.pattern == synth::Pattern::kLookup) {  // a lone lookup (prefetch, a connectivity check)
      Dns(start_us);
      return;
    }
    Flow flow = NewServer(service);
    int64_t t = rng_.Bernoulli(app_.dns_probability) ? Dns(start_us) + HostDelay(rng_) : start_us;
    if (profile.pattern == synth::Pattern::kPacketMix) {
      PacketMix(flow, service, profile, t);
      return;
    }
    // Connections: the first, then each either in parallel with the previous one (a page's
    // resources) or after it ended, on the same server or a new one, sometimes on the same 4-tuple.
    const int connections = std::clamp(static_cast<int>(std::round(rng_.LogNormal(app_.connections, 0.5))), 1, 16);
    int64_t previous_start = t;
    Ending previous = RequestResponse(flow, profile, t);
    for (int k = 1; k < connections; ++k) {
      if (rng_.Bernoulli(app_.parallel_probability)) {
        t = previous_start + HostDelay(rng_) + static_cast<int64_t>(rng_.Exponential(20000));
        flow.client_port = EphemeralPort(rng_);
      } else {
        t = previous.end_us + static_cast<int64_t>(rng_.Exponential(app_.think_us / 4));
        if (!(previous.closed && rng_.Bernoulli(app_.reuse_probability))) {
          if (rng_.Bernoulli(0.3)) {
            flow = NewServer(service);
            if (rng_.Bernoulli(app_.dns_probability)) t = Dns(t) + HostDelay(rng_);
          }
          flow.client_port = EphemeralPort(rng_);
        }
      }
      previous_start = t;
      const Ending ending = RequestResponse(flow, profile, t);
      if (ending.end_us >= previous.end_us) previous = ending;
    }
  }

 private:
  struct Ending {
    int64_t end_us;
    bool closed;  // with FIN or RST: its 4-tuple may be reused
  };

  uint32_t AddFlow(Flow flow) {
    flow.server_ip_id = static_cast<uint16_t>(rng_.Next());
    flow.client_seq = static_cast<uint32_t>(rng_.Next());
    flow.server_seq = static_cast<uint32_t>(rng_.Next());
    flows_.push_back(flow);
    return static_cast<uint32_t>(flows_.size() - 1);
  }

  /// A server for `service` with its host values drawn from the shared pool, never the category's.
  Flow NewServer(Service service) {
    const synth::HostPool& pool = synth::SharedHostPool();
    const ServiceProfile& profile = synth::ServiceProfiles()[static_cast<size_t>(service)];
    Flow flow;
    flow.proto = profile.ip_proto;
    flow.ipv6 = rng_.Bernoulli(category_.ipv6_fraction);
    flow.client_port = EphemeralPort(rng_);
    flow.server_port = ServerPort(rng_, service);
    RandomServerAddress(rng_, flow);
    int ttl = PickWeighted(rng_, pool.server_ttls);
    if (rng_.Bernoulli(0.08)) ttl += rng_.Bernoulli(0.5) ? 1 : -1;  // a route change
    flow.server_ttl = static_cast<uint8_t>(ttl);
    flow.server_tos = static_cast<uint8_t>(PickWeighted(rng_, pool.server_tos));
    flow.server_window = PickWeighted(rng_, pool.server_windows);
    flow.client_window = PickWeighted(rng_, pool.client_windows);
    flow.rtt_us = static_cast<int>(std::clamp(rng_.LogNormal(30000, 0.6), 2000.0, 400000.0));
    return flow;
  }

  /// A lookup at the home gateway's resolver (one hop, whatever the app); returns the answer's time.
  int64_t Dns(int64_t t) {
    Flow flow;
    flow.proto = 17;
    flow.client_port = EphemeralPort(rng_);
    flow.server_port = 53;
    flow.server_address = {192, 168, 1, 1};
    flow.server_ttl = 64;
    flow.server_tos = static_cast<uint8_t>(PickWeighted(rng_, synth::SharedHostPool().server_tos));
    FlowWriter writer{packets_, AddFlow(flow), t};
    writer.Add(false, static_cast<int>(std::clamp(rng_.LogNormal(app_.dns_query_bytes, 0.1), 17.0, 255.0)), 0, 0, 0);
    writer.t += 1000 + static_cast<int64_t>(rng_.Exponential(9000));
    writer.Add(true, static_cast<int>(std::clamp(rng_.LogNormal(app_.dns_answer_bytes, 0.3), 28.0, 1232.0)), 0, 0, 0);
    return writer.t;
  }

  /// Sends `bytes` of payload in full segments and a PSH-marked last one, back to back; the
  /// receiver acknowledges every second segment and the last. Ends at the last packet's time.
  void Send(FlowWriter& writer, const Flow& flow, bool down, double bytes) {
    const int mss = 1448 - (flow.ipv6 ? 20 : 0);  // 1500 MTU minus headers and the timestamp option
    auto left =
        static_cast<int64_t>(std::clamp(std::round(bytes), 1.0, static_cast<double>(kMaxFlowPackets) * mss / 2));
    const int window = down ? flow.server_window : flow.client_window;
    const int ack_window = down ? flow.client_window : flow.server_window;
    for (int segment = 1; left > 0; ++segment) {
      const auto payload = static_cast<int>(std::min<int64_t>(left, mss));
      left -= payload;
      writer.Add(down, payload, left == 0 ? (kPsh | kAck) : kAck, Jitter(rng_, window), 12);
      if (segment % 2 == 0 || left == 0) {
        const int64_t sent = writer.t;
        writer.t += HostDelay(rng_);
        writer.Add(!down, 0, kAck, Jitter(rng_, ack_window), 12);
        writer.t = left == 0 ? writer.t : sent;
      }
      if (left > 0) writer.t += 1 + static_cast<int64_t>(rng_.Exponential(150));
    }
  }

  /// TCP handshake, a TLS handshake (ClientHello, the server's certificate flight, key exchange and
  /// Finished, session ticket), request/response exchanges separated by think time, then a FIN
  /// exchange, a reset, or nothing (kept alive until the capture ends).
  Ending RequestResponse(const Flow& flow, const ServiceProfile& service, int64_t start_us) {
    FlowWriter writer{packets_, AddFlow(flow), start_us};
    const int rtt = flow.rtt_us;
    writer.Add(false, 0, kSyn, 65535, 20);
    writer.t += rtt;
    writer.Add(true, 0, kSyn | kAck, std::min(flow.server_window < 4096 ? 65535 : flow.server_window, 65535), 20);
    writer.t += HostDelay(rng_);
    writer.Add(false, 0, kAck, flow.client_window, 12);
    if (service.tls) {
      writer.t += HostDelay(rng_);
      Send(writer, flow, false, rng_.LogNormal(app_.client_hello_bytes, 0.04));
      writer.t += rtt;
      Send(writer, flow, true, rng_.LogNormal(app_.server_flight_bytes, 0.2));
      writer.t += HostDelay(rng_);
      Send(writer, flow, false, rng_.Bernoulli(0.5) ? 93 : 126);  // key exchange, ChangeCipherSpec, Finished
      writer.t += rtt;
      Send(writer, flow, true, 51 + rng_.UniformInt(0, 200));  // session ticket, Finished
    }
    const double exchanges_median = app_.requests * service.requests_scale;
    const int exchanges = std::clamp(static_cast<int>(std::round(rng_.LogNormal(exchanges_median, 0.7))), 1, 200);
    for (int i = 0; i < exchanges; ++i) {
      writer.t += i == 0 ? HostDelay(rng_) : static_cast<int64_t>(std::min(rng_.LogNormal(app_.think_us, 1.0), 6.0e7));
      Send(writer, flow, false, rng_.LogNormal(app_.request_bytes, 0.5));
      writer.t += rtt + static_cast<int64_t>(rng_.Exponential(5000));
      Send(writer, flow, true, rng_.LogNormal(app_.response_bytes * service.response_scale, 0.8));
    }
    const double ending = rng_.Uniform();
    if (ending < 0.7) {
      const bool server_first = rng_.Bernoulli(0.3);
      writer.t += static_cast<int64_t>(rng_.Exponential(app_.think_us / 2));
      writer.Add(server_first, 0, kFin | kAck, server_first ? flow.server_window : flow.client_window, 12);
      writer.t += rtt;
      writer.Add(!server_first, 0, kFin | kAck, server_first ? flow.client_window : flow.server_window, 12);
      writer.t += HostDelay(rng_);
      writer.Add(server_first, 0, kAck, server_first ? flow.server_window : flow.client_window, 12);
      return {writer.t, true};
    }
    if (ending < 0.85) {
      writer.t += static_cast<int64_t>(rng_.Exponential(app_.think_us / 2));
      writer.Add(rng_.Bernoulli(0.5), 0, kRst | kAck, 0, 0);
      return {writer.t, true};
    }
    return {writer.t, false};
  }

  /// One flow of packets drawn one by one from the service's mixtures (push, game, media, VoIP,
  /// QUIC, private protocols): bursts of exponential gaps with occasional idle pauses.
  void PacketMix(const Flow& flow, Service service_index, const ServiceProfile& service, int64_t start_us) {
    FlowWriter writer{packets_, AddFlow(flow), start_us};
    const int ip_header = flow.ipv6 ? 40 : 20;
    int data_packets = 2;
    if (service.sigma_packets > 0) {
      data_packets = static_cast<int>(std::round(rng_.LogNormal(service.median_packets, service.sigma_packets)));
    }
    data_packets = std::clamp(data_packets, 1, kMaxFlowPackets);
    if (flow.proto == 17) {
      const bool quic = service_index == Service::kQuic;
      const int full = quic ? (rng_.Bernoulli(0.5) ? 1252 : 1350) : 1472 - (ip_header - 20);
      for (int i = 0; i < data_packets; ++i) {
        const bool down = i > 0 && rng_.Bernoulli(service.down_probability);
        // QUIC's handshake: the client's Initial is padded to a full datagram, and so is the server's first flight.
        const int payload =
            quic && i < 3 ? full
                          : DrawSize(rng_, down ? service.down_sizes : service.up_sizes, category_.size_scale, full);
        writer.Add(down, payload, 0, 0, 0);
        writer.t += i == 0 && quic ? flow.rtt_us : Gap(rng_, service, category_);
      }
      return;
    }
    const int mss = 1448 - (ip_header - 20);
    writer.Add(false, 0, kSyn, 65535, 20);
    writer.t += flow.rtt_us;
    writer.Add(true, 0, kSyn | kAck, std::min(flow.server_window < 4096 ? 65535 : flow.server_window, 65535), 20);
    writer.t += HostDelay(rng_);
    writer.Add(false, 0, kAck, flow.client_window, 12);
    for (int i = 0; i < data_packets; ++i) {
      writer.t += Gap(rng_, service, category_);
      const bool down = rng_.Bernoulli(service.down_probability);
      const int payload = DrawSize(rng_, down ? service.down_sizes : service.up_sizes, category_.size_scale, mss);
      const uint8_t flags = payload > 0 && payload < mss ? (kPsh | kAck) : kAck;
      writer.Add(down, payload, flags, Jitter(rng_, down ? flow.server_window : flow.client_window), 12);
    }
    const double ending = rng_.Uniform();
    if (ending < 0.65) {
      writer.t += Gap(rng_, service, category_);
      writer.Add(false, 0, kFin | kAck, flow.client_window, 12);
      writer.t += flow.rtt_us;
      writer.Add(true, 0, kFin | kAck, flow.server_window, 12);
      writer.t += HostDelay(rng_);
      writer.Add(false, 0, kAck, flow.client_window, 12);
    } else if (ending < 0.75) {
      writer.t += Gap(rng_, service, category_);
      writer.Add(true, 0, kRst | kAck, 0, 0);
    }
  }

  Random& rng_;
  const CategoryProfile& category_;
  const SessionProfile app_;
  std::vector<Flow>& flows_;
  std::vector<PacketPlan>& packets_;
};

void PutU16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void PutU32(uint8_t* p, uint32_t v) {
  PutU16(p, v >> 16);
  PutU16(p + 2, v & 0xffff);
}

uint16_t Ipv4Checksum(const uint8_t* header, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += (static_cast<uint32_t>(header[i]) << 8) | header[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

/// The longest frame BuildFrame writes: Ethernet, IPv6, TCP with options, a full segment.
constexpr size_t kMaxFrame = 1600;

/// Builds the frame of `packet` at `p` (room for kMaxFrame bytes); returns its length. Transport
/// checksums are left 0 (features never read them); the IPv4 header checksum is correct.
size_t BuildFrame(const PacketPlan& packet, Flow& flow, FileContext& file, uint8_t* p) {
  const bool down = packet.down != 0;
  std::memcpy(p, down ? file.client_mac.data() : file.gateway_mac.data(), 6);
  std::memcpy(p + 6, down ? file.gateway_mac.data() : file.client_mac.data(), 6);
  PutU16(p + 12, flow.ipv6 ? 0x86dd : 0x0800);
  uint8_t* ip = p + kEthernetHeader;
  const size_t transport_header = flow.proto == 6 ? 20u + packet.tcp_options : 8u;
  const size_t ip_header = flow.ipv6 ? 40 : 20;
  const size_t transport_length = transport_header + packet.payload;
  const int ttl = down ? flow.server_ttl : kClientTtl;
  const int tos = down ? flow.server_tos : 0;
  if (flow.ipv6) {
    PutU32(ip, (6u << 28) | (static_cast<uint32_t>(tos) << 20));
    PutU16(ip + 4, static_cast<uint32_t>(transport_length));
    ip[6] = flow.proto;
    ip[7] = static_cast<uint8_t>(ttl);
    std::memcpy(ip + 8, down ? flow.server_address.data() : file.client_v6.data(), 16);
    std::memcpy(ip + 24, down ? file.client_v6.data() : flow.server_address.data(), 16);
  } else {
    ip[0] = 0x45;
    ip[1] = static_cast<uint8_t>(tos);
    PutU16(ip + 2, static_cast<uint32_t>(ip_header + transport_length));
    PutU16(ip + 4, down ? flow.server_ip_id++ : file.client_ip_id++);
    PutU16(ip + 6, flow.proto == 6 ? 0x4000 : 0);  // DF on TCP
    ip[8] = static_cast<uint8_t>(ttl);
    ip[9] = flow.proto;
    PutU16(ip + 10, 0);
    std::memcpy(ip + 12, down ? flow.server_address.data() : file.client_v4.data(), 4);
    std::memcpy(ip + 16, down ? file.client_v4.data() : flow.server_address.data(), 4);
    PutU16(ip + 10, Ipv4Checksum(ip, 20));
  }
  uint8_t* l4 = ip + ip_header;
  PutU16(l4, down ? flow.server_port : flow.client_port);
  PutU16(l4 + 2, down ? flow.client_port : flow.server_port);
  if (flow.proto == 6) {
    uint32_t& own = down ? flow.server_seq : flow.client_seq;
    const uint32_t other = down ? flow.client_seq : flow.server_seq;
    PutU32(l4 + 4, own);
    PutU32(l4 + 8, (packet.flags & kAck) ? other : 0);
    l4[12] = static_cast<uint8_t>((transport_header / 4) << 4);
    l4[13] = packet.flags;
    PutU16(l4 + 14, packet.window);
    PutU16(l4 + 16, 0);  // checksum
    PutU16(l4 + 18, 0);  // urgent pointer
    uint8_t* options = l4 + 20;
    if (packet.tcp_options == 20) {  // SYN: MSS, SACK permitted, timestamps, window scale
      const uint8_t syn_options[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 8};
      std::memcpy(options, syn_options, 20);
    } else if (packet.tcp_options == 12) {  // NOP, NOP, timestamps
      const uint8_t ts_options[12] = {1, 1, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1};
      std::memcpy(options, ts_options, 12);
    }
    own += packet.payload + ((packet.flags & (kSyn | kFin)) ? 1 : 0);
  } else {
    PutU16(l4 + 4, static_cast<uint32_t>(transport_length));
    PutU16(l4 + 6, 0);
  }
  std::memset(l4 + transport_header, 0, packet.payload);
  if (packet.payload >= 4) PutU32(l4 + transport_header, static_cast<uint32_t>(Mix64(packet.time_us)));
  return kEthernetHeader + ip_header + transport_length;
}

/// A classic pcap file (little-endian, µs, Ethernet, as libpcap's dumper writes them) filled in a
/// buffer: frames are built in place and written 256 KiB at a time, no copy per packet.
class PcapFileWriter {
 public:
  /// `snaplen` 0: whole frames.
  static Result<PcapFileWriter> Create(const fs::path& path, uint32_t snaplen) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoError(fmt::format("{}: {}", path.string(), std::strerror(errno)));
    PcapFileWriter writer(fd, path, snaplen);
    // Magic, version 2.4, zone, accuracy, snapshot length, DLT_EN10MB.
    const uint32_t header[6] = {0xa1b2c3d4, 2 | (4u << 16), 0, 0, snaplen > 0 ? snaplen : 65535, 1};
    std::memcpy(writer.buffer_.data(), header, sizeof(header));
    writer.used_ = sizeof(header);
    return writer;
  }
  PcapFileWriter(PcapFileWriter&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        snaplen_(other.snaplen_),
        path_(std::move(other.path_)),
        buffer_(std::move(other.buffer_)),
        used_(other.used_) {}
  PcapFileWriter& operator=(PcapFileWriter&&) = delete;
  ~PcapFileWriter() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Room for one record of up to kMaxFrame bytes; fill it, then call Commit.
  Result<uint8_t*> Frame() {
    if (used_ + 16 + kMaxFrame > buffer_.size()) TAD_RETURN_IF_ERROR(Flush());
    return buffer_.data() + used_ + 16;
  }
  /// Ends the record that Frame() returned: `length` bytes sent at `time_us`, of which the first
  /// snapshot-length bytes are kept. Returns the bytes kept.
  size_t Commit(int64_t time_us, size_t length) {
    const size_t captured = snaplen_ > 0 && length > snaplen_ ? snaplen_ : length;
    const uint32_t header[4] = {static_cast<uint32_t>(time_us / 1000000), static_cast<uint32_t>(time_us % 1000000),
                                static_cast<uint32_t>(captured), static_cast<uint32_t>(length)};
    std::memcpy(buffer_.data() + used_, header, sizeof(header));
    used_ += 16 + captured;
    return captured;
  }
  /// Writes what is buffered and closes the file.
  Status Close() {
    TAD_RETURN_IF_ERROR(Flush());
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) return Status::IoError(fmt::format("{}: {}", path_.string(), std::strerror(errno)));
    return Status::Ok();
  }

 private:
  static constexpr size_t kBufferBytes = 256 << 10;  // stays in the L2 cache for the copy into the page cache
  PcapFileWriter(int fd, fs::path path, uint32_t snaplen)
      : fd_(fd), snaplen_(snaplen), path_(std::move(path)), buffer_(kBufferBytes) {}
  Status Flush() {
    for (size_t done = 0; done < used_;) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, used_ - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::IoError(fmt::format("{}: write failed: {}", path_.string(), std::strerror(errno)));
      done += static_cast<size_t>(n);
    }
    used_ = 0;
    return Status::Ok();
  }

  int fd_ = -1;
  uint32_t snaplen_ = 0;
  fs::path path_;
  std::vector<uint8_t> buffer_;
  size_t used_ = 0;
};

struct FileJob {
  size_t category;
  int file_index;
  uint64_t packets;
  fs::path path;
};

struct FileResult {
  Status status;
  int64_t flows = 0;
  int64_t bytes = 0;
};

FileResult WriteOneFile(const FileJob& job, const SynthOptions& options,
                        const std::function<void(uint64_t)>& on_packets) {
  const uint64_t seed = options.seed;
  const CategoryProfile& category = synth::CategoryProfiles()[job.category];
  Random rng(HashCombine(HashCombine(Mix64(seed), job.category + 1), static_cast<uint64_t>(job.file_index) + 1));

  FileContext file;
  const uint64_t id = rng.Next();
  file.client_mac = {0x02, static_cast<uint8_t>(id), static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id >> 16),
                     static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 32)};
  file.gateway_mac = {0x3c, 0x84, 0x6a, static_cast<uint8_t>(id >> 40), static_cast<uint8_t>(id >> 48), 0x01};
  file.client_v4 = {192, 168, 1, static_cast<uint8_t>(2 + (id >> 56) % 250)};
  file.client_v6 = {0x24, 0x09, 0x89, 0x1e};
  for (int i = 4; i < 16; ++i) file.client_v6[i] = static_cast<uint8_t>(rng.Next());
  file.client_ip_id = static_cast<uint16_t>(rng.Next());

  // Plan sessions until there are enough packets, then keep the first `packets` in time order (the
  // capture stops while later flows are still open, as real ones do).
  std::vector<Flow> flows;
  std::vector<PacketPlan> plan;
  plan.reserve(job.packets + 4096);
  SessionPlanner sessions(rng, category, flows, plan);
  int64_t start_us = 0;
  while (plan.size() < job.packets) {
    start_us += std::max<int64_t>(1, static_cast<int64_t>(rng.Exponential(category.session_gap_us)));
    sessions.Plan(start_us);
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const PacketPlan& a, const PacketPlan& b) { return a.time_us < b.time_us; });
  plan.resize(job.packets);
  std::vector<bool> seen(flows.size(), false);
  FileResult result;
  for (const PacketPlan& packet : plan) {
    if (!seen[packet.flow]) {
      seen[packet.flow] = true;
      ++result.flows;
    }
  }

  // Each capture starts at a seed-dependent time within a year of the fixed epoch base.
  const int64_t base_us = (kEpochBase + static_cast<int64_t>(Mix64(seed) % (365 * 86400)) +
                           rng.UniformInt(0, 30 * 86400)) * 1000000;
  auto writer = PcapFileWriter::Create(job.path, options.snaplen);
  if (!writer.ok()) {
    result.status = writer.status();
    return result;
  }
  uint64_t since_report = 0;
  for (const PacketPlan& packet : plan) {
    auto frame = writer->Frame();
    if (!frame.ok()) {
      result.status = frame.status();
      return result;
    }
    const size_t length = BuildFrame(packet, flows[packet.flow], file, *frame);
    result.bytes += static_cast<int64_t>(writer->Commit(base_us + packet.time_us, length));
    if (++since_report == 8192) {
      if (on_packets) on_packets(since_report);
      since_report = 0;
    }
  }
  if (on_packets && since_report > 0) on_packets(since_report);
  result.status = writer->Close();
  return result;
}

std::string FileStem(std::string_view category) {
  std::string stem;
  for (char c : category) stem += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return stem;
}

}  // namespace

std::vector<std::string> SynthCategoryNames() {
  std::vector<std::string> names;
  for (const auto& profile : synth::CategoryProfiles()) names.emplace_back(profile.name);
  return names;
}

std::vector<uint64_t> SynthPacketsPerCategory(uint64_t packets) {
  const auto& profiles = synth::CategoryProfiles();
  double total_share = 0;
  for (const auto& profile : profiles) total_share += profile.share;
  std::vector<uint64_t> counts(profiles.size());
  std::vector<std::pair<double, size_t>> remainders;
  uint64_t assigned = 0;
  for (size_t i = 0; i < profiles.size(); ++i) {
    const double exact = static_cast<double>(packets) * profiles[i].share / total_share;
    counts[i] = static_cast<uint64_t>(std::floor(exact));
    assigned += counts[i];
    remainders.emplace_back(exact - std::floor(exact), i);
  }
  std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; assigned < packets; ++i, ++assigned) ++counts[remainders[i % remainders.size()].second];
  return counts;
}

Result<SynthSummary> WriteSynthCaptures(const fs::path& dir, const SynthOptions& options,
                                        const std::function<void(uint64_t)>& on_packets) {
  if (options.packets == 0) return Status::InvalidArgument("--packets must be at least 1");
  if (options.files_per_category < 1 || options.files_per_category > 1000) {
    return Status::InvalidArgument("--files-per-category must be between 1 and 1000");
  }
  if (options.snaplen != 0 && (options.snaplen < kMinSynthSnaplen || options.snaplen > 65535)) {
    return Status::InvalidArgument(
        fmt::format("--snaplen must be 0 (whole frames) or between {} and 65535", kMinSynthSnaplen));
  }
  const auto& profiles = synth::CategoryProfiles();
  const std::vector<uint64_t> per_category = SynthPacketsPerCategory(options.packets);
  SynthSummary summary;
  std::vector<FileJob> jobs;
  for (size_t c = 0; c < profiles.size(); ++c) {
    SynthCategorySummary category;
    category.category = std::string(profiles[c].name);
    category.packets = static_cast<int64_t>(per_category[c]);
    const fs::path folder = dir / category.category;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Status::IoError(fmt::format("{}: {}", folder.string(), ec.message()));
    // Never more files than packets: every file holds at least one packet.
    const uint64_t files = std::min<uint64_t>(static_cast<uint64_t>(options.files_per_category), per_category[c]);
    for (uint64_t f = 0; f < files; ++f) {
      const uint64_t count = per_category[c] / files + (f < per_category[c] % files ? 1 : 0);
      jobs.push_back({c, static_cast<int>(f), count,
                      folder / fmt::format("{}_{:02d}.pcap", FileStem(profiles[c].name), f + 1)});
    }
    category.files = static_cast<int64_t>(files);
    summary.categories.push_back(std::move(category));
  }

  // Files are independent (each has its own random stream), so threads only change the speed.
  std::vector<FileResult> results(jobs.size());
  std::atomic<size_t> next{0};
  const unsigned threads = options.threads > 0 ? static_cast<unsigned>(options.threads)
                                               : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::jthread> workers;
  for (unsigned w = 0; w < std::min<size_t>(threads, jobs.size()); ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < jobs.size(); i = next++) results[i] = WriteOneFile(jobs[i], options, on_packets);
    });
  }
  workers.clear();  // joins

  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!results[i].status.ok()) return results[i].status;
    SynthCategorySummary& category = summary.categories[jobs[i].category];
    category.flows += results[i].flows;
    category.bytes += results[i].bytes;
  }
  for (const auto& category : summary.categories) {
    summary.files += category.files;
    summary.flows += category.flows;
    summary.packets += category.packets;
    summary.bytes += category.bytes;
  }
  return summary;
}

}  // namespace tad
