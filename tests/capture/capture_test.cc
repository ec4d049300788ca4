// Unit tests of src/capture: format detection, the dissector over hand-built frames, the flow
// tracker, and the packet source and pcap reader over hand-written pcap files.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "capture/capture_format.h"
#include "capture/dissector.h"
#include "capture/flow_tracker.h"
#include "capture/packet_source.h"
#include "capture/pcap_reader.h"

namespace tad {
namespace {

using Bytes = std::vector<uint8_t>;

void Append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void Be16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

Bytes Ipv4(uint8_t proto, uint16_t total_len, uint8_t ihl = 5, uint8_t tos = 0x28, uint8_t ttl = 64) {
  Bytes b = {static_cast<uint8_t>(0x40 | ihl), tos};
  Be16(b, total_len);
  Append(b, {0, 1, 0x40, 0, ttl, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
  for (int i = 5; i < ihl; ++i) Append(b, {1, 1, 1, 1});  // NOP options
  return b;
}

Bytes Tcp(uint16_t sport, uint16_t dport, uint16_t flags, uint16_t window) {
  Bytes b;
  Be16(b, sport);
  Be16(b, dport);
  Append(b, {0, 0, 0, 1, 0, 0, 0, 0});
  b.push_back(static_cast<uint8_t>(0x50 | ((flags >> 8) & 0x0f)));
  b.push_back(static_cast<uint8_t>(flags));
  Be16(b, window);
  Append(b, {0, 0, 0, 0});
  return b;
}

Bytes Udp(uint16_t sport, uint16_t dport, uint16_t len) {
  Bytes b;
  Be16(b, sport);
  Be16(b, dport);
  Be16(b, len);
  Be16(b, 0);
  return b;
}

Bytes Ether(uint16_t type, std::vector<uint16_t> tags = {}) {
  Bytes b(12, 0xaa);
  for (uint16_t tpid : tags) {
    Be16(b, tpid);
    Be16(b, 0x0064);
  }
  Be16(b, type);
  return b;
}

Bytes Ipv6(uint8_t next, uint16_t payload_len, uint8_t tclass = 0xb8, uint8_t hlim = 57) {
  Bytes b = {static_cast<uint8_t>(0x60 | (tclass >> 4)), static_cast<uint8_t>((tclass & 0x0f) << 4), 0, 0};
  Be16(b, payload_len);
  b.push_back(next);
  b.push_back(hlim);
  for (int i = 0; i < 32; ++i) b.push_back(static_cast<uint8_t>(i));
  return b;
}

struct Dissected {
  DissectResult result;
  PacketFeatures row;
  bool transport_truncated = false;
};

Dissected DissectFrame(const Bytes& frame, int link, uint32_t wire_len = 0) {
  Dissected d;
  d.result = Dissect(frame, wire_len ? wire_len : static_cast<uint32_t>(frame.size()), link, d.row,
                     d.transport_truncated);
  return d;
}

TEST(DissectorTest, EthernetIpv4Tcp) {
  Bytes f = Ether(0x0800);
  Append(f, Ipv4(6, 20 + 20 + 100));
  Append(f, Tcp(443, 51000, 0x018, 501));
  f.resize(f.size() + 100, 0);
  const Dissected d = DissectFrame(f, link_type::kEthernet);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.ip_version, 4);
  EXPECT_EQ(d.row.ip_header_len, 20);
  EXPECT_EQ(d.row.ip_tos, 0x28);
  EXPECT_EQ(d.row.ip_ttl, 64);
  EXPECT_EQ(d.row.ip_proto, 6);
  EXPECT_TRUE(d.row.is_tcp);
  EXPECT_EQ(d.row.src_port, 443);
  EXPECT_EQ(d.row.dst_port, 51000);
  EXPECT_EQ(d.row.tcp_flags, 0x018);
  EXPECT_EQ(d.row.tcp_window, 501);
  EXPECT_EQ(d.row.payload_len, 100);
}

TEST(DissectorTest, VlanAndQinQ) {
  for (std::vector<uint16_t> tags : {std::vector<uint16_t>{0x8100}, std::vector<uint16_t>{0x88a8, 0x8100}}) {
    Bytes f = Ether(0x0800, tags);
    Append(f, Ipv4(17, 20 + 8 + 30));
    Append(f, Udp(53, 5353, 38));
    f.resize(f.size() + 30, 0);
    const Dissected d = DissectFrame(f, link_type::kEthernet);
    ASSERT_EQ(d.result, DissectResult::kOk);
    EXPECT_EQ(d.row.ip_proto, 17);
    EXPECT_FALSE(d.row.is_tcp);
    EXPECT_TRUE(d.row.has_ports);
    EXPECT_EQ(d.row.src_port, 53);
    EXPECT_EQ(d.row.payload_len, 30);
  }
}

TEST(DissectorTest, NonIpEthernetIsSkipped) {
  Bytes f = Ether(0x0806);
  f.resize(60, 0);
  EXPECT_EQ(DissectFrame(f, link_type::kEthernet).result, DissectResult::kNotIp);
}

TEST(DissectorTest, LinuxCookedV1AndV2) {
  Bytes sll(14, 0);
  Be16(sll, 0x0800);
  Append(sll, Ipv4(6, 40));
  Append(sll, Tcp(1, 2, 0x002, 1000));
  Dissected d = DissectFrame(sll, link_type::kLinuxSll);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.tcp_flags, 0x002);

  Bytes sll2;
  Be16(sll2, 0x86dd);
  sll2.resize(20, 0);
  Append(sll2, Ipv6(17, 8 + 4));
  Append(sll2, Udp(4000, 443, 12));
  sll2.resize(sll2.size() + 4, 0);
  d = DissectFrame(sll2, link_type::kLinuxSll2);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.ip_version, 6);
  EXPECT_EQ(d.row.ip_header_len, 40);
  EXPECT_EQ(d.row.ip_tos, 0xb8);
  EXPECT_EQ(d.row.ip_ttl, 57);
  EXPECT_EQ(d.row.dst_port, 443);
  EXPECT_EQ(d.row.payload_len, 4);
}

TEST(DissectorTest, RawIpLinkTypes) {
  Bytes v4 = Ipv4(6, 40);
  Append(v4, Tcp(80, 1234, 0x010, 7));
  Bytes v6 = Ipv6(6, 20);
  Append(v6, Tcp(80, 1234, 0x011, 9));
  EXPECT_EQ(DissectFrame(v4, link_type::kRaw).row.ip_version, 4);
  EXPECT_EQ(DissectFrame(v6, link_type::kRaw).row.ip_version, 6);
  EXPECT_EQ(DissectFrame(v4, link_type::kIpv4).result, DissectResult::kOk);
  EXPECT_EQ(DissectFrame(v6, link_type::kIpv6).row.tcp_flags, 0x011);
  // The link type says IPv4 but the bytes are IPv6.
  EXPECT_EQ(DissectFrame(v6, link_type::kIpv4).result, DissectResult::kMalformed);
}

TEST(DissectorTest, BsdLoopbackBothByteOrders) {
  Bytes le = {2, 0, 0, 0};
  Append(le, Ipv4(17, 28));
  Append(le, Udp(1, 2, 8));
  EXPECT_EQ(DissectFrame(le, link_type::kNull).result, DissectResult::kOk);
  Bytes be = {0, 0, 0, 30};
  Append(be, Ipv6(17, 8));
  Append(be, Udp(1, 2, 8));
  const Dissected d = DissectFrame(be, link_type::kLoop);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.ip_version, 6);
  Bytes other = {0, 0, 0, 7, 1, 2, 3, 4};
  EXPECT_EQ(DissectFrame(other, link_type::kNull).result, DissectResult::kNotIp);
}

TEST(DissectorTest, Ipv6ExtensionHeaders) {
  // Hop-by-hop (8 bytes) then a routing header (16 bytes) then TCP.
  Bytes f = Ipv6(0, 8 + 16 + 20 + 5);
  Append(f, {43, 0, 1, 4, 0, 0, 0, 0});
  Append(f, {6, 1, 0, 0, 0, 0, 0, 0});
  f.resize(f.size() + 8, 0);
  Append(f, Tcp(22, 60000, 0x018, 300));
  f.resize(f.size() + 5, 0);
  const Dissected d = DissectFrame(f, link_type::kRaw);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.ip_proto, 6);
  EXPECT_EQ(d.row.src_port, 22);
  EXPECT_EQ(d.row.payload_len, 5);
}

TEST(DissectorTest, Ipv4HeaderLengthBelowFiveIsMalformed) {
  Bytes f = Ipv4(6, 40);
  f[0] = 0x44;
  Append(f, Tcp(1, 2, 2, 3));
  EXPECT_EQ(DissectFrame(f, link_type::kRaw).result, DissectResult::kMalformed);
}

TEST(DissectorTest, Ipv4OptionsAndLyingTotalLength) {
  Bytes f = Ipv4(17, 60000, 6);  // says 60000 bytes, the frame holds far fewer
  Append(f, Udp(9, 10, 16));
  f.resize(f.size() + 8, 0);
  const Dissected d = DissectFrame(f, link_type::kRaw);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.ip_header_len, 24);
  EXPECT_EQ(d.row.payload_len, 8);
  // A total length shorter than the header is malformed.
  Bytes g = Ipv4(17, 10);
  Append(g, Udp(9, 10, 8));
  EXPECT_EQ(DissectFrame(g, link_type::kRaw).result, DissectResult::kMalformed);
}

TEST(DissectorTest, TruncatedHeadersNeverReadPastTheEnd) {
  Bytes f = Ether(0x0800);
  Append(f, Ipv4(6, 20 + 20 + 50));
  Append(f, Tcp(1, 2, 0x002, 100));
  // Every prefix of the frame: no crash, and no row once the IP header is cut.
  for (size_t n = 0; n <= f.size(); ++n) {
    Bytes cut(f.begin(), f.begin() + static_cast<long>(n));
    const Dissected d = DissectFrame(cut, link_type::kEthernet, static_cast<uint32_t>(f.size() + 50));
    if (n < 14 + 20) {
      EXPECT_EQ(d.result, DissectResult::kMalformed) << n;
    } else {
      EXPECT_EQ(d.result, DissectResult::kOk) << n;
      EXPECT_EQ(d.row.has_ports, n >= 14 + 20 + 20) << n;
      EXPECT_EQ(d.transport_truncated, n < 14 + 20 + 20) << n;
    }
  }
}

// Found by fuzz/dissector_fuzz: extension headers longer than the IPv6 payload length, then one
// cut short by the capture, gave a negative payload_len.
TEST(DissectorTest, Ipv6ExtensionHeadersLongerThanPayloadNeverGiveNegativeLength) {
  Bytes f = Ipv6(0, 8);                 // says 8 payload bytes
  Append(f, {0, 1, 0, 0, 0, 0, 0, 0});  // hop-by-hop of 16 bytes, then another hop-by-hop
  f.resize(f.size() + 8, 0);
  Append(f, {6, 0, 0, 0});  // ... cut short inside its first 8 bytes
  const Dissected d = DissectFrame(f, link_type::kRaw);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_TRUE(d.transport_truncated);
  EXPECT_EQ(d.row.payload_len, 0);
}

// A record header may state any wire length up to 2^32 - 1; lengths taken from it (TSO's zero IP
// total length) must still fit payload_len.
TEST(DissectorTest, HugeWireLengthKeepsPayloadLengthPositive) {
  Bytes f = Ipv4(1, 0);  // ICMP, total length 0: left to the NIC
  f.resize(f.size() + 8, 0);
  const Dissected d = DissectFrame(f, link_type::kRaw, UINT32_MAX);
  ASSERT_EQ(d.result, DissectResult::kOk);
  EXPECT_EQ(d.row.payload_len, INT32_MAX - 20);
  Bytes g = Ipv6(58, 0);  // ICMPv6, payload length 0: a jumbogram
  g.resize(g.size() + 8, 0);
  const Dissected e = DissectFrame(g, link_type::kRaw, UINT32_MAX);
  ASSERT_EQ(e.result, DissectResult::kOk);
  EXPECT_EQ(e.row.payload_len, INT32_MAX - 40);
}

TEST(DissectorTest, UnsupportedLinkType) {
  Bytes f(40, 0);
  EXPECT_EQ(DissectFrame(f, 147).result, DissectResult::kUnsupportedLink);
}

TEST(FlowTrackerTest, DirectionAndInterArrival) {
  FlowTracker flows;
  std::vector<FlowRecord> ended;  // stays empty: not assembling
  auto packet = [](uint8_t src, uint8_t dst, uint16_t sport, uint16_t dport, int64_t ns) {
    PacketFeatures p;
    p.ip_version = 4;
    p.ip_proto = 6;
    p.has_ports = true;
    p.src_addr[0] = src;
    p.dst_addr[0] = dst;
    p.src_port = sport;
    p.dst_port = dport;
    p.timestamp_ns = ns;
    return p;
  };
  PacketFeatures a = packet(9, 1, 5000, 80, 1'000'000);
  flows.Observe(a, ended);
  EXPECT_EQ(a.direction, 0);
  EXPECT_EQ(a.inter_arrival_us, 0);
  PacketFeatures b = packet(1, 9, 80, 5000, 1'002'999);
  flows.Observe(b, ended);
  EXPECT_EQ(b.direction, 1);
  EXPECT_EQ(b.inter_arrival_us, 2);  // floor(2999 ns / 1000)
  PacketFeatures other = packet(9, 1, 5001, 80, 1'010'000);
  flows.Observe(other, ended);
  EXPECT_EQ(other.direction, 0);
  EXPECT_EQ(other.inter_arrival_us, 0);
  PacketFeatures c = packet(9, 1, 5000, 80, 1'005'000);
  flows.Observe(c, ended);
  EXPECT_EQ(c.direction, 0);
  EXPECT_EQ(c.inter_arrival_us, 2);
  EXPECT_EQ(flows.flow_count(), 2u);
  flows.Clear();
  EXPECT_EQ(flows.flow_count(), 0u);
}

TEST(CaptureFormatTest, MagicBytes) {
  auto detect = [](Bytes head) { return DetectCaptureFormat(std::span<const uint8_t>(head), "x"); };
  EXPECT_EQ(detect({0xd4, 0xc3, 0xb2, 0xa1}).value(), CaptureFormat::kPcapMicroLittle);
  EXPECT_EQ(detect({0xa1, 0xb2, 0xc3, 0xd4}).value(), CaptureFormat::kPcapMicroBig);
  EXPECT_EQ(detect({0x4d, 0x3c, 0xb2, 0xa1}).value(), CaptureFormat::kPcapNanoLittle);
  EXPECT_EQ(detect({0xa1, 0xb2, 0x3c, 0x4d}).value(), CaptureFormat::kPcapNanoBig);
  EXPECT_EQ(detect({0x0a, 0x0d, 0x0d, 0x0a}).value(), CaptureFormat::kPcapng);
  const auto text = detect({'h', 'e', 'l', 'l'});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("x: not a packet capture"), std::string::npos);
  EXPECT_FALSE(detect({}).ok());
  EXPECT_FALSE(detect({0xd4, 0xc3}).ok());
}

/// Writes a classic pcap file: `big` endian or not, ns or µs timestamps.
std::filesystem::path WritePcap(const std::string& name, bool big, bool nano, const std::vector<Bytes>& frames,
                                size_t cut = 0) {
  Bytes b;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(big ? v >> (24 - 8 * i) : v >> (8 * i)));
  };
  auto u16 = [&](uint16_t v) {
    for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(big ? v >> (8 - 8 * i) : v >> (8 * i)));
  };
  u32(nano ? 0xa1b23c4d : 0xa1b2c3d4);
  u16(2);
  u16(4);
  u32(0);
  u32(0);
  u32(65535);
  u32(101);
  uint32_t i = 0;
  for (const Bytes& f : frames) {
    u32(1700000000 + i);
    u32(nano ? 123456789 : 123456);
    u32(static_cast<uint32_t>(f.size()));
    u32(static_cast<uint32_t>(f.size()));
    Append(b, f);
    ++i;
  }
  if (cut) b.resize(b.size() - cut);
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<long>(b.size()));
  return path;
}

TEST(PacketSourceTest, ReadsEveryVariantInNanoseconds) {
  Bytes f = Ipv4(17, 28);
  Append(f, Udp(1, 2, 8));
  for (bool big : {false, true}) {
    for (bool nano : {false, true}) {
      const auto path = WritePcap("v.pcap", big, nano, {f, f});
      auto source = PacketSource::Open(path.string());
      ASSERT_TRUE(source.ok()) << source.status().message();
      EXPECT_EQ(source->link_type(), link_type::kRaw12);  // libpcap maps LINKTYPE_RAW to DLT_RAW
      RawPacket raw;
      ASSERT_EQ(source->Next(raw), NextResult::kPacket);
      EXPECT_EQ(raw.timestamp_ns, 1700000000LL * 1'000'000'000 + (nano ? 123456789 : 123456000));
      EXPECT_EQ(raw.bytes.size(), f.size());
      ASSERT_EQ(source->Next(raw), NextResult::kPacket);
      EXPECT_EQ(source->Next(raw), NextResult::kEnd);
    }
  }
}

TEST(PacketSourceTest, CutShortCaptureKeepsCompleteRecords) {
  Bytes f = Ipv4(17, 28);
  Append(f, Udp(1, 2, 8));
  const auto path = WritePcap("cut.pcap", false, false, {f, f, f}, 5);
  auto source = PacketSource::Open(path.string());
  ASSERT_TRUE(source.ok());
  RawPacket raw;
  EXPECT_EQ(source->Next(raw), NextResult::kPacket);
  EXPECT_EQ(source->Next(raw), NextResult::kPacket);
  EXPECT_EQ(source->Next(raw), NextResult::kTruncated);
}

/// A little-endian µs pcap header (snapshot length `snaplen`, raw IP) and one record header.
Bytes PcapHeader(uint32_t snaplen) {
  Bytes b;
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  u32(0xa1b2c3d4);
  u32(2 | (4u << 16));
  u32(0);
  u32(0);
  u32(snaplen);
  u32(101);
  return b;
}
void Record(Bytes& b, uint32_t caplen, uint32_t len) {
  for (uint32_t v : {1700000000u, 5u, caplen, len}) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

// libpcap's rules where a file bends them: a record longer than the snapshot length is cut to it,
// a length past 262,144 bytes or past the end of the file ends the reading with libpcap's words.
TEST(PcapReaderTest, FollowsLibpcapOnOddRecords) {
  {
    Bytes b = PcapHeader(8);
    Record(b, 12, 60);
    b.resize(b.size() + 12, 0x45);
    auto reader = PcapReader::FromBytes(b, "snap");
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    EXPECT_EQ(reader->link_type(), link_type::kRaw12);
    PcapRecord record;
    ASSERT_EQ(reader->Next(record), PcapStep::kPacket);
    EXPECT_EQ(record.bytes.size(), 8u);
    EXPECT_EQ(record.wire_len, 60u);
    EXPECT_EQ(record.timestamp_ns, 1700000000LL * 1'000'000'000 + 5000);
    EXPECT_EQ(reader->Next(record), PcapStep::kEnd);
  }
  {
    Bytes b = PcapHeader(65535);
    Record(b, 262145, 262145);
    auto reader = PcapReader::FromBytes(b, "huge");
    ASSERT_TRUE(reader.ok());
    PcapRecord record;
    EXPECT_EQ(reader->Next(record), PcapStep::kTruncated);
    EXPECT_EQ(reader->error(), "invalid packet capture length 262145, bigger than maximum of 262144");
  }
  {
    Bytes b = PcapHeader(65535);
    Record(b, 40, 40);
    b.resize(b.size() + 10);
    auto reader = PcapReader::FromBytes(b, "cut");
    ASSERT_TRUE(reader.ok());
    PcapRecord record;
    EXPECT_EQ(reader->Next(record), PcapStep::kTruncated);
    EXPECT_EQ(reader->error(), "truncated dump file; tried to read 40 captured bytes, only got 10");
  }
  {
    Bytes header = PcapHeader(0);
    header.resize(20);
    auto reader = PcapReader::FromBytes(header, "short");
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().message(),
              "short: cannot read the capture: truncated dump file; tried to read 24 file header bytes, only got 20");
  }
}

}  // namespace
}  // namespace tad
