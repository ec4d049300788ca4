// Unit tests of src/capture/pcapng_reader: hand-built pcapng files (interfaces of different link
// types and timestamp resolutions, both byte orders, several sections, every packet block type,
// cut-short and corrupt blocks) and, where tshark and the real captures are there, packet counts
// and timestamps equal to tshark's on every real pcapng.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "capture/dissector.h"
#include "capture/packet_source.h"
#include "capture/pcapng_reader.h"

namespace tad {
namespace {

using Bytes = std::vector<uint8_t>;

/// Writes pcapng blocks; each section chooses its byte order.
class PcapngBuilder {
 public:
  void Section(bool big_endian, uint16_t major = 1) {
    big_ = big_endian;
    Bytes body;
    U32(body, 0x1A2B3C4D);
    U16(body, major);
    U16(body, 0);
    U32(body, 0xffffffff);  // section length -1: not given
    U32(body, 0xffffffff);
    Block(0x0A0D0D0A, body);
  }
  void Interface(uint16_t link_type, uint32_t snaplen, std::optional<uint8_t> tsresol = {},
                 std::optional<int64_t> tsoffset = {}) {
    Bytes body;
    U16(body, link_type);
    U16(body, 0);
    U32(body, snaplen);
    if (tsresol) {
      U16(body, 9);
      U16(body, 1);
      body.insert(body.end(), {*tsresol, 0, 0, 0});
    }
    if (tsoffset) {
      U16(body, 14);
      U16(body, 8);
      U64(body, static_cast<uint64_t>(*tsoffset));
    }
    if (tsresol || tsoffset) U32(body, 0);  // opt_endofopt
    Block(1, body);
  }
  void Enhanced(uint32_t interface_id, uint64_t ticks, const Bytes& data, uint32_t wire_len = 0) {
    Bytes body;
    U32(body, interface_id);
    U32(body, static_cast<uint32_t>(ticks >> 32));
    U32(body, static_cast<uint32_t>(ticks));
    U32(body, static_cast<uint32_t>(data.size()));
    U32(body, wire_len ? wire_len : static_cast<uint32_t>(data.size()));
    body.insert(body.end(), data.begin(), data.end());
    Block(6, body);
  }
  void Obsolete(uint16_t interface_id, uint64_t ticks, const Bytes& data) {
    Bytes body;
    U16(body, interface_id);
    U16(body, 0);  // drops
    U32(body, static_cast<uint32_t>(ticks >> 32));
    U32(body, static_cast<uint32_t>(ticks));
    U32(body, static_cast<uint32_t>(data.size()));
    U32(body, static_cast<uint32_t>(data.size()));
    body.insert(body.end(), data.begin(), data.end());
    Block(2, body);
  }
  void Simple(const Bytes& data, uint32_t wire_len) {
    Bytes body;
    U32(body, wire_len);
    body.insert(body.end(), data.begin(), data.end());
    Block(3, body);
  }
  void Block(uint32_t type, Bytes body) {
    while (body.size() % 4) body.push_back(0);
    const auto length = static_cast<uint32_t>(body.size() + 12);
    U32(bytes, type);
    U32(bytes, length);
    bytes.insert(bytes.end(), body.begin(), body.end());
    U32(bytes, length);
  }
  Bytes bytes;

 private:
  void U16(Bytes& b, uint16_t v) const {
    for (int i = 0; i < 2; ++i) b.push_back(static_cast<uint8_t>(big_ ? v >> (8 - 8 * i) : v >> (8 * i)));
  }
  void U32(Bytes& b, uint32_t v) const {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(big_ ? v >> (24 - 8 * i) : v >> (8 * i)));
  }
  void U64(Bytes& b, uint64_t v) const {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(big_ ? v >> (56 - 8 * i) : v >> (8 * i)));
  }
  bool big_ = false;
};

const Bytes kFrameA = {0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
const Bytes kFrameB = {1, 2, 3, 4, 5, 6, 7};

constexpr int64_t kSecond = 1'000'000'000;

/// A packet with a copy of its bytes (PcapngPacket::bytes are valid only until the next Next()).
struct Got : PcapngPacket {
  Bytes data;
};

/// Reads every packet; `end` gets the step that ended the file, `error` the message if it failed.
std::vector<Got> ReadAll(PcapngReader& reader, PcapngStep* end = nullptr, std::string* error = nullptr) {
  std::vector<Got> packets;
  for (;;) {
    PcapngPacket packet;
    auto step = reader.Next(packet);
    if (!step.ok()) {
      if (error) *error = step.status().message();
      return packets;
    }
    if (*step != PcapngStep::kPacket) {
      if (end) *end = *step;
      return packets;
    }
    Got got;
    static_cast<PcapngPacket&>(got) = packet;
    got.data.assign(packet.bytes.begin(), packet.bytes.end());
    got.bytes = {};
    packets.push_back(std::move(got));
  }
}

void WriteFile(const std::filesystem::path& path, const Bytes& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<long>(b.size()));
}

/// One section of three interfaces: Ethernet in µs (the default), raw IP in ns, raw IPv4 in 2^-20 s
/// with an offset of 10 s; a packet on each.
PcapngBuilder ThreeInterfaces(bool big_endian) {
  PcapngBuilder b;
  b.Section(big_endian);
  b.Interface(link_type::kEthernet, 65535);
  b.Interface(link_type::kRaw, 262144, 9);
  b.Interface(link_type::kIpv4, 0, 0x80 | 20, 10);
  b.Enhanced(0, 1'700'000'000'123'456ULL, kFrameB, 60);
  b.Enhanced(1, 1'700'000'001'123'456'789ULL, kFrameA);
  b.Enhanced(2, (1'700'000'002ULL << 20) | (1 << 19) | 1, kFrameA);
  return b;
}

void ExpectThreeInterfaces(const std::vector<Got>& packets) {
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].link_type, link_type::kEthernet);
  EXPECT_EQ(packets[0].timestamp_ns, 1'700'000'000 * kSecond + 123'456'000);
  EXPECT_EQ(packets[0].wire_len, 60u);
  EXPECT_EQ(packets[0].data, kFrameB);
  EXPECT_EQ(packets[1].link_type, link_type::kRaw);
  EXPECT_EQ(packets[1].timestamp_ns, 1'700'000'001 * kSecond + 123'456'789);
  EXPECT_EQ(packets[1].interface_id, 1u);
  EXPECT_EQ(packets[2].link_type, link_type::kIpv4);
  // Half a second plus one tick of 2^-20 s (953.67 ns, rounded down), 10 s of if_tsoffset.
  EXPECT_EQ(packets[2].timestamp_ns, 1'700'000'012 * kSecond + 500'000'000 + 953);
  EXPECT_EQ(packets[2].data, kFrameA);
}

TEST(PcapngReaderTest, InterfacesOfDifferentLinkTypesAndResolutions) {
  PcapngReader reader = PcapngReader::FromBytes(ThreeInterfaces(false).bytes, "three.pcapng");
  PcapngStep end = PcapngStep::kPacket;
  ExpectThreeInterfaces(ReadAll(reader, &end));
  EXPECT_EQ(end, PcapngStep::kEnd);
  EXPECT_EQ(reader.interfaces().size(), 3u);
}

TEST(PcapngReaderTest, BigEndianSection) {
  PcapngReader reader = PcapngReader::FromBytes(ThreeInterfaces(true).bytes, "big.pcapng");
  PcapngStep end = PcapngStep::kPacket;
  ExpectThreeInterfaces(ReadAll(reader, &end));
  EXPECT_EQ(end, PcapngStep::kEnd);
}

TEST(PcapngReaderTest, EverySectionHasItsOwnInterfacesAndByteOrder) {
  PcapngBuilder b;
  b.Section(false);
  b.Interface(link_type::kEthernet, 0);
  b.Interface(link_type::kLinuxSll, 0);
  b.Enhanced(1, 5'000'000, kFrameB);
  b.Section(true);
  b.Interface(link_type::kIpv6, 0, 3);  // ms
  b.Enhanced(0, 1'500, kFrameA);
  PcapngReader reader = PcapngReader::FromBytes(b.bytes, "two.pcapng");
  const auto packets = ReadAll(reader);
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[0].link_type, link_type::kLinuxSll);
  EXPECT_EQ(packets[0].timestamp_ns, 5 * kSecond);
  EXPECT_EQ(packets[1].link_type, link_type::kIpv6);
  EXPECT_EQ(packets[1].interface_id, 0u);
  EXPECT_EQ(packets[1].timestamp_ns, 1 * kSecond + 500'000'000);

  // Interface 1 of the first section does not exist in the second.
  b.Enhanced(1, 0, kFrameA);
  PcapngReader again = PcapngReader::FromBytes(b.bytes, "two.pcapng");
  std::string error;
  EXPECT_EQ(ReadAll(again, nullptr, &error).size(), 2u);
  EXPECT_NE(error.find("two.pcapng: corrupt pcapng block at byte offset"), std::string::npos) << error;
  EXPECT_NE(error.find("packet of interface 1, but the section defines 1 interface"), std::string::npos) << error;
}

TEST(PcapngReaderTest, SimpleAndObsoletePacketBlocksAndUnknownBlocks) {
  PcapngBuilder b;
  b.Section(false);
  b.Interface(link_type::kRaw, 10, 9);
  b.Block(5, Bytes(20, 0));          // interface statistics: skipped
  b.Block(0x40000BAD, Bytes(9, 7));  // custom block: skipped
  b.Simple(kFrameA, 20);             // interface 0, cut to its snapshot length of 10
  b.Simple(kFrameB, 7);              // a 7-byte packet padded to 8: the padding is not data
  b.Obsolete(0, 42, kFrameB);
  PcapngReader reader = PcapngReader::FromBytes(b.bytes, "spb.pcapng");
  PcapngStep end = PcapngStep::kPacket;
  const auto packets = ReadAll(reader, &end);
  EXPECT_EQ(end, PcapngStep::kEnd);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].data.size(), 10u);
  EXPECT_EQ(packets[0].wire_len, 20u);
  EXPECT_EQ(packets[0].timestamp_ns, 0);  // a Simple Packet Block has no timestamp
  EXPECT_EQ(packets[0].link_type, link_type::kRaw);
  EXPECT_EQ(packets[1].data, kFrameB);
  EXPECT_EQ(packets[2].timestamp_ns, 42);
  EXPECT_EQ(packets[2].data, kFrameB);
}

TEST(PcapngReaderTest, CutShortLastBlockKeepsTheCompleteRecords) {
  PcapngBuilder b = ThreeInterfaces(false);
  const size_t last = b.bytes.size();
  b.Enhanced(0, 0, kFrameA);
  for (size_t keep : {last + 3, last + 20, b.bytes.size() - 1}) {
    Bytes cut(b.bytes.begin(), b.bytes.begin() + static_cast<long>(keep));
    PcapngReader reader = PcapngReader::FromBytes(cut, "cut.pcapng");
    PcapngStep end = PcapngStep::kPacket;
    std::string error;
    const auto packets = ReadAll(reader, &end, &error);
    EXPECT_TRUE(error.empty()) << error;
    EXPECT_EQ(end, PcapngStep::kTruncated);
    EXPECT_EQ(packets.size(), 3u);
    EXPECT_NE(reader.warning().find("byte offset " + std::to_string(last)), std::string::npos) << reader.warning();
    PcapngPacket packet;
    auto after = reader.Next(packet);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, PcapngStep::kEnd);
  }
}

TEST(PcapngReaderTest, CorruptBlocksAreErrorsThatNameTheOffset) {
  const PcapngBuilder good = ThreeInterfaces(false);
  const size_t second_packet = [&] {
    // Offset of the second EPB: the blocks are walked by their lengths.
    size_t at = 0;
    int packets = 0;
    while (true) {
      const uint32_t type = good.bytes[at] | (good.bytes[at + 1] << 8);
      if (type == 6 && ++packets == 2) return at;
      at += good.bytes[at + 4] | (good.bytes[at + 5] << 8);
    }
  }();
  auto expect_error = [&](Bytes bytes, const std::string& what) {
    PcapngReader reader = PcapngReader::FromBytes(std::move(bytes), "bad.pcapng");
    std::string error;
    const auto packets = ReadAll(reader, nullptr, &error);
    EXPECT_EQ(packets.size(), 1u) << what;
    EXPECT_NE(error.find("bad.pcapng: corrupt pcapng block at byte offset " + std::to_string(second_packet)),
              std::string::npos)
        << error;
    EXPECT_NE(error.find(what), std::string::npos) << error;
  };
  Bytes b = good.bytes;
  b[second_packet + 4] = 13;  // not a multiple of 4
  expect_error(b, "block total length 13 is not a multiple of 4 of at least 12");
  b = good.bytes;
  b[second_packet + 4] = 8;  // shorter than a block can be
  b[second_packet + 5] = 0;
  expect_error(b, "block total length 8");
  b = good.bytes;
  b[second_packet + 4] -= 4;  // the trailing copy no longer matches
  expect_error(b, "differs from its trailing copy");
  b = good.bytes;
  b[second_packet + 8 + 12] = 200;  // captured length bigger than the block
  expect_error(b, "captured length 200 runs past the end of the block");
  b = good.bytes;
  b[second_packet + 8] = 7;  // no interface 7
  expect_error(b, "packet of interface 7");

  PcapngReader no_section = PcapngReader::FromBytes(Bytes(good.bytes.begin() + 28, good.bytes.end()), "x");
  std::string error;
  ReadAll(no_section, nullptr, &error);
  EXPECT_NE(error.find("does not begin with a section header"), std::string::npos) << error;
  PcapngBuilder version;
  version.Section(false, 2);
  PcapngReader v2 = PcapngReader::FromBytes(version.bytes, "v2");
  ReadAll(v2, nullptr, &error);
  EXPECT_NE(error.find("unsupported pcapng version 2.0"), std::string::npos) << error;
}

TEST(PcapngReaderTest, TicksToNanoseconds) {
  PcapngInterface iface;
  int64_t ns = 0;
  iface.resolution_exponent = 0;  // seconds
  ASSERT_TRUE(PcapngTicksToNs(1'700'000'000, iface, ns));
  EXPECT_EQ(ns, 1'700'000'000 * kSecond);
  EXPECT_FALSE(PcapngTicksToNs(UINT64_MAX, iface, ns));  // beyond int64 ns
  iface.resolution_exponent = 12;                        // ps: rounded down to ns
  ASSERT_TRUE(PcapngTicksToNs(1'700'000'000'123'456'789ULL, iface, ns));
  EXPECT_EQ(ns, 1'700'000 * kSecond + 123'456);
  iface.binary_resolution = true;
  iface.resolution_exponent = 64;  // more ticks per second than a 64-bit count holds
  ASSERT_TRUE(PcapngTicksToNs(1ULL << 63, iface, ns));
  EXPECT_EQ(ns, 500'000'000);
  iface.resolution_exponent = 0;
  iface.offset_seconds = -5;
  ASSERT_TRUE(PcapngTicksToNs(3, iface, ns));
  EXPECT_EQ(ns, -2 * kSecond);
}

TEST(PcapngReaderTest, PacketSourceGivesEveryPacketItsInterfacesLinkType) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "three.pcap";  // the name does not matter
  WriteFile(path, ThreeInterfaces(false).bytes);
  auto source = PacketSource::Open(path.string());
  ASSERT_TRUE(source.ok()) << source.status().message();
  RawPacket raw;
  std::vector<int> links;
  while (source->Next(raw) == NextResult::kPacket) links.push_back(raw.link_type);
  EXPECT_EQ(links, (std::vector<int>{link_type::kEthernet, link_type::kRaw, link_type::kIpv4}));

  PcapngBuilder b = ThreeInterfaces(false);
  b.bytes.resize(b.bytes.size() - 2);
  WriteFile(path, b.bytes);
  auto cut = PacketSource::Open(path.string());
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->Next(raw), NextResult::kPacket);
  EXPECT_EQ(cut->Next(raw), NextResult::kPacket);
  EXPECT_EQ(cut->Next(raw), NextResult::kTruncated);
  EXPECT_NE(cut->error().find("ends inside"), std::string::npos) << cut->error();

  b = ThreeInterfaces(false);
  b.bytes[b.bytes.size() - 1] = 1;  // trailing length of the last block
  WriteFile(path, b.bytes);
  auto corrupt = PacketSource::Open(path.string());
  ASSERT_TRUE(corrupt.ok());
  EXPECT_EQ(corrupt->Next(raw), NextResult::kPacket);
  EXPECT_EQ(corrupt->Next(raw), NextResult::kPacket);
  EXPECT_EQ(corrupt->Next(raw), NextResult::kCorrupt);
  EXPECT_NE(corrupt->error().find("byte offset"), std::string::npos) << corrupt->error();
}

/// "1436720898.354402000" → ns.
int64_t EpochToNs(const std::string& text) {
  const size_t dot = text.find('.');
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  fraction.resize(9, '0');
  return std::stoll(text.substr(0, dot)) * kSecond + std::stoll(fraction);
}

// Every real pcapng (found by its magic, whatever its name): as many packets as tshark reads, with
// the same timestamps, lengths and captured lengths.
TEST(PcapngReaderTest, RealCapturesEqualTshark) {
  const std::filesystem::path dir = TAD_REAL_PCAPS_DIR;
  // The captures live in the repository and setup installs tshark: missing either is a failure.
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir << " is missing";
  ASSERT_EQ(std::system("tshark -v > /dev/null 2>&1"), 0) << "tshark is not installed";
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    unsigned char magic[4] = {};
    std::ifstream(entry.path(), std::ios::binary).read(reinterpret_cast<char*>(magic), 4);
    if (magic[0] != 0x0a || magic[1] != 0x0d || magic[2] != 0x0d || magic[3] != 0x0a) continue;
    ++files;
    const std::string command = "tshark -r '" + entry.path().string() +
                                "' -T fields -E separator=/t -e frame.time_epoch -e frame.len -e frame.cap_len "
                                "2>/dev/null";
    std::FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::vector<std::string> theirs;
    char line[256];
    while (std::fgets(line, sizeof line, pipe)) theirs.emplace_back(line);
    pclose(pipe);

    auto reader = PcapngReader::Open(entry.path().string());
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    PcapngStep end = PcapngStep::kPacket;
    std::string error;
    const auto packets = ReadAll(*reader, &end, &error);
    EXPECT_TRUE(error.empty()) << error;
    ASSERT_EQ(packets.size(), theirs.size()) << entry.path();
    for (size_t i = 0; i < packets.size(); ++i) {
      char epoch[64] = {};
      unsigned wire = 0;
      unsigned captured = 0;
      ASSERT_EQ(std::sscanf(theirs[i].c_str(), "%63s %u %u", epoch, &wire, &captured), 3) << theirs[i];
      EXPECT_EQ(packets[i].timestamp_ns, EpochToNs(epoch)) << entry.path() << " #" << i + 1;
      EXPECT_EQ(packets[i].wire_len, wire) << entry.path() << " #" << i + 1;
      EXPECT_EQ(packets[i].data.size(), captured) << entry.path() << " #" << i + 1;
    }
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace tad
