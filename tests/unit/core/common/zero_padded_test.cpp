#include "core/common/zero_padded.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace ingestd {
namespace {

std::string Padded(std::int64_t v, int width) {
  std::string out = "x";
  AppendZeroPadded(out, v, width);
  return out;
}

TEST(ZeroPaddedTest, PadsDigitsAndPutsTheSignFirst) {
  EXPECT_EQ(Padded(42, 4), "x0042");
  EXPECT_EQ(Padded(12345, 2), "x12345");
  EXPECT_EQ(Padded(0, 2), "x00");
  EXPECT_EQ(Padded(-42, 4), "x-0042");
  EXPECT_EQ(Padded(std::numeric_limits<std::int64_t>::min(), 1), "x-9223372036854775808");
}

TEST(ZeroPaddedTest, TimeOfDayLeavesOutAZeroFraction) {
  std::string out;
  AppendTimeOfDay(out, ((1 * 3600 + 2 * 60 + 3) * 1'000'000LL));
  EXPECT_EQ(out, "01:02:03");
  out.clear();
  AppendTimeOfDay(out, ((23 * 3600 + 59 * 60 + 59) * 1'000'000LL) + 5);
  EXPECT_EQ(out, "23:59:59.000005");
}

}  // namespace
}  // namespace ingestd
