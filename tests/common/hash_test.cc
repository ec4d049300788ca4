#include "common/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace tad {
namespace {

// The hash decides which rows a seed selects, so it is part of the data format. These vectors
// pin it: if this test fails, samples and splits of existing datasets have silently changed.
// They were computed by an independent reimplementation of the definitions in common/hash.h
// (SplitMix64's finaliser, FNV-1a 64, the combine step) in Python with explicit 64-bit masks,
// tests/common/hash_vectors.py, not by this code.
TEST(HashTest, Mix64KnownVectors) {
  EXPECT_EQ(Mix64(0), 0x0ULL);
  EXPECT_EQ(Mix64(1), 0x5692161d100b05e5ULL);
  EXPECT_EQ(Mix64(0xffffffffffffffffULL), 0xb4d055fcf2cbbd7bULL);
  EXPECT_EQ(Mix64(0x123456789abcdef0ULL), 0x9629f58e8ec5b906ULL);
}

TEST(HashTest, HashBytesKnownVectors) {
  EXPECT_EQ(HashBytes(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(HashBytes("a"), 0x02c0bdbf481420f8ULL);
  EXPECT_EQ(HashBytes("Games/wow.pcap"), 0x4895df83a0a006f0ULL);
  EXPECT_EQ(HashBytes("Games/wow.pcap", 42), 0xb309673c02ad4fe3ULL);
}

TEST(HashTest, RowIdentityHashKnownVectors) {
  EXPECT_EQ(RowIdentityHash("Games/wow.pcap", 1, 0), 0xb16c1d2ccf92267fULL);
  EXPECT_EQ(RowIdentityHash("Games/wow.pcap", 2, 0), 0x7ef546e43946cbcfULL);
  EXPECT_EQ(RowIdentityHash("Games/wow.pcap", 1, 1), 0xdfa1e3dd3950af2aULL);
  EXPECT_EQ(RowIdentityHash("f.pcap", 123456789, 42), 0xf1eded58d478c455ULL);
  static_assert(RowIdentityHash("Games/wow.pcap", 1, 0) == 0xb16c1d2ccf92267fULL);
}

TEST(HashTest, UnitIntervalKnownVector) {
  EXPECT_EQ(RowIdentityHash("f.pcap", 7, 42), 0x135365418c15a631ULL);
  EXPECT_DOUBLE_EQ(UnitInterval(RowIdentityHash("f.pcap", 7, 42)), 0.07549126482270774);
}

TEST(HashTest, SamplesNest) {
  // Every row kept at 1 % is kept at 20 %, and the fractions are close to what was asked.
  int kept1 = 0, kept20 = 0;
  constexpr int kRows = 200000;
  for (int i = 0; i < kRows; ++i) {
    double u = UnitInterval(RowIdentityHash("f.pcap", i, 42));
    bool in1 = u < 0.01, in20 = u < 0.20;
    if (in1) EXPECT_TRUE(in20);
    kept1 += in1;
    kept20 += in20;
  }
  EXPECT_NEAR(kept1 / double(kRows), 0.01, 0.002);
  EXPECT_NEAR(kept20 / double(kRows), 0.20, 0.005);
}

}  // namespace
}  // namespace tad
