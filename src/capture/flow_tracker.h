#pragma once
/// Bidirectional flows of one capture file (docs/flows.md). Sets each packet's flow_index,
/// direction (0 when sent by the side that sent the flow's first packet) and inter-arrival time
/// (µs since the flow's previous packet, integer-divided from ns; 0 for the first), and, when
/// assembling, builds each flow's FlowRecord. Only open flows are held: a flow idle for longer than
/// the idle timeout is handed out and dropped as soon as a later packet of the file shows it, so
/// memory follows the number of open flows, not the capture's size.
///
/// Key: IP version and protocol plus the two (address, port) ends, unordered; ports 0 without
/// TCP/UDP. Time is the file's clock: the largest timestamp seen so far (a packet's own time when
/// timestamps never go backwards). A packet starts a new flow instead of joining the open one
/// when (a) more than the idle timeout passed since that flow's last packet, (b) at least the
/// active timeout passed since its first packet, or (c) it is a TCP SYN without ACK and the open
/// flow has seen FIN or RST. Later fragments (no transport header) belong to no flow.

#include <cstdint>
#include <vector>

#include "capture/flow_record.h"
#include "capture/packet_features.h"

namespace tad {

struct FlowRules {
  int64_t idle_timeout_ns = 120'000'000'000;
  int64_t active_timeout_ns = 1'800'000'000'000;
  int splt = 10;  // packets in the SPLT columns
};

class FlowTracker {
 public:
  /// `assemble`: build FlowRecords (tad extract --flows); without it only the packet columns.
  explicit FlowTracker(FlowRules rules = {}, bool assemble = false);
  /// Sets the packet's flow columns and adds it to its flow. Flows that end are appended to
  /// `ended` when assembling (in the order they end).
  void Observe(PacketFeatures& packet, std::vector<FlowRecord>& ended);
  /// Time passed without packets (a live capture's wall clock, `now_ns` since the epoch): moves
  /// the clock forward to `now_ns` and ends the flows idle past the idle timeout (end reason idle)
  /// and those open for at least the active timeout (end reason active), as the next packet would.
  void Expire(int64_t now_ns, std::vector<FlowRecord>& ended);
  /// The capture ended: appends every open flow to `ended` (when assembling, in the order of their
  /// last packets) with end reason `end`, and forgets them all.
  void Finish(std::vector<FlowRecord>& ended);
  /// Forgets every flow and the clock (a new capture file begins).
  void Clear();
  uint64_t flow_count() const { return flow_count_; }
  uint64_t open_flows() const { return open_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Flow {
    // Canonical key: side A is the lexicographically smaller (address, port).
    uint8_t addr_a[16];
    uint8_t addr_b[16];
    uint16_t port_a;
    uint16_t port_b;
    uint8_t proto;
    uint8_t version;
    uint8_t initiator_is_a;
    bool seen_fin_or_rst;
    uint64_t hash;
    int64_t first_clock;
    int64_t last_clock;
    int64_t last_ns;
    int64_t flow_index;
    uint32_t older;  // LRU list by last packet: towards the least recently active
    uint32_t newer;
  };
  uint32_t Find(uint64_t hash, const uint8_t* a, const uint8_t* b, uint16_t port_a, uint16_t port_b,
                const PacketFeatures& packet) const;
  uint32_t Open(uint64_t hash, const uint8_t* a, const uint8_t* b, uint16_t port_a, uint16_t port_b, bool src_is_a,
                const PacketFeatures& packet);
  /// Removes flow `id` from the table and the LRU list, handing its record out with `reason`.
  void End(uint32_t id, FlowEndReason reason, std::vector<FlowRecord>& ended);
  void AddToRecord(uint32_t id, const PacketFeatures& packet, int direction, int64_t gap_us);
  void Unlink(uint32_t id);
  void LinkNewest(uint32_t id);
  void Grow();

  FlowRules rules_;
  bool assemble_;
  std::vector<Flow> flows_;       // open flows and free entries
  // When assembling, records_[id] is flow id's record; else empty: packet rows need only the
  // flow's key and clocks, and a record (some 400 bytes) per open flow would be memory to fill.
  std::vector<FlowRecord> records_;
  std::vector<uint32_t> free_;    // free entries of flows_
  std::vector<uint32_t> table_;   // open addressing (linear probing) of flow ids
  uint64_t mask_ = 0;
  uint64_t open_ = 0;
  uint64_t flow_count_ = 0;
  uint32_t oldest_ = kNone;
  uint32_t newest_ = kNone;
  int64_t clock_ = 0;
  bool clock_started_ = false;
};

}  // namespace tad
