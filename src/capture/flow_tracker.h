#pragma once
/// Bidirectional 5-tuple flows of one capture file: sets a packet's direction (0 when sent by the
/// side that sent the flow's first packet) and inter-arrival time (µs since the flow's previous
/// packet, integer-divided from ns; 0 for the first). Packets without ports use ports 0.

#include <cstdint>
#include <vector>

#include "capture/packet_features.h"

namespace tad {

class FlowTracker {
 public:
  FlowTracker();
  /// Sets `packet.direction` and `packet.inter_arrival_us` and records the packet in its flow.
  void Observe(PacketFeatures& packet);
  /// Forgets every flow (a new capture file begins).
  void Clear();
  uint64_t flow_count() const { return size_; }

 private:
  struct Slot {
    // Canonical key: side A is the lexicographically smaller (address, port).
    uint8_t addr_a[16];
    uint8_t addr_b[16];
    uint16_t port_a;
    uint16_t port_b;
    uint8_t proto;
    uint8_t version;
    uint8_t used;
    uint8_t initiator_is_a;
    int64_t last_ns;
  };
  void Grow();
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  uint64_t size_ = 0;
};

}  // namespace tad
