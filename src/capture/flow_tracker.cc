#include "capture/flow_tracker.h"

#include <cstring>

#include "common/hash.h"

namespace tad {
namespace {

constexpr uint64_t kInitialSlots = 1 << 12;

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

}  // namespace

FlowTracker::FlowTracker() { Clear(); }

void FlowTracker::Clear() {
  slots_.assign(kInitialSlots, Slot{});
  mask_ = kInitialSlots - 1;
  size_ = 0;
}

void FlowTracker::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used) continue;
    uint64_t i = HashKey(s.addr_a, s.addr_b, s.port_a, s.port_b, s.proto, s.version) & mask_;
    while (slots_[i].used) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void FlowTracker::Observe(PacketFeatures& packet) {
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

  if ((size_ + 1) * 2 > slots_.size()) Grow();
  uint64_t i = HashKey(a, b, port_a, port_b, packet.ip_proto, packet.ip_version) & mask_;
  for (;;) {
    Slot& s = slots_[i];
    if (!s.used) {
      std::memcpy(s.addr_a, a, 16);
      std::memcpy(s.addr_b, b, 16);
      s.port_a = port_a;
      s.port_b = port_b;
      s.proto = packet.ip_proto;
      s.version = packet.ip_version;
      s.used = 1;
      s.initiator_is_a = src_is_a ? 1 : 0;
      s.last_ns = packet.timestamp_ns;
      ++size_;
      packet.direction = 0;
      packet.inter_arrival_us = 0;
      return;
    }
    if (s.port_a == port_a && s.port_b == port_b && s.proto == packet.ip_proto && s.version == packet.ip_version &&
        std::memcmp(s.addr_a, a, 16) == 0 && std::memcmp(s.addr_b, b, 16) == 0) {
      // A packet from a host to itself on one port has both sides equal: direction 0.
      packet.direction = (order == 0 || (src_is_a ? 1 : 0) == s.initiator_is_a) ? 0 : 1;
      packet.inter_arrival_us = (packet.timestamp_ns - s.last_ns) / 1000;
      s.last_ns = packet.timestamp_ns;
      return;
    }
    i = (i + 1) & mask_;
  }
}

}  // namespace tad
