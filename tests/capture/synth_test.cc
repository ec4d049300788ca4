#include "capture/synth.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "capture/dissector.h"
#include "capture/flow_tracker.h"

namespace tad {
namespace {

namespace fs = std::filesystem;

class SynthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("tad_synth_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path Write(const std::string& name, const SynthOptions& options) {
    const fs::path dir = root_ / name;
    fs::create_directories(dir);
    auto summary = WriteSynthCaptures(dir, options, {});
    EXPECT_TRUE(summary.ok()) << summary.status().message();
    if (summary.ok()) last_summary_ = *summary;
    return dir;
  }

  fs::path root_;
  SynthSummary last_summary_;
};

// Relative path → file bytes, for every file under `dir`.
std::map<std::string, std::string> ReadTree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files[fs::relative(entry.path(), dir).string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return files;
}

struct Frame {
  uint32_t caplen;
  uint32_t len;
  std::vector<uint8_t> bytes;
  int64_t time_us;
};

std::vector<Frame> ReadPcap(const fs::path& path) {
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* pcap = pcap_open_offline(path.c_str(), error);
  EXPECT_NE(pcap, nullptr) << path << ": " << error;
  std::vector<Frame> frames;
  if (pcap == nullptr) return frames;
  EXPECT_EQ(pcap_datalink(pcap), DLT_EN10MB);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pcap, &header, &data) == 1) {
    frames.push_back({header->caplen, header->len, std::vector<uint8_t>(data, data + header->caplen),
                      static_cast<int64_t>(header->ts.tv_sec) * 1000000 + header->ts.tv_usec});
  }
  pcap_close(pcap);
  return frames;
}

SynthOptions Options(uint64_t packets, uint64_t seed, int files = 2) {
  SynthOptions options;
  options.packets = packets;
  options.seed = seed;
  options.files_per_category = files;
  options.threads = 2;
  return options;
}

TEST_F(SynthTest, SameSeedGivesIdenticalBytesAndAnotherSeedDoesNot) {
  const auto a = ReadTree(Write("a", Options(5000, 7)));
  const auto b = ReadTree(Write("b", Options(5000, 7)));
  const auto c = ReadTree(Write("c", Options(5000, 8)));
  ASSERT_EQ(a.size(), 26u);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), c.size());
  int differing = 0;
  for (const auto& [name, bytes] : a) differing += c.at(name) != bytes ? 1 : 0;
  EXPECT_EQ(differing, 26);
}

TEST_F(SynthTest, ThreadCountDoesNotChangeTheOutput) {
  SynthOptions one = Options(4000, 3);
  one.threads = 1;
  SynthOptions three = Options(4000, 3);
  three.threads = 3;
  EXPECT_EQ(ReadTree(Write("one", one)), ReadTree(Write("three", three)));
}

// --snaplen cuts every frame to its first N bytes, as tcpdump -s N: the same records with the same
// wire lengths and times, each the prefix of the whole frame, every header kept.
TEST_F(SynthTest, SnaplenKeepsThePrefixOfEveryFrame) {
  const fs::path whole = Write("whole", Options(5000, 9));
  SynthOptions cut = Options(5000, 9);
  cut.snaplen = kMinSynthSnaplen;
  const fs::path snapped = Write("snapped", cut);
  int shortened = 0;
  for (const auto& name : SynthCategoryNames()) {
    for (const auto& entry : fs::directory_iterator(whole / name)) {
      const auto full = ReadPcap(entry.path());
      const auto prefix = ReadPcap(snapped / name / entry.path().filename());
      ASSERT_EQ(full.size(), prefix.size()) << entry.path();
      for (size_t i = 0; i < full.size(); ++i) {
        EXPECT_EQ(prefix[i].len, full[i].len);
        EXPECT_EQ(prefix[i].time_us, full[i].time_us);
        ASSERT_EQ(prefix[i].caplen, std::min(full[i].len, kMinSynthSnaplen));
        EXPECT_TRUE(std::equal(prefix[i].bytes.begin(), prefix[i].bytes.end(), full[i].bytes.begin()));
        shortened += prefix[i].caplen < prefix[i].len;
      }
    }
  }
  EXPECT_GT(shortened, 1000);
  SynthOptions too_short = Options(100, 9);
  too_short.snaplen = kMinSynthSnaplen - 1;
  EXPECT_FALSE(WriteSynthCaptures(root_ / "too_short", too_short, {}).ok());
}

TEST_F(SynthTest, WritesTheThirteenCategoryFolders) {
  const fs::path dir = Write("out", Options(2000, 1, 3));
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_TRUE(entry.is_directory()) << entry.path();
    folders.insert(entry.path().filename().string());
  }
  const std::set<std::string> expected = {"Education", "Finance", "Games",  "Health Fitness", "Life Service",
                                          "Music",     "News",    "Reading", "Shopping",       "Social",
                                          "Tools",     "Travel",  "Video"};
  EXPECT_EQ(folders, expected);
  const auto names = SynthCategoryNames();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), expected);
  for (const auto& folder : expected) {
    EXPECT_EQ(std::distance(fs::directory_iterator(dir / folder), fs::directory_iterator()), 3) << folder;
  }
}

TEST_F(SynthTest, PacketCountsAreExactlyAsAsked) {
  for (uint64_t packets : {1ull, 13ull, 999ull, 12345ull}) {
    const auto shares = SynthPacketsPerCategory(packets);
    EXPECT_EQ(std::accumulate(shares.begin(), shares.end(), uint64_t{0}), packets);
  }
  const uint64_t packets = 12345;
  const fs::path dir = Write("out", Options(packets, 5, 4));
  const auto expected = SynthPacketsPerCategory(packets);
  const auto names = SynthCategoryNames();
  uint64_t total = 0;
  for (size_t c = 0; c < names.size(); ++c) {
    uint64_t in_category = 0;
    for (const auto& entry : fs::directory_iterator(dir / names[c])) in_category += ReadPcap(entry.path()).size();
    EXPECT_EQ(in_category, expected[c]) << names[c];
    EXPECT_EQ(last_summary_.categories[c].packets, static_cast<int64_t>(expected[c]));
    total += in_category;
  }
  EXPECT_EQ(total, packets);
  EXPECT_EQ(last_summary_.packets, static_cast<int64_t>(packets));
  EXPECT_GT(last_summary_.flows, 100);
  // Class imbalance: Video (the largest share) has several times the packets of Health Fitness.
  EXPECT_GT(expected[12], 3 * expected[3]);
}

TEST_F(SynthTest, FramesAreConsistentAndTimesIncrease) {
  const fs::path dir = Write("out", Options(6000, 11, 1));
  int ipv4 = 0;
  int ipv6 = 0;
  int tcp = 0;
  int udp = 0;
  for (const auto& name : SynthCategoryNames()) {
    for (const auto& entry : fs::directory_iterator(dir / name)) {
      int64_t previous = 0;
      for (const Frame& frame : ReadPcap(entry.path())) {
        ASSERT_EQ(frame.caplen, frame.len);
        ASSERT_GE(frame.caplen, 14u + 20u + 8u);
        ASSERT_LE(frame.caplen, 1514u);
        EXPECT_GE(frame.time_us, previous);
        previous = frame.time_us;
        const uint8_t* ip = frame.bytes.data() + 14;
        const int ether_type = (frame.bytes[12] << 8) | frame.bytes[13];
        int proto = 0;
        if (ether_type == 0x0800) {
          ++ipv4;
          ASSERT_EQ(ip[0], 0x45);
          EXPECT_EQ(((ip[2] << 8) | ip[3]) + 14u, frame.len);  // IPv4 total length
          proto = ip[9];
        } else {
          ASSERT_EQ(ether_type, 0x86dd);
          ++ipv6;
          EXPECT_EQ(ip[0] >> 4, 6);
          EXPECT_EQ(((ip[4] << 8) | ip[5]) + 54u, frame.len);  // IPv6 payload length
          proto = ip[6];
        }
        ASSERT_TRUE(proto == 6 || proto == 17) << proto;
        (proto == 6 ? tcp : udp)++;
        if (proto == 17) {
          const uint8_t* udp_header = ip + (ether_type == 0x0800 ? 20 : 40);
          EXPECT_EQ(((udp_header[4] << 8) | udp_header[5]) + (ether_type == 0x0800 ? 34u : 54u), frame.len);
        }
      }
    }
  }
  EXPECT_EQ(ipv4 + ipv6, 6000);
  EXPECT_GT(ipv6, 100);  // some IPv6
  EXPECT_GT(ipv4, 3 * ipv6);
  EXPECT_GT(tcp, 1000);
  EXPECT_GT(udp, 500);
}

TEST_F(SynthTest, CategoryProfilesDiffer) {
  const fs::path dir = Write("out", Options(60000, 2, 2));
  std::map<std::string, double> mean_len;
  std::map<std::string, double> games_udp_share;
  for (const auto& name : SynthCategoryNames()) {
    double sum = 0;
    double count = 0;
    double udp = 0;
    for (const auto& entry : fs::directory_iterator(dir / name)) {
      for (const Frame& frame : ReadPcap(entry.path())) {
        sum += frame.len;
        ++count;
        const bool v4 = frame.bytes[12] == 0x08;
        udp += (v4 ? frame.bytes[14 + 9] : frame.bytes[14 + 6]) == 17 ? 1 : 0;
      }
    }
    mean_len[name] = sum / count;
    games_udp_share[name] = udp / count;
  }
  // Bulk-heavy Video moves bigger packets than API-heavy Finance; Games is mostly UDP.
  EXPECT_GT(mean_len["Video"], mean_len["Finance"] + 100) << mean_len["Video"] << " vs " << mean_len["Finance"];
  EXPECT_GT(games_udp_share["Games"], 0.4);
  EXPECT_LT(games_udp_share["Finance"], 0.3);
  std::set<long> distinct;
  for (const auto& [name, mean] : mean_len) distinct.insert(std::lround(mean / 10));
  EXPECT_GE(distinct.size(), 8u);
}

// The flows of every capture under `dir` by category, as `tad extract --flows` finds them (the
// flow tracker with its default rules over the dissected frames).
std::map<std::string, std::vector<FlowRecord>> ExtractFlows(const fs::path& dir) {
  std::map<std::string, std::vector<FlowRecord>> flows;
  for (const auto& name : SynthCategoryNames()) {
    for (const auto& entry : fs::directory_iterator(dir / name)) {
      FlowTracker tracker(FlowRules{}, /*assemble=*/true);
      std::vector<FlowRecord>& ended = flows[name];
      int64_t index = 0;
      for (const Frame& frame : ReadPcap(entry.path())) {
        PacketFeatures packet;
        bool transport_truncated = false;
        EXPECT_EQ(Dissect(frame.bytes, frame.len, DLT_EN10MB, packet, transport_truncated), DissectResult::kOk);
        packet.packet_index = ++index;
        packet.timestamp_ns = frame.time_us * 1000;
        packet.frame_len = static_cast<int32_t>(frame.len);
        tracker.Observe(packet, ended);
      }
      tracker.Finish(ended);
    }
  }
  return flows;
}

TEST_F(SynthTest, SessionsHaveSeveralFlowsAndReuseClosedFourTuples) {
  const auto flows = ExtractFlows(Write("out", Options(40000, 5, 2)));
  int64_t reuse = 0;
  int64_t total = 0;
  int64_t parallel = 0;  // pairs of TCP flows to one server that overlap in time
  int64_t dns = 0;
  for (const auto& [category, records] : flows) {
    // Flows of one server (its address and port), in order of their first packets.
    std::map<std::pair<std::array<uint8_t, 16>, int>, std::vector<const FlowRecord*>> by_server;
    for (const FlowRecord& flow : records) {
      ++total;
      reuse += flow.end_reason == FlowEndReason::kReuse ? 1 : 0;
      if (flow.ip_proto == 17 && flow.dst_port == 53) ++dns;
      if (flow.ip_proto == 6) by_server[{flow.dst_addr, flow.dst_port}].push_back(&flow);
    }
    for (auto& [server, list] : by_server) {
      std::sort(list.begin(), list.end(),
                [](auto* a, auto* b) { return a->first_timestamp_ns < b->first_timestamp_ns; });
      for (size_t i = 1; i < list.size(); ++i) {
        parallel += list[i]->first_timestamp_ns < list[i - 1]->last_timestamp_ns ? 1 : 0;
      }
    }
  }
  // Rule (c) of docs/flows.md: a SYN on a 4-tuple whose flow ended with FIN or RST.
  EXPECT_GT(reuse, total / 100) << reuse << " of " << total;
  EXPECT_GT(parallel, total / 50) << parallel << " of " << total;
  EXPECT_GT(dns, total / 10) << dns << " of " << total;
}

// Per-host values must not give the category away (issue 12): a classifier that learns, on one
// seed, the most frequent category of each server TTL, each server receive window and each pair,
// and predicts on another seed, does no better than always answering the most frequent category.
TEST_F(SynthTest, ServerTtlsAndWindowsDoNotRevealTheCategory) {
  using Key = std::pair<int, int>;  // TTL, window (-1: not used)
  // Per category, the TTL and window of every SYN-ACK (one per TCP connection, sent by the server).
  auto syn_acks = [&](const std::string& name, uint64_t seed) {
    const fs::path dir = Write(name, Options(250000, seed, 2));
    std::map<std::string, std::vector<Key>> keys;
    for (const auto& category : SynthCategoryNames()) {
      for (const auto& entry : fs::directory_iterator(dir / category)) {
        for (const Frame& frame : ReadPcap(entry.path())) {
          const bool v4 = frame.bytes[12] == 0x08;
          const uint8_t* ip = frame.bytes.data() + 14;
          if ((v4 ? ip[9] : ip[6]) != 6) continue;
          const uint8_t* tcp = ip + (v4 ? 20 : 40);
          if ((tcp[13] & 0x12) != 0x12) continue;
          keys[category].push_back({v4 ? ip[8] : ip[7], (tcp[14] << 8) | tcp[15]});
        }
      }
    }
    return keys;
  };
  const auto train = syn_acks("train", 21);
  const auto test = syn_acks("test", 22);
  for (int use : {1, 2, 3}) {  // TTL alone, window alone, both
    auto project = [use](Key key) { return Key{use & 1 ? key.first : -1, use & 2 ? key.second : -1}; };
    std::map<Key, std::map<std::string, int64_t>> counts;
    std::map<std::string, int64_t> train_totals;
    for (const auto& [category, keys] : train) {
      for (Key key : keys) ++counts[project(key)][category];
      train_totals[category] += static_cast<int64_t>(keys.size());
    }
    auto most_frequent = [](const std::map<std::string, int64_t>& tally) {
      return std::max_element(tally.begin(), tally.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    };
    const std::string majority = most_frequent(train_totals);
    int64_t right = 0;
    int64_t right_majority = 0;
    int64_t total = 0;
    for (const auto& [category, keys] : test) {
      for (Key key : keys) {
        const auto seen = counts.find(project(key));
        right += (seen == counts.end() ? majority : most_frequent(seen->second)) == category ? 1 : 0;
        right_majority += majority == category ? 1 : 0;
        ++total;
      }
    }
    ASSERT_GT(total, 1000);
    const double accuracy = static_cast<double>(right) / static_cast<double>(total);
    const double chance = static_cast<double>(right_majority) / static_cast<double>(total);
    EXPECT_LT(accuracy, chance + 0.03) << "features " << use << ": " << accuracy << " vs majority " << chance;
  }
}

TEST_F(SynthTest, RejectsImpossibleOptions) {
  auto zero = WriteSynthCaptures(root_, Options(0, 1), {});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  auto no_files = WriteSynthCaptures(root_, Options(10, 1, 0), {});
  ASSERT_FALSE(no_files.ok());
  EXPECT_EQ(no_files.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tad
