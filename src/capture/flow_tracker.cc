#include "capture/flow_tracker.h"

#include <cmath>
#include <cstring>

#include "common/hash.h"

namespace tad {
namespace {

constexpr uint64_t kInitialSlots = 1 << 12;
constexpr uint16_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20;

uint64_t HashKey(const uint8_t* a, const uint8_t* b, uint16_t port_a, uint16_t port_b, uint8_t proto,
                 uint8_t version) {
  uint64_t words[4];
  std::memcpy(words, a, 16);
  std::memcpy(words + 2, b, 16);
  uint64_t h = Mix64(words[0] ^ (uint64_t{proto} << 56) ^ version);
  h = HashCombine(h, words[1]);
  h = HashCombine(h, words[2]);
  h = HashCombine(h, words[3]);
  return HashCombine(h, (uint64_t{port_a} << 16) | port_b);
}

// Gaps in µs truncate toward zero, like C++ division (a clock going backwards gives a negative gap).
int64_t GapUs(int64_t later_ns, int64_t earlier_ns) { return (later_ns - earlier_ns) / 1000; }

}  // namespace

const char* FlowEndReasonName(FlowEndReason reason) {
  switch (reason) {
    case FlowEndReason::kIdle: return "idle";
    case FlowEndReason::kActive: return "active";
    case FlowEndReason::kReuse: return "reuse";
    case FlowEndReason::kEnd: break;
  }
  return "end";
}

double IntegerStats::Std() const {
  const __int128 n = static_cast<__int128>(count);
  const __int128 scaled_variance = n * sum_squares - static_cast<__int128>(sum) * sum;  // n² · variance, exact
  return std::sqrt(static_cast<double>(scaled_variance)) / static_cast<double>(count);
}

FlowTracker::FlowTracker(FlowRules rules, bool assemble) : rules_(rules), assemble_(assemble) { Clear(); }

void FlowTracker::Clear() {
  flows_.clear();
  records_.clear();
  free_.clear();
  table_.assign(kInitialSlots, kNone);
  mask_ = kInitialSlots - 1;
  open_ = 0;
  flow_count_ = 0;
  oldest_ = newest_ = kNone;
  clock_ = 0;
  clock_started_ = false;
}

void FlowTracker::Grow() {
  table_.assign(table_.size() * 2, kNone);
  mask_ = table_.size() - 1;
  for (uint32_t id = oldest_; id != kNone; id = flows_[id].newer) {
    uint64_t i = flows_[id].hash & mask_;
    while (table_[i] != kNone) i = (i + 1) & mask_;
    table_[i] = id;
  }
}

void FlowTracker::Unlink(uint32_t id) {
  Flow& flow = flows_[id];
  if (flow.older != kNone) flows_[flow.older].newer = flow.newer; else oldest_ = flow.newer;
  if (flow.newer != kNone) flows_[flow.newer].older = flow.older; else newest_ = flow.older;
}

void FlowTracker::LinkNewest(uint32_t id) {
  Flow& flow = flows_[id];
  flow.older = newest_;
  flow.newer = kNone;
  if (newest_ != kNone) flows_[newest_].newer = id; else oldest_ = id;
  newest_ = id;
}

uint32_t FlowTracker::Find(uint64_t hash, const uint8_t* a, const uint8_t* b, uint16_t port_a, uint16_t port_b,
                           const PacketFeatures& packet) const {
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const uint32_t id = table_[i];
    if (id == kNone) return kNone;
    const Flow& f = flows_[id];
    if (f.hash == hash && f.port_a == port_a && f.port_b == port_b && f.proto == packet.ip_proto &&
        f.version == packet.ip_version && std::memcmp(f.addr_a, a, 16) == 0 && std::memcmp(f.addr_b, b, 16) == 0) {
      return id;
    }
  }
}

uint32_t FlowTracker::Open(uint64_t hash, const uint8_t* a, const uint8_t* b, uint16_t port_a, uint16_t port_b,
                           bool src_is_a, const PacketFeatures& packet) {
  if ((open_ + 1) * 2 > table_.size()) Grow();
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(flows_.size());
    flows_.emplace_back();
    if (assemble_) records_.emplace_back();
  }
  Flow& flow = flows_[id];
  std::memcpy(flow.addr_a, a, 16);
  std::memcpy(flow.addr_b, b, 16);
  flow.port_a = port_a;
  flow.port_b = port_b;
  flow.proto = packet.ip_proto;
  flow.version = packet.ip_version;
  flow.initiator_is_a = src_is_a ? 1 : 0;
  flow.seen_fin_or_rst = false;
  flow.hash = hash;
  flow.first_clock = clock_;
  flow.flow_index = static_cast<int64_t>(++flow_count_);
  uint64_t i = hash & mask_;
  while (table_[i] != kNone) i = (i + 1) & mask_;
  table_[i] = id;
  ++open_;
  LinkNewest(id);
  if (assemble_) {
    FlowRecord& r = records_[id];
    r = FlowRecord();
    r.flow_index = flow.flow_index;
    r.first_packet_index = packet.packet_index;
    r.ip_version = packet.ip_version;
    r.ip_proto = packet.ip_proto;
    r.src_addr = packet.src_addr;
    r.dst_addr = packet.dst_addr;
    r.has_ports = packet.has_ports;
    r.src_port = packet.src_port;
    r.dst_port = packet.dst_port;
    r.first_timestamp_ns = packet.timestamp_ns;
    r.splt_size.reserve(rules_.splt);
    r.splt_dir.reserve(rules_.splt);
    r.splt_iat_us.reserve(rules_.splt);
  }
  return id;
}

void FlowTracker::End(uint32_t id, FlowEndReason reason, std::vector<FlowRecord>& ended) {
  // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
  uint64_t hole = flows_[id].hash & mask_;
  while (table_[hole] != id) hole = (hole + 1) & mask_;
  for (uint64_t j = (hole + 1) & mask_; table_[j] != kNone; j = (j + 1) & mask_) {
    const uint64_t home = flows_[table_[j]].hash & mask_;
    // Move entry j into the hole unless its home lies cyclically in (hole, j].
    const bool home_after_hole = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_after_hole) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole] = kNone;
  Unlink(id);
  --open_;
  free_.push_back(id);
  if (assemble_) {
    records_[id].end_reason = reason;
    ended.push_back(std::move(records_[id]));
  }
}

void FlowTracker::AddToRecord(uint32_t id, const PacketFeatures& packet, int direction, int64_t gap_us) {
  FlowRecord& r = records_[id];
  const int64_t size = packet.ip_len;
  if (r.sizes.count > 0) r.gaps_us.Add(gap_us);
  r.sizes.Add(size);
  r.last_packet_index = packet.packet_index;
  r.last_timestamp_ns = packet.timestamp_ns;
  FlowDirection& d = r.directions[direction];
  if (d.sizes.count > 0) d.gaps_us.Add(GapUs(packet.timestamp_ns, d.last_ns));
  d.sizes.Add(size);
  d.last_ns = packet.timestamp_ns;
  d.payload_bytes += packet.payload_len;
  if (packet.is_tcp) {
    if (d.init_window < 0) d.init_window = packet.tcp_window;
    const uint16_t flags = packet.tcp_flags;
    r.fin_count += (flags & kFin) != 0;
    r.syn_count += (flags & kSyn) != 0;
    r.rst_count += (flags & kRst) != 0;
    r.psh_count += (flags & kPsh) != 0;
    r.ack_count += (flags & kAck) != 0;
    r.urg_count += (flags & kUrg) != 0;
  }
  if (r.splt_size.size() < static_cast<size_t>(rules_.splt)) {
    r.splt_size.push_back(static_cast<int32_t>(size));
    r.splt_dir.push_back(static_cast<int8_t>(direction));
    r.splt_iat_us.push_back(gap_us);
  }
}

void FlowTracker::Observe(PacketFeatures& packet, std::vector<FlowRecord>& ended) {
  if (packet.later_fragment) {
    packet.flow_index = 0;
    packet.direction = 0;
    packet.inter_arrival_us = 0;
    return;
  }
  if (!clock_started_ || packet.timestamp_ns > clock_) clock_ = packet.timestamp_ns;
  clock_started_ = true;
  // Flows idle past the timeout can take no more packets: hand them out now (rule a).
  while (oldest_ != kNone && clock_ - flows_[oldest_].last_clock > rules_.idle_timeout_ns) {
    End(oldest_, FlowEndReason::kIdle, ended);
  }

  const uint8_t* src = packet.src_addr.data();
  const uint8_t* dst = packet.dst_addr.data();
  const uint16_t src_port = packet.has_ports ? packet.src_port : 0;
  const uint16_t dst_port = packet.has_ports ? packet.dst_port : 0;
  int order = std::memcmp(src, dst, 16);
  if (order == 0) order = src_port < dst_port ? -1 : (src_port > dst_port ? 1 : 0);
  const bool src_is_a = order <= 0;
  const uint8_t* a = src_is_a ? src : dst;
  const uint8_t* b = src_is_a ? dst : src;
  const uint16_t port_a = src_is_a ? src_port : dst_port;
  const uint16_t port_b = src_is_a ? dst_port : src_port;
  const uint64_t hash = HashKey(a, b, port_a, port_b, packet.ip_proto, packet.ip_version);

  uint32_t id = Find(hash, a, b, port_a, port_b, packet);
  if (id != kNone) {
    const Flow& flow = flows_[id];
    const bool syn_only = packet.is_tcp && (packet.tcp_flags & (kSyn | kAck)) == kSyn;
    if (clock_ - flow.first_clock >= rules_.active_timeout_ns) {
      End(id, FlowEndReason::kActive, ended);  // rule b
      id = kNone;
    } else if (syn_only && flow.seen_fin_or_rst) {
      End(id, FlowEndReason::kReuse, ended);  // rule c
      id = kNone;
    }
  }
  int direction = 0;
  int64_t gap_us = 0;
  if (id == kNone) {
    id = Open(hash, a, b, port_a, port_b, src_is_a, packet);
  } else {
    const Flow& flow = flows_[id];
    // A packet from a host to itself on one port has both sides equal: direction 0.
    direction = (order == 0 || (src_is_a ? 1 : 0) == flow.initiator_is_a) ? 0 : 1;
    gap_us = GapUs(packet.timestamp_ns, flow.last_ns);
    Unlink(id);
    LinkNewest(id);
  }
  Flow& flow = flows_[id];
  flow.last_clock = clock_;
  flow.last_ns = packet.timestamp_ns;
  if (packet.is_tcp && (packet.tcp_flags & (kFin | kRst)) != 0) flow.seen_fin_or_rst = true;
  packet.flow_index = flow.flow_index;
  packet.direction = static_cast<int8_t>(direction);
  packet.inter_arrival_us = gap_us;
  if (assemble_) AddToRecord(id, packet, direction, gap_us);
}

void FlowTracker::Expire(int64_t now_ns, std::vector<FlowRecord>& ended) {
  if (!clock_started_ || now_ns <= clock_) return;
  clock_ = now_ns;
  while (oldest_ != kNone && clock_ - flows_[oldest_].last_clock > rules_.idle_timeout_ns) {
    End(oldest_, FlowEndReason::kIdle, ended);
  }
  std::vector<uint32_t> expired;
  for (uint32_t id = oldest_; id != kNone; id = flows_[id].newer) {
    if (clock_ - flows_[id].first_clock >= rules_.active_timeout_ns) expired.push_back(id);
  }
  for (uint32_t id : expired) End(id, FlowEndReason::kActive, ended);
}

void FlowTracker::Finish(std::vector<FlowRecord>& ended) {
  // Flows idle at the capture's end were handed out (as idle) at its last packet already.
  while (oldest_ != kNone) End(oldest_, FlowEndReason::kEnd, ended);
  Clear();
}

}  // namespace tad
