#include "common/status.h"

#include <gtest/gtest.h>

namespace tad {
namespace {

Result<int> ParsePositive(int x) {
  if (x <= 0) return Status::InvalidArgument("not positive: " + std::to_string(x));
  return x;
}

TEST(StatusTest, ResultCarriesValueOrError) {
  Result<int> good = ParsePositive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = ParsePositive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "not positive: -1");
}

TEST(StatusTest, ContextIsPrefixed) {
  Status s = Status::InvalidData("record 7 is cut short").WithContext("x.pcap");
  EXPECT_EQ(s.message(), "x.pcap: record 7 is cut short");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(StatusTest, ValueOrThrowThrowsTheStatus) {
  EXPECT_EQ(ValueOrThrow(ParsePositive(2)), 2);
  try {
    ValueOrThrow(ParsePositive(0));
    FAIL() << "expected an exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tad
