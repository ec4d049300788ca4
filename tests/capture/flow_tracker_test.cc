// FlowTracker's flow assembly on crafted packets: each end reason (docs/flows.md rules a-c and the
// capture's end), direction-split statistics, SPLT and later fragments. Expected values are worked
// out by hand from the packets below.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "capture/flow_tracker.h"

namespace tad {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr uint16_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

PacketFeatures Tcp(uint8_t src, uint8_t dst, uint16_t sport, uint16_t dport, int64_t ns, uint16_t flags,
                   int32_t ip_len = 60) {
  static int64_t next_index = 0;
  PacketFeatures p;
  p.packet_index = ++next_index;
  p.ip_version = 4;
  p.ip_proto = 6;
  p.has_ports = true;
  p.is_tcp = true;
  p.src_addr[0] = src;
  p.dst_addr[0] = dst;
  p.src_port = sport;
  p.dst_port = dport;
  p.timestamp_ns = ns;
  p.tcp_flags = flags;
  p.tcp_window = static_cast<uint16_t>(1000 + src);
  p.ip_len = ip_len;
  p.payload_len = ip_len - 40;
  return p;
}

struct Tracked {
  std::vector<FlowRecord> ended;
  FlowTracker tracker;
  explicit Tracked(FlowRules rules) : tracker(rules, true) {}
  void Add(PacketFeatures p) { tracker.Observe(p, ended); }
};

FlowRules Rules(int64_t idle_s, int64_t active_s, int splt = 3) { return {idle_s * kSecond, active_s * kSecond, splt}; }

TEST(FlowAssemblyTest, IdleTimeoutEndsTheFlow) {
  Tracked run(Rules(10, 1000));
  run.Add(Tcp(1, 2, 5000, 443, 0, kSyn));
  run.Add(Tcp(2, 1, 443, 5000, 1 * kSecond, kSyn | kAck));
  EXPECT_TRUE(run.ended.empty());
  // 10 s after the last packet is not more than the timeout: same flow.
  run.Add(Tcp(1, 2, 5000, 443, 11 * kSecond, kAck));
  EXPECT_TRUE(run.ended.empty());
  run.Add(Tcp(1, 2, 5000, 443, 21 * kSecond + 1, kAck));  // more than 10 s: a new flow
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(run.ended[0].end_reason, FlowEndReason::kIdle);
  EXPECT_EQ(run.ended[0].sizes.count, 3u);
  run.tracker.Finish(run.ended);
  ASSERT_EQ(run.ended.size(), 2u);
  EXPECT_EQ(run.ended[1].end_reason, FlowEndReason::kEnd);
  EXPECT_EQ(run.ended[1].flow_index, 2);
}

TEST(FlowAssemblyTest, AnyLaterPacketExpiresAnIdleFlow) {
  Tracked run(Rules(10, 1000));
  run.Add(Tcp(1, 2, 5000, 443, 0, kSyn));
  run.Add(Tcp(3, 4, 6000, 53, 20 * kSecond, kSyn));  // another flow shows 20 s passed
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(run.ended[0].end_reason, FlowEndReason::kIdle);
  EXPECT_EQ(run.tracker.open_flows(), 1u);  // only the open flow is held
}

TEST(FlowAssemblyTest, ActiveTimeoutEndsTheFlow) {
  Tracked run(Rules(100, 30));
  for (int s = 0; s <= 29; s += 1) run.Add(Tcp(1, 2, 5000, 443, s * kSecond, kAck));
  EXPECT_TRUE(run.ended.empty());
  run.Add(Tcp(2, 1, 443, 5000, 30 * kSecond, kAck));  // 30 s after the first packet: new flow
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(run.ended[0].end_reason, FlowEndReason::kActive);
  EXPECT_EQ(run.ended[0].sizes.count, 30u);
  run.tracker.Finish(run.ended);
  ASSERT_EQ(run.ended.size(), 2u);
  // The new flow's forward direction is its own first packet's.
  EXPECT_EQ(run.ended[1].src_addr[0], 2);
  EXPECT_EQ(run.ended[1].src_port, 443);
}

TEST(FlowAssemblyTest, SynAfterFinOrRstIsReuse) {
  for (uint16_t closing : {static_cast<uint16_t>(kFin | kAck), kRst}) {
    Tracked run(Rules(100, 1000));
    run.Add(Tcp(1, 2, 5000, 443, 0, kSyn));
    run.Add(Tcp(1, 2, 5000, 443, 1000, kSyn));  // a retransmitted SYN before any FIN: same flow
    run.Add(Tcp(2, 1, 443, 5000, 2000, closing));
    run.Add(Tcp(1, 2, 5000, 443, 3000, kSyn | kAck));  // SYN with ACK: not a new connection
    EXPECT_TRUE(run.ended.empty());
    run.Add(Tcp(1, 2, 5000, 443, 4000, kSyn));
    ASSERT_EQ(run.ended.size(), 1u);
    EXPECT_EQ(run.ended[0].end_reason, FlowEndReason::kReuse);
    EXPECT_EQ(run.ended[0].sizes.count, 4u);
  }
}

TEST(FlowAssemblyTest, StatisticsPerDirectionAndSplt) {
  Tracked run(Rules(100, 1000, 3));
  // forward sizes 100, 300, 200 at 0, 3000 µs, 3500 µs; backward 60, 80 at 1000 µs, 6000 µs.
  run.Add(Tcp(1, 2, 5000, 443, 0, kSyn, 100));
  run.Add(Tcp(2, 1, 443, 5000, 1'000'999, kSyn | kAck, 60));
  run.Add(Tcp(1, 2, 5000, 443, 3'000'000, kAck, 300));
  run.Add(Tcp(1, 2, 5000, 443, 3'500'000, kAck | kFin, 200));
  run.Add(Tcp(2, 1, 443, 5000, 6'000'000, kAck | kRst, 80));
  run.tracker.Finish(run.ended);
  ASSERT_EQ(run.ended.size(), 1u);
  const FlowRecord& f = run.ended[0];
  EXPECT_EQ(f.end_reason, FlowEndReason::kEnd);
  EXPECT_EQ(f.sizes.count, 5u);
  EXPECT_EQ(f.sizes.sum, 740);
  EXPECT_EQ(f.sizes.min, 60);
  EXPECT_EQ(f.sizes.max, 300);
  EXPECT_DOUBLE_EQ(f.sizes.Mean(), 148.0);
  // Population std of {100, 60, 300, 200, 80}: sqrt(((48²+88²+152²+52²+68²)/5)) = sqrt(8096).
  EXPECT_DOUBLE_EQ(f.sizes.Std(), std::sqrt(8096.0));
  EXPECT_EQ(f.directions[0].sizes.count, 3u);
  EXPECT_EQ(f.directions[0].sizes.sum, 600);
  EXPECT_EQ(f.directions[1].sizes.sum, 140);
  EXPECT_EQ(f.directions[0].payload_bytes, 600 - 3 * 40);
  // Gaps of the flow: 1000, 1999, 500, 2500 µs (each truncated from ns).
  EXPECT_EQ(f.gaps_us.count, 4u);
  EXPECT_EQ(f.gaps_us.min, 500);
  EXPECT_EQ(f.gaps_us.max, 2500);
  EXPECT_EQ(f.gaps_us.sum, 5999);
  // Forward gaps 3000, 500; backward gap 6000000-1000999 ns = 4999 µs.
  EXPECT_EQ(f.directions[0].gaps_us.sum, 3500);
  EXPECT_EQ(f.directions[1].gaps_us.sum, 4999);
  EXPECT_EQ(f.directions[0].init_window, 1001);
  EXPECT_EQ(f.directions[1].init_window, 1002);
  EXPECT_EQ(f.syn_count, 2u);
  EXPECT_EQ(f.ack_count, 4u);
  EXPECT_EQ(f.fin_count, 1u);
  EXPECT_EQ(f.rst_count, 1u);
  EXPECT_EQ(f.splt_size, (std::vector<int32_t>{100, 60, 300}));
  EXPECT_EQ(f.splt_dir, (std::vector<int8_t>{0, 1, 0}));
  EXPECT_EQ(f.splt_iat_us, (std::vector<int64_t>{0, 1000, 1999}));
  EXPECT_EQ(f.last_timestamp_ns - f.first_timestamp_ns, 6'000'000);
}

TEST(FlowAssemblyTest, LaterFragmentsBelongToNoFlow) {
  Tracked run(Rules(100, 1000));
  PacketFeatures first = Tcp(1, 2, 5000, 443, 0, kAck, 1500);
  run.Add(first);
  PacketFeatures later = Tcp(1, 2, 0, 0, 10, 0, 600);
  later.has_ports = later.is_tcp = false;
  later.later_fragment = true;
  run.tracker.Observe(later, run.ended);
  EXPECT_EQ(later.flow_index, 0);
  run.tracker.Finish(run.ended);
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(run.ended[0].sizes.count, 1u);
}

TEST(FlowAssemblyTest, MemoryHoldsOpenFlowsOnly) {
  Tracked run(Rules(1, 1000));
  // 100,000 one-packet flows, one every 100 µs: with a 1 s idle timeout about 10,000 stay open.
  for (int i = 0; i < 100000; ++i) {
    run.Add(Tcp(1, 2, static_cast<uint16_t>(i % 60000), static_cast<uint16_t>(i / 60000 + 1), i * 100'000LL, kAck));
    EXPECT_LE(run.tracker.open_flows(), 10001u);
  }
  run.tracker.Finish(run.ended);
  EXPECT_EQ(run.ended.size(), 100000u);
  EXPECT_EQ(run.tracker.open_flows(), 0u);
}

}  // namespace
}  // namespace tad

namespace tad {
namespace {

// A live capture's wall clock ends flows between packets, by the same rules as the next packet.
TEST(FlowAssemblyTest, ExpireEndsIdleAndActiveFlowsWithoutPackets) {
  Tracked run(Rules(10, 100));
  run.Add(Tcp(1, 2, 5000, 443, 0, kSyn));  // flow 1: open from 0 s, a packet every 5 s up to 95 s
  for (int64_t s = 5; s <= 90; s += 5) run.Add(Tcp(1, 2, 5000, 443, s * kSecond, kAck));
  run.Add(Tcp(3, 4, 5001, 443, 95 * kSecond, kSyn));  // flow 2: its only packet at 95 s
  run.Add(Tcp(1, 2, 5000, 443, 95 * kSecond, kAck));
  run.tracker.Expire(99 * kSecond, run.ended);
  EXPECT_TRUE(run.ended.empty());
  run.tracker.Expire(50 * kSecond, run.ended);  // the clock never goes back
  EXPECT_TRUE(run.ended.empty());
  run.tracker.Expire(100 * kSecond, run.ended);  // flow 1 has been open for the active timeout
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(run.ended[0].flow_index, 1);
  EXPECT_EQ(run.ended[0].end_reason, FlowEndReason::kActive);
  EXPECT_EQ(run.tracker.open_flows(), 1u);
  run.tracker.Expire(105 * kSecond, run.ended);  // 10 s since flow 2's packet is not more than 10 s
  EXPECT_EQ(run.ended.size(), 1u);
  run.tracker.Expire(105 * kSecond + 1, run.ended);
  ASSERT_EQ(run.ended.size(), 2u);
  EXPECT_EQ(run.ended[1].flow_index, 2);
  EXPECT_EQ(run.ended[1].end_reason, FlowEndReason::kIdle);
  EXPECT_EQ(run.tracker.open_flows(), 0u);
}

}  // namespace
}  // namespace tad
