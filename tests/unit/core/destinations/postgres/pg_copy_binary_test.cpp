#include "core/destinations/postgres/pg_copy_binary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace ingestd::destinations::postgres {
namespace {

using schema::DataType;
using schema::Value;
using ::testing::HasSubstr;

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

// The field (length + bytes) as hex.
std::string Field(const Value& v) {
  std::string out;
  Status s = AppendBinaryCopyValue(out, v);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return Hex(out);
}

// numeric_send's bytes (no length) as hex.
std::string Numeric(std::string_view decimal) {
  std::string out;
  Status s = AppendBinaryNumeric(out, decimal);
  EXPECT_TRUE(s.ok()) << decimal << ": " << s.error().ToString();
  return Hex(out);
}

TEST(PgCopyBinaryTest, HeaderRowAndTrailerFraming) {
  std::string out;
  AppendBinaryCopyHeader(out);
  EXPECT_EQ(out.size(), 19u);
  EXPECT_EQ(Hex(out), "5047434f50590aff0d0a00" "00000000" "00000000");
  out.clear();
  AppendBinaryRowStart(out, 3);
  AppendBinaryNull(out);
  AppendBinaryCopyTrailer(out);
  EXPECT_EQ(Hex(out), "0003" "ffffffff" "ffff");
}

// Golden bytes are what PostgreSQL 15's send functions return for the same
// value (`SELECT encode(int8send(-2), 'hex')`, ...), behind a big-endian
// int32 length.
TEST(PgCopyBinaryTest, FixedWidthTypes) {
  EXPECT_EQ(Field(Value::Bigint(1)), "00000008" "0000000000000001");
  EXPECT_EQ(Field(Value::Bigint(-2)), "00000008" "fffffffffffffffe");
  EXPECT_EQ(Field(Value::Bigint(std::numeric_limits<std::int64_t>::min())), "00000008" "8000000000000000");
  EXPECT_EQ(Field(Value::Double(-0.1)), "00000008" "bfb999999999999a");
  EXPECT_EQ(Field(Value::Double(-0.0)), "00000008" "8000000000000000");
  EXPECT_EQ(Field(Value::Double(std::numeric_limits<double>::infinity())), "00000008" "7ff0000000000000");
  EXPECT_EQ(Field(Value::Double(std::numeric_limits<double>::quiet_NaN())), "00000008" "7ff8000000000000");
  EXPECT_EQ(Field(Value::Bool(true)), "00000001" "01");
  EXPECT_EQ(Field(Value::Bool(false)), "00000001" "00");
}

TEST(PgCopyBinaryTest, TimestampsAreMicrosecondsSince2000) {
  // Value: microseconds since 1970; binary: since 2000-01-01 00:00:00 UTC.
  EXPECT_EQ(Field(Value::Timestamp(946684800000000)), "00000008" "0000000000000000");
  // 1969-12-31 23:59:59.999999 (timestamptz_send: fffca2fec4c81fff)
  EXPECT_EQ(Field(Value::Timestamp(-1)), "00000008" "fffca2fec4c81fff");
  // 1900-01-01 00:00:00 (fff4c9ee7c0b8000)
  EXPECT_EQ(Field(Value::Timestamp(-2208988800000000)), "00000008" "fff4c9ee7c0b8000");
  // 9999-12-31 23:59:59.999999 (0380e70b913b7fff)
  EXPECT_EQ(Field(Value::Timestamp(253402300799999999)), "00000008" "0380e70b913b7fff");
}

TEST(PgCopyBinaryTest, DatesAreDaysSince2000AndTimesMicroseconds) {
  EXPECT_EQ(Field(Value::Date(10957)), "00000004" "00000000");     // 2000-01-01
  EXPECT_EQ(Field(Value::Date(10956)), "00000004" "ffffffff");     // 1999-12-31
  EXPECT_EQ(Field(Value::Date(-719528)), "00000004" "fff4da8b");   // 0001-01-01 BC
  EXPECT_EQ(Field(Value::Date(2932896)), "00000004" "002c95d3");   // 9999-12-31
  EXPECT_EQ(Field(Value::Time(0)), "00000008" "0000000000000000");
  EXPECT_EQ(Field(Value::Time(45296789012)), "00000008" "0000000a8be62614");  // 12:34:56.789012
  EXPECT_EQ(Field(Value::Time(86400000000)), "00000008" "000000141dd76000");  // 24:00:00
}

TEST(PgCopyBinaryTest, TextJsonAndBytes) {
  EXPECT_EQ(Field(Value::Text(DataType::kText, "a\tb\\\xC3\xA4")), "00000006" "610962" "5c" "c3a4");
  EXPECT_EQ(Field(Value::Text(DataType::kText, "")), "00000000");
  // jsonb: version byte 1, then the text (jsonb_send('{"a":1}') = 017b2261223a20317d,
  // the server's own spacing; jsonb_recv parses whatever text follows).
  EXPECT_EQ(Field(Value::Text(DataType::kJson, R"({"a":1})")), "00000008" "01" "7b2261223a317d");
  EXPECT_EQ(Field(Value::Text(DataType::kBinary, std::string_view("\x00\x01\\\xff", 4))),
            "00000004" "00015cff");
}

// Golden bytes from `SELECT encode(numeric_send('...'::numeric), 'hex')`:
// ndigits, weight, sign, dscale, then base-10000 digits.
TEST(PgCopyBinaryTest, NumericMatchesNumericSend) {
  EXPECT_EQ(Numeric("0"), "0000" "0000" "0000" "0000");
  EXPECT_EQ(Numeric("-0.000"), "0000" "0000" "0000" "0003");  // zero is positive, dscale kept
  EXPECT_EQ(Numeric("-0.5"), "0001" "ffff" "4000" "0001" "1388");
  EXPECT_EQ(Numeric("-12.340"), "0002" "0000" "4000" "0003" "000c" "0d48");
  EXPECT_EQ(Numeric("0.00000000000000000001"), "0001" "fffb" "0000" "0014" "0001");
  EXPECT_EQ(Numeric("1e-20"), "0001" "fffb" "0000" "0014" "0001");
  EXPECT_EQ(Numeric("1.5e3"), "0001" "0000" "0000" "0000" "05dc");
  EXPECT_EQ(Numeric("0.0001"), "0001" "ffff" "0000" "0004" "0001");
  EXPECT_EQ(Numeric("10000"), "0001" "0001" "0000" "0000" "0001");
  EXPECT_EQ(Numeric("99999.99990"), "0003" "0001" "0000" "0005" "0009" "270f" "270f");
  EXPECT_EQ(Numeric("12345678901234567890.123"),
            "0006" "0004" "0000" "0003" "04d2" "162e" "2334" "0d80" "1ed2" "04ce");
  EXPECT_EQ(Numeric("123456789012345678901234567890"),
            "0008" "0007" "0000" "0000" "000c" "0d80" "1ed2" "04d2" "162e" "2334" "0d80" "1ed2");
  EXPECT_EQ(Numeric("+.5"), "0001" "ffff" "0000" "0001" "1388");
  EXPECT_EQ(Numeric("5."), "0001" "0000" "0000" "0000" "0005");
  // Special values (the normalizer never makes them; numeric_recv ignores
  // their dscale, numeric_send reports 32 for the infinities).
  EXPECT_EQ(Numeric("NaN"), "0000" "0000" "c000" "0000");
  EXPECT_EQ(Numeric("Infinity"), "0000" "0000" "d000" "0000");
  EXPECT_EQ(Numeric("-inf"), "0000" "0000" "f000" "0000");
}

TEST(PgCopyBinaryTest, WeiScaleDecimalKeepsEveryDigit) {
  // numeric(156,78)'s full scale: 78 fraction digits, the last one 1.
  const std::string tiny = "0." + std::string(77, '0') + "1";
  // 10^-78 = word 10^-76 * 0.01 -> weight -20 (-78 / 4 rounded down), digit 0100.
  EXPECT_EQ(Numeric(tiny), "0001" "ffec" "0000" "004e" "0064");
}

TEST(PgCopyBinaryTest, DecimalFieldCarriesItsLength) {
  EXPECT_EQ(Field(Value::Text(DataType::kDecimal, "-0.5")), "0000000a" "0001ffff400000011388");
  EXPECT_EQ(Field(Value::Text(DataType::kWei, "0")), "00000008" "0000000000000000");
}

TEST(PgCopyBinaryTest, RefusedValuesLeaveOutputUnchanged) {
  const std::vector<Value> refused = {
      Value::Text(DataType::kDecimal, "not-a-number"),
      Value::Text(DataType::kDecimal, ""),
      Value::Text(DataType::kDecimal, "."),
      Value::Text(DataType::kDecimal, "1e"),
      Value::Text(DataType::kDecimal, "1e1001"),
      Value::Text(DataType::kDecimal, " 1"),
      Value::Timestamp(std::numeric_limits<std::int64_t>::min()),
      Value::Date(std::int64_t{1} << 40),
      Value::Date(std::numeric_limits<std::int64_t>::min()),
      Value::Timestamp(std::numeric_limits<std::int64_t>::min() + 946684800000000),  // -infinity
      Value::Time(-1),
      Value::Time(86400000001),
  };
  for (const Value& v : refused) {
    std::string out = "keep";
    Status s = AppendBinaryCopyValue(out, v);
    ASSERT_FALSE(s.ok()) << v.text;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(out, "keep");
  }
  std::string out;
  Status s = AppendBinaryCopyValue(out, Value::Text(DataType::kDecimal, "1.2.3"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("invalid input syntax for type numeric: \"1.2.3\" [SQLSTATE 22P02]"));
}

TEST(PgCopyBinaryTest, EveryTypeHasABinaryEncoding) {
  std::vector<DataType> all;
  for (int i = 0; i < schema::kDataTypeCount; ++i) {
    all.push_back(static_cast<DataType>(i));
    EXPECT_TRUE(HasBinaryCopyEncoding(all.back())) << i;
  }
  EXPECT_EQ(ChooseCopyFormat(all), CopyFormat::kBinary);
}

}  // namespace
}  // namespace ingestd::destinations::postgres
