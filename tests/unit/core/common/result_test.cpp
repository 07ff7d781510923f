#include "core/common/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ingestd {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("value must be positive, got " + std::to_string(v));
  return v;
}

Result<int> DoubledPositive(int v) {
  INGESTD_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status CheckBoth(int a, int b) {
  INGESTD_TRY(ParsePositive(a));
  INGESTD_TRY(ParsePositive(b));
  return OkStatus();
}

TEST(ResultTest, CarriesValueOrError) {
  Result<int> ok = DoubledPositive(21);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);

  Result<int> bad = DoubledPositive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "value must be positive, got -1");
}

TEST(ResultTest, StatusPropagatesFirstError) {
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  Status s = CheckBoth(1, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("got 0"), std::string::npos);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ErrorTest, ContextIsPrefixed) {
  Error e = InvalidArgument("bad type").WithContext("column id").WithContext("table orders");
  EXPECT_EQ(e.message(), "table orders: column id: bad type");
  EXPECT_EQ(e.ToString(), "invalid_argument: table orders: column id: bad type");
  EXPECT_FALSE(IsRetryable(e));
  EXPECT_TRUE(IsRetryable(Error(ErrorCode::kUnavailable, "conn reset")));
}

}  // namespace
}  // namespace ingestd
