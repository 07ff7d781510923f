#include "core/infer/type_inference.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace ingestd::infer {
namespace {

using schema::DataType;

DataType Infer(const RawScalar& v, const DetectionSettings& s = {}) { return InferDataType(v, s); }
DataType Str(const std::string& s, const DetectionSettings& d = {}) { return Infer(RawScalar::String(s), d); }
DataType Num(const std::string& s, const DetectionSettings& d = {}) { return Infer(RawScalar::Number(s), d); }

TEST(TypeInferenceTest, BoolAndJson) {
  EXPECT_EQ(Infer(RawScalar::Bool(true)), DataType::kBool);
  EXPECT_EQ(Infer(RawScalar::Bool(false)), DataType::kBool);
  EXPECT_EQ(Infer(RawScalar::Json(R"({"a":1})")), DataType::kJson);
  EXPECT_EQ(Infer(RawScalar::Json("[]")), DataType::kJson);
}

// The conformance corpus (timestamps_and_dates, numbers_and_bools).
TEST(TypeInferenceTest, ConformanceStrings) {
  EXPECT_EQ(Str("2024-01-15T10:30:00Z"), DataType::kTimestamp);
  EXPECT_EQ(Str("2024-01-15T10:30:00.123456+02:00"), DataType::kTimestamp);
  EXPECT_EQ(Str("2024-01-15"), DataType::kText);
  EXPECT_EQ(Str("10:30:00"), DataType::kText);
  EXPECT_EQ(Str("2024-01-15T10:30:00"), DataType::kTimestamp);
  EXPECT_EQ(Str("2024-01-15 10:30:00"), DataType::kTimestamp);
  EXPECT_EQ(Str("2024-02-29 12:00"), DataType::kTimestamp);
  EXPECT_EQ(Str("2024-13-45T99:99:99Z"), DataType::kText);
  EXPECT_EQ(Str("yesterday"), DataType::kText);
  EXPECT_EQ(Str("true"), DataType::kText);
  EXPECT_EQ(Str("42"), DataType::kText);
  EXPECT_EQ(Str("3.14"), DataType::kText);
  EXPECT_EQ(Str("0.000001"), DataType::kText);
}

TEST(TypeInferenceTest, ConformanceNumbers) {
  EXPECT_EQ(Num("0.1"), DataType::kDouble);
  EXPECT_EQ(Num("3.0"), DataType::kDouble);
  EXPECT_EQ(Num("-0.0"), DataType::kDouble);
  EXPECT_EQ(Num("1.7976931348623157e+308"), DataType::kDouble);
  EXPECT_EQ(Num("1e+16"), DataType::kDouble);
  EXPECT_EQ(Num("5e-324"), DataType::kDouble);
  EXPECT_EQ(Num("0"), DataType::kBigint);
  EXPECT_EQ(Num("9007199254740993"), DataType::kBigint);
  EXPECT_EQ(Num("1705314600"), DataType::kBigint);  // `timestamp` detector is off by default
}

TEST(TypeInferenceTest, EmptyStringIsText) {
  EXPECT_EQ(Str(""), DataType::kText);
  DetectionSettings all;
  all.iso_date = true;
  EXPECT_EQ(Str("", all), DataType::kText);
}

TEST(TypeInferenceTest, IsoTimestampDetectorCanBeOff) {
  DetectionSettings none;
  none.iso_timestamp = false;
  EXPECT_EQ(Str("2024-01-15T10:30:00Z", none), DataType::kText);
}

TEST(TypeInferenceTest, IsoDateDetector) {
  DetectionSettings s;
  s.iso_date = true;
  EXPECT_EQ(Str("2024-01-15", s), DataType::kDate);
  EXPECT_EQ(Str("2024", s), DataType::kDate);  // pendulum's fallback reads a year as a date
  EXPECT_EQ(Str("2024-01-15T10:30:00Z", s), DataType::kTimestamp);
  EXPECT_EQ(Str("10:30", s), DataType::kText);
  // dlt's is_iso_date refuses date-times even when iso_timestamp is off.
  s.iso_timestamp = false;
  EXPECT_EQ(Str("2024-01-15T10:30:00Z", s), DataType::kText);
  EXPECT_EQ(Str("2024-01-15", s), DataType::kDate);
}

TEST(TypeInferenceTest, Int64Bounds) {
  EXPECT_EQ(Num("9223372036854775807"), DataType::kBigint);
  EXPECT_EQ(Num("-9223372036854775808"), DataType::kBigint);
  EXPECT_EQ(Num("-0"), DataType::kBigint);
}

TEST(TypeInferenceTest, BeyondInt64IsDecimalUpTo29Digits) {
  EXPECT_EQ(Num("9223372036854775808"), DataType::kDecimal);
  EXPECT_EQ(Num("-9223372036854775809"), DataType::kDecimal);
  EXPECT_EQ(Num("9999999999999999999999"), DataType::kDecimal);
  EXPECT_EQ(Num("99999999999999999999999999999"), DataType::kDecimal);   // 29 digits
  EXPECT_EQ(Num("100000000000000000000000000000"), DataType::kText);    // 30 digits
  EXPECT_EQ(Num("-100000000000000000000000000000"), DataType::kText);
}

TEST(TypeInferenceTest, LargeIntegerDetector) {
  DetectionSettings s;
  s.large_integer = true;
  EXPECT_EQ(Num("9223372036854775807", s), DataType::kBigint);
  EXPECT_EQ(Num("9223372036854775808", s), DataType::kWei);
  EXPECT_EQ(Num("578960446186580977117854925043439539266", s), DataType::kWei);
  EXPECT_EQ(Num("578960446186580977117854925043439539267", s), DataType::kText);
  EXPECT_EQ(Num("1000000000000000000000000000000000000000", s), DataType::kText);
  // dlt only looks above int64 max; negatives use ingestd's rule.
  EXPECT_EQ(Num("-9223372036854775809", s), DataType::kDecimal);
}

TEST(TypeInferenceTest, TimestampDetectorWindow) {
  DetectionSettings s;
  s.timestamp = true;
  s.now_unix_seconds = 1700000000;
  const double window = 5 * 31536000.0;
  EXPECT_EQ(Num("1705314600", s), DataType::kTimestamp);
  EXPECT_EQ(Num("1705314600.5", s), DataType::kTimestamp);
  EXPECT_EQ(Num(std::to_string(static_cast<long long>(1700000000 + window)), s), DataType::kTimestamp);
  EXPECT_EQ(Num(std::to_string(static_cast<long long>(1700000000 + window) + 1), s), DataType::kBigint);
  EXPECT_EQ(Num(std::to_string(static_cast<long long>(1700000000 - window)), s), DataType::kTimestamp);
  EXPECT_EQ(Num(std::to_string(static_cast<long long>(1700000000 - window) - 1), s), DataType::kBigint);
  EXPECT_EQ(Num("0", s), DataType::kBigint);
  EXPECT_EQ(Num("0.5", s), DataType::kDouble);
}

TEST(TypeInferenceTest, DoubleOverflowIsText) {
  EXPECT_EQ(Num("1e400"), DataType::kText);
  EXPECT_EQ(Num("-1e400"), DataType::kText);
  EXPECT_EQ(Num("1e-400"), DataType::kDouble);  // underflows to 0.0 like Python
}

TEST(TypeInferenceTest, MalformedNumberLexemeIsText) {
  EXPECT_EQ(Num(""), DataType::kText);
  EXPECT_EQ(Num("-"), DataType::kText);
  EXPECT_EQ(Num("abc"), DataType::kText);
  EXPECT_EQ(Num("1."), DataType::kText);
  EXPECT_EQ(Num("NaN"), DataType::kText);
  EXPECT_EQ(Num("+1"), DataType::kText);
  EXPECT_EQ(Num(std::string("1\0", 2)), DataType::kText);
}

TEST(TypeInferenceTest, HostileStrings) {
  DetectionSettings all;
  all.iso_date = true;
  EXPECT_EQ(Str(std::string(10 * 1024 * 1024, 'a'), all), DataType::kText);
  EXPECT_EQ(Str(std::string(10 * 1024 * 1024, '9'), all), DataType::kText);
  EXPECT_EQ(Str(std::string("2024-01-15\0T10:30", 16), all), DataType::kText);
  EXPECT_EQ(Str("\xff\xfe\xfd", all), DataType::kText);
  EXPECT_EQ(Str("9999999999999999999999", all), DataType::kText);
  EXPECT_EQ(Str("1e400", all), DataType::kText);
  EXPECT_EQ(Str("-0", all), DataType::kText);
  EXPECT_EQ(Str("NaN", all), DataType::kText);
}

TEST(TypeInferenceTest, HostileNumbers) {
  EXPECT_EQ(Num(std::string(10 * 1024 * 1024, '9')), DataType::kText);
  EXPECT_EQ(Num("0." + std::string(10 * 1024 * 1024, '0') + "1"), DataType::kDouble);
  EXPECT_EQ(Num("1e99999999999999999999999"), DataType::kText);
  EXPECT_EQ(Num("1e-99999999999999999999999"), DataType::kDouble);
}

TEST(RawScalarTest, IsIntegerLexeme) {
  EXPECT_TRUE(RawScalar::Number("12").IsIntegerLexeme());
  EXPECT_TRUE(RawScalar::Number("-0").IsIntegerLexeme());
  EXPECT_FALSE(RawScalar::Number("3.0").IsIntegerLexeme());
  EXPECT_FALSE(RawScalar::Number("1e5").IsIntegerLexeme());
  EXPECT_FALSE(RawScalar::Number("-").IsIntegerLexeme());
  EXPECT_FALSE(RawScalar::Number("").IsIntegerLexeme());
  EXPECT_FALSE(RawScalar::String("12").IsIntegerLexeme());
}

TEST(RawScalarTest, NumberAsDouble) {
  EXPECT_EQ(RawScalar::Number("0.1").NumberAsDouble(), 0.1);
  EXPECT_EQ(RawScalar::Number("9007199254740993").NumberAsDouble(), 9007199254740992.0);
  EXPECT_EQ(RawScalar::Number("1e400").NumberAsDouble(), std::nullopt);
  const auto neg_zero = RawScalar::Number("-1e-400").NumberAsDouble();
  ASSERT_TRUE(neg_zero.has_value());
  EXPECT_EQ(*neg_zero, 0.0);
  EXPECT_TRUE(std::signbit(*neg_zero));
  EXPECT_EQ(RawScalar::Number("2e-324").NumberAsDouble(), 0.0);
  EXPECT_EQ(RawScalar::Number("3e-324").NumberAsDouble(), 5e-324);
  EXPECT_EQ(RawScalar::String("1").NumberAsDouble(), std::nullopt);
}

TEST(RawScalarTest, IntegerAsInt64) {
  EXPECT_EQ(RawScalar::Number("-9223372036854775808").IntegerAsInt64(), INT64_MIN);
  EXPECT_EQ(RawScalar::Number("9223372036854775808").IntegerAsInt64(), std::nullopt);
  EXPECT_EQ(RawScalar::Number("3.0").IntegerAsInt64(), std::nullopt);
  EXPECT_EQ(RawScalar::Number("-0").IntegerAsInt64(), 0);
}

}  // namespace
}  // namespace ingestd::infer
