#include "core/infer/type_coercion.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/common/string_arena.hpp"

// Expected values come from Python 3.11 (repr, float(), int(), Decimal
// quantize with ROUND_HALF_UP, base64, bytes.fromhex, utcfromtimestamp) and
// from the dlt conformance corpus (column_hints, numbers_and_bools).

namespace ingestd::infer {
namespace {

using schema::DataType;
using schema::Value;

constexpr std::int64_t kUs = 1'000'000;

class TypeCoercionTest : public ::testing::Test {
 protected:
  std::optional<Value> C(const RawScalar& raw, DataType type, int precision = -1, int scale = -1) {
    TargetType t;
    t.data_type = type;
    t.precision = precision;
    t.scale = scale;
    return Coerce(raw, t, arena_);
  }
  // The text of a text-like result, or "<none>".
  std::string T(const RawScalar& raw, DataType type, int precision = -1, int scale = -1) {
    const std::optional<Value> v = C(raw, type, precision, scale);
    if (!v) return "<none>";
    EXPECT_EQ(v->type, type);
    return std::string(v->text);
  }
  std::optional<std::int64_t> I(const RawScalar& raw, DataType type) {
    const std::optional<Value> v = C(raw, type);
    if (!v) return std::nullopt;
    EXPECT_EQ(v->type, type);
    return v->int_value;
  }
  std::optional<double> D(const RawScalar& raw) {
    const std::optional<Value> v = C(raw, DataType::kDouble);
    if (!v) return std::nullopt;
    EXPECT_EQ(v->type, DataType::kDouble);
    return v->double_value;
  }
  std::optional<bool> B(const RawScalar& raw) {
    const std::optional<Value> v = C(raw, DataType::kBool);
    if (!v) return std::nullopt;
    EXPECT_EQ(v->type, DataType::kBool);
    return v->bool_value;
  }

  StringArena arena_;
};

RawScalar S(std::string_view s) { return RawScalar::String(s); }
RawScalar N(std::string_view s) { return RawScalar::Number(s); }

const std::string kTenMbNines(10 * 1024 * 1024, '9');

// ---- Conformance corpus (column_hints) ----

TEST_F(TypeCoercionTest, ConformanceStringToDecimalWithScale) {
  EXPECT_EQ(T(S("12.34"), DataType::kDecimal, 10, 2), "12.34");
  EXPECT_EQ(T(S("0.5"), DataType::kDecimal, 10, 2), "0.50");
}

TEST_F(TypeCoercionTest, ConformanceNumberToText) {
  EXPECT_EQ(T(N("123"), DataType::kText), "123");
  EXPECT_EQ(T(N("7"), DataType::kText), "7");
}

TEST_F(TypeCoercionTest, ConformanceJsonToJson) {
  EXPECT_EQ(T(RawScalar::Json(R"({"a":[1,2],"b":{"c":null}})"), DataType::kJson), R"({"a":[1,2],"b":{"c":null}})");
}

TEST_F(TypeCoercionTest, ConformanceEpochToTimestamp) {
  EXPECT_EQ(I(N("1705314600"), DataType::kTimestamp), 1705314600 * kUs);
  EXPECT_EQ(I(N("0"), DataType::kTimestamp), 0);
}

TEST_F(TypeCoercionTest, ConformanceIsoStringsToTimestamp) {
  EXPECT_EQ(I(S("2024-01-15T10:30:00Z"), DataType::kTimestamp), 1705314600 * kUs);
  EXPECT_EQ(I(S("2024-01-15T10:30:00.25+01:00"), DataType::kTimestamp), 1705311000250000);
}

// ---- To text ----

TEST_F(TypeCoercionTest, StringToTextIsAsIs) {
  EXPECT_EQ(T(S("hello"), DataType::kText), "hello");
  EXPECT_EQ(T(S(""), DataType::kText), "");
  EXPECT_EQ(T(S("\xff\xfe"), DataType::kText), "\xff\xfe");
  EXPECT_EQ(T(S(std::string_view("a\0b", 3)), DataType::kText), std::string("a\0b", 3));
}

TEST_F(TypeCoercionTest, IntegerToTextIsPythonStr) {
  EXPECT_EQ(T(N("-0"), DataType::kText), "0");
  EXPECT_EQ(T(N("-12"), DataType::kText), "-12");
  EXPECT_EQ(T(N("9999999999999999999999"), DataType::kText), "9999999999999999999999");
  EXPECT_EQ(T(N("007"), DataType::kText), "7");  // not valid JSON, still canonical
}

TEST_F(TypeCoercionTest, FloatToTextIsPythonRepr) {
  EXPECT_EQ(T(N("1e+16"), DataType::kText), "1e+16");
  EXPECT_EQ(T(N("3.0"), DataType::kText), "3.0");
  EXPECT_EQ(T(N("0.1"), DataType::kText), "0.1");
  EXPECT_EQ(T(N("-0.0"), DataType::kText), "-0.0");
  EXPECT_EQ(T(N("1e15"), DataType::kText), "1000000000000000.0");
  EXPECT_EQ(T(N("1e22"), DataType::kText), "1e+22");
  EXPECT_EQ(T(N("1E-5"), DataType::kText), "1e-05");
  EXPECT_EQ(T(N("0.0001"), DataType::kText), "0.0001");
  EXPECT_EQ(T(N("2.5e-7"), DataType::kText), "2.5e-07");
  EXPECT_EQ(T(N("123456789.123456789"), DataType::kText), "123456789.12345679");
  EXPECT_EQ(T(N("-123.456"), DataType::kText), "-123.456");
  EXPECT_EQ(T(N("5e-324"), DataType::kText), "5e-324");
  EXPECT_EQ(T(N("1.7976931348623157e+308"), DataType::kText), "1.7976931348623157e+308");
  EXPECT_EQ(T(N("1e-400"), DataType::kText), "0.0");
}

TEST_F(TypeCoercionTest, OverflowingFloatToTextKeepsLexeme) {
  EXPECT_EQ(T(N("1e400"), DataType::kText), "1e400");
}

TEST_F(TypeCoercionTest, BoolToTextIsPythonStr) {
  EXPECT_EQ(T(RawScalar::Bool(true), DataType::kText), "True");
  EXPECT_EQ(T(RawScalar::Bool(false), DataType::kText), "False");
}

TEST_F(TypeCoercionTest, JsonToTextIsItsText) {
  EXPECT_EQ(T(RawScalar::Json(R"([1,"two"])"), DataType::kText), R"([1,"two"])");
}

// ---- To json ----

TEST_F(TypeCoercionTest, StringToJsonParsesAndCompacts) {
  EXPECT_EQ(T(S(R"( { "a" : [1, 2.50, 1e5, -0] } )"), DataType::kJson), R"({"a":[1,2.50,1e5,-0]})");
  EXPECT_EQ(T(S("[]"), DataType::kJson), "[]");
}

TEST_F(TypeCoercionTest, StringToJsonScalars) {
  // json.loads returns scalars too.
  EXPECT_EQ(T(S(R"("abc")"), DataType::kJson), R"("abc")");
  EXPECT_EQ(T(S("42"), DataType::kJson), "42");
  EXPECT_EQ(T(S("true"), DataType::kJson), "true");
  EXPECT_EQ(T(S("null"), DataType::kJson), "null");
}

TEST_F(TypeCoercionTest, StringToJsonRejectsInvalid) {
  EXPECT_EQ(T(S(""), DataType::kJson), "<none>");
  EXPECT_EQ(T(S("abc"), DataType::kJson), "<none>");
  EXPECT_EQ(T(S(R"({"a":1} x)"), DataType::kJson), "<none>");
  EXPECT_EQ(T(S("NaN"), DataType::kJson), "<none>");
  EXPECT_EQ(T(S("[1,]"), DataType::kJson), "<none>");
  EXPECT_EQ(T(S(std::string_view("{}\0", 3)), DataType::kJson), "<none>");
  EXPECT_EQ(T(S(std::string_view("1\0garbage", 9)), DataType::kJson), "<none>");
  EXPECT_EQ(T(S("\"\xff\""), DataType::kJson), "<none>");  // invalid UTF-8
  EXPECT_EQ(T(S(R"("\ud800")"), DataType::kJson), "<none>");  // lone surrogate
}

TEST_F(TypeCoercionTest, StringToJsonKeepsUnicodeAndEscapes) {
  EXPECT_EQ(T(S(R"({"k":"caf\u00e9 \"q\" \n"})"), DataType::kJson), "{\"k\":\"caf\xc3\xa9 \\\"q\\\" \\n\"}");
}

TEST_F(TypeCoercionTest, StringToJsonNumbersBeyondDoubleRejected) {
  // RapidJSON reports "number too big" even in numbers-as-strings mode.
  EXPECT_EQ(T(S("[1e400]"), DataType::kJson), "<none>");
  EXPECT_EQ(T(S("123456789012345678901234567890"), DataType::kJson), "123456789012345678901234567890");
}

TEST_F(TypeCoercionTest, DeepJsonDoesNotOverflowTheStack) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(T(S(deep), DataType::kJson) == deep);
}

TEST_F(TypeCoercionTest, NumberAndBoolToJsonNotCoercible) {
  // dlt has no (json, bigint/double/bool) coercion: these become variants.
  EXPECT_EQ(C(N("1"), DataType::kJson), std::nullopt);
  EXPECT_EQ(C(N("1.5"), DataType::kJson), std::nullopt);
  EXPECT_EQ(C(RawScalar::Bool(true), DataType::kJson), std::nullopt);
}

// ---- To bigint ----

TEST_F(TypeCoercionTest, IntegerToBigint) {
  EXPECT_EQ(I(N("42"), DataType::kBigint), 42);
  EXPECT_EQ(I(N("-0"), DataType::kBigint), 0);
  EXPECT_EQ(I(N("9223372036854775807"), DataType::kBigint), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(I(N("-9223372036854775808"), DataType::kBigint), std::numeric_limits<std::int64_t>::min());
}

TEST_F(TypeCoercionTest, IntegerBeyondInt64NotCoercibleToBigint) {
  EXPECT_EQ(I(N("9223372036854775808"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(N("-9223372036854775809"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(N("9999999999999999999999"), DataType::kBigint), std::nullopt);
}

TEST_F(TypeCoercionTest, IntegralFloatToBigint) {
  EXPECT_EQ(I(N("3.0"), DataType::kBigint), 3);
  EXPECT_EQ(I(N("-0.0"), DataType::kBigint), 0);
  EXPECT_EQ(I(N("1e+16"), DataType::kBigint), 10000000000000000);
  EXPECT_EQ(I(N("-9.223372036854775808e18"), DataType::kBigint), std::numeric_limits<std::int64_t>::min());
  // Through the double, as dlt does: ...993.0 is ...992.0.
  EXPECT_EQ(I(N("9007199254740993.0"), DataType::kBigint), 9007199254740992);
}

TEST_F(TypeCoercionTest, NonIntegralOrHugeFloatToBigintRejected) {
  EXPECT_EQ(I(N("3.5"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(N("9.223372036854775808e18"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(N("1e400"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(N("1e-400"), DataType::kBigint), 0);  // 0.0 in Python
}

TEST_F(TypeCoercionTest, TextToBigintIsPythonInt) {
  EXPECT_EQ(I(S(" 42 "), DataType::kBigint), 42);
  EXPECT_EQ(I(S("+5"), DataType::kBigint), 5);
  EXPECT_EQ(I(S("007"), DataType::kBigint), 7);
  EXPECT_EQ(I(S("1_000"), DataType::kBigint), 1000);
  EXPECT_EQ(I(S("\xc2\xa0" "42\xe2\x80\x83"), DataType::kBigint), 42);  // NBSP, EM SPACE stripped
  EXPECT_EQ(I(S("-9223372036854775808"), DataType::kBigint), std::numeric_limits<std::int64_t>::min());
}

TEST_F(TypeCoercionTest, TextToBigintHex) {
  EXPECT_EQ(I(S("0x1F"), DataType::kBigint), 31);
  EXPECT_EQ(I(S("0x0x1f"), DataType::kBigint), 31);   // int("0x1f", 16)
  EXPECT_EQ(I(S("0x0x_1f"), DataType::kBigint), 31);  // int("0x_1f", 16)
  EXPECT_EQ(I(S("0x_1f"), DataType::kBigint), std::nullopt);  // int("_1f", 16)
  EXPECT_EQ(I(S("0x-1f"), DataType::kBigint), -31);
  EXPECT_EQ(I(S("0x7fffffffffffffff"), DataType::kBigint), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(I(S("0x8000000000000000"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("0X1F"), DataType::kBigint), std::nullopt);  // only "0x" is a prefix
  EXPECT_EQ(I(S("-0x1f"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("0x"), DataType::kBigint), std::nullopt);
}

TEST_F(TypeCoercionTest, TextToBigintRejects) {
  EXPECT_EQ(I(S(""), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("1.0"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("1e3"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("1__000"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("_1"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("1_"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("9223372036854775808"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("9999999999999999999999"), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S(std::string_view("4\0" "2", 3)), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(S("\xef\xbc\x94\xef\xbc\x92"), DataType::kBigint), std::nullopt);  // fullwidth digits
}

TEST_F(TypeCoercionTest, BoolAndJsonToBigintNotCoercible) {
  EXPECT_EQ(I(RawScalar::Bool(true), DataType::kBigint), std::nullopt);
  EXPECT_EQ(I(RawScalar::Json("[1]"), DataType::kBigint), std::nullopt);
}

// ---- To double ----

TEST_F(TypeCoercionTest, NumberToDouble) {
  EXPECT_EQ(D(N("3")), 3.0);
  EXPECT_EQ(D(N("0.1")), 0.1);
  EXPECT_EQ(D(N("9007199254740993")), 9007199254740992.0);
  EXPECT_EQ(D(N("1e400")), std::nullopt);
  EXPECT_EQ(D(N("-1e400")), std::nullopt);
  EXPECT_EQ(D(N("1e-400")), 0.0);
}

TEST_F(TypeCoercionTest, TextToDoubleIsPythonFloat) {
  EXPECT_EQ(D(S("3.14")), 3.14);
  EXPECT_EQ(D(S(" 1e3 ")), 1000.0);
  EXPECT_EQ(D(S(".5")), 0.5);
  EXPECT_EQ(D(S("5.")), 5.0);
  EXPECT_EQ(D(S("-2")), -2.0);
  EXPECT_EQ(D(S("1_0.5")), 10.5);
  EXPECT_EQ(D(S("0x10")), 16.0);
  EXPECT_EQ(D(S("0x-10")), -16.0);
}

TEST_F(TypeCoercionTest, TextToDoubleRejectsNonFinite) {
  EXPECT_EQ(D(S("nan")), std::nullopt);
  EXPECT_EQ(D(S("NaN")), std::nullopt);
  EXPECT_EQ(D(S("inf")), std::nullopt);
  EXPECT_EQ(D(S("-Infinity")), std::nullopt);
  EXPECT_EQ(D(S("1e400")), std::nullopt);
}

TEST_F(TypeCoercionTest, TextToDoubleRejectsGarbage) {
  EXPECT_EQ(D(S("")), std::nullopt);
  EXPECT_EQ(D(S(".")), std::nullopt);
  EXPECT_EQ(D(S("1_.5")), std::nullopt);
  EXPECT_EQ(D(S("1e")), std::nullopt);
  EXPECT_EQ(D(S("1,5")), std::nullopt);
  EXPECT_EQ(D(S("0x")), std::nullopt);
  EXPECT_EQ(D(S(std::string_view("1\0", 2))), std::nullopt);
}

TEST_F(TypeCoercionTest, BoolToDoubleNotCoercible) { EXPECT_EQ(D(RawScalar::Bool(true)), std::nullopt); }

// ---- To decimal / wei ----

TEST_F(TypeCoercionTest, DecimalDefaultPrecisionScalePads) {
  EXPECT_EQ(T(S("12.34"), DataType::kDecimal), "12.340000000");
  EXPECT_EQ(T(N("123"), DataType::kDecimal), "123.000000000");
  EXPECT_EQ(T(N("0.1"), DataType::kDecimal), "0.100000000");
  EXPECT_EQ(T(N("1e+16"), DataType::kDecimal), "10000000000000000.000000000");
}

TEST_F(TypeCoercionTest, DecimalRoundsHalfAwayFromZero) {
  EXPECT_EQ(T(S("0.005"), DataType::kDecimal, 10, 2), "0.01");
  EXPECT_EQ(T(S("-0.005"), DataType::kDecimal, 10, 2), "-0.01");
  EXPECT_EQ(T(S("0.0049999"), DataType::kDecimal, 10, 2), "0.00");
  EXPECT_EQ(T(S("2.675"), DataType::kDecimal, 10, 2), "2.68");  // exact lexeme, not the double 2.67499...
  EXPECT_EQ(T(N("0.0000000005"), DataType::kDecimal), "0.000000001");
}

TEST_F(TypeCoercionTest, DecimalNegativeZeroIsZero) {
  EXPECT_EQ(T(S("-0.004"), DataType::kDecimal, 10, 2), "0.00");
  EXPECT_EQ(T(N("-0"), DataType::kDecimal, 10, 2), "0.00");
  EXPECT_EQ(T(N("-0.0"), DataType::kDecimal, 10, 0), "0");
}

TEST_F(TypeCoercionTest, DecimalIntegerDigitsLimit) {
  EXPECT_EQ(T(S("99999999.994"), DataType::kDecimal, 10, 2), "99999999.99");
  EXPECT_EQ(T(S("99999999.995"), DataType::kDecimal, 10, 2), "<none>");  // rounds to 10^8
  EXPECT_EQ(T(S("1e7"), DataType::kDecimal, 10, 2), "10000000.00");
  EXPECT_EQ(T(S("1e8"), DataType::kDecimal, 10, 2), "<none>");
  EXPECT_EQ(T(N("99999999999999999999999999999"), DataType::kDecimal),
            "99999999999999999999999999999.000000000");
  EXPECT_EQ(T(N("100000000000000000000000000000"), DataType::kDecimal), "<none>");
}

TEST_F(TypeCoercionTest, DecimalScaleZeroAndScaleAbovePrecision) {
  EXPECT_EQ(T(S("2.5"), DataType::kDecimal, 5, 0), "3");
  EXPECT_EQ(T(S("-2.5"), DataType::kDecimal, 5, 0), "-3");
  // precision given, scale defaults to 9 independently (dlt): numeric(5,9)
  // holds only |x| < 10^-4.
  EXPECT_EQ(T(S("0.00001234"), DataType::kDecimal, 5, -1), "0.000012340");
  EXPECT_EQ(T(S("0.001"), DataType::kDecimal, 5, -1), "<none>");
}

TEST_F(TypeCoercionTest, DecimalInvalidTargetRejected) {
  EXPECT_EQ(T(S("1"), DataType::kDecimal, 0, 0), "<none>");
  EXPECT_EQ(T(S("1"), DataType::kDecimal, 1001, 0), "<none>");
  EXPECT_EQ(T(S("1"), DataType::kDecimal, 10, -5), "<none>");
}

TEST_F(TypeCoercionTest, TextToDecimalPythonSyntax) {
  EXPECT_EQ(T(S(" 1.5 "), DataType::kDecimal, 10, 2), "1.50");
  EXPECT_EQ(T(S("+.5"), DataType::kDecimal, 10, 2), "0.50");
  EXPECT_EQ(T(S("5."), DataType::kDecimal, 10, 2), "5.00");
  EXPECT_EQ(T(S("1.5E+2"), DataType::kDecimal, 10, 2), "150.00");
  EXPECT_EQ(T(S("1_0.5"), DataType::kDecimal, 10, 2), "10.50");
  EXPECT_EQ(T(S("_1_"), DataType::kDecimal, 10, 2), "1.00");  // Decimal() drops every underscore
  EXPECT_EQ(T(S("0x10"), DataType::kDecimal, 10, 2), "16.00");
  EXPECT_EQ(T(S("0x-10"), DataType::kDecimal, 10, 2), "-16.00");
}

TEST_F(TypeCoercionTest, TextToDecimalRejects) {
  EXPECT_EQ(T(S(""), DataType::kDecimal), "<none>");
  EXPECT_EQ(T(S("NaN"), DataType::kDecimal), "<none>");
  EXPECT_EQ(T(S("Infinity"), DataType::kDecimal), "<none>");
  EXPECT_EQ(T(S("1,5"), DataType::kDecimal), "<none>");
  EXPECT_EQ(T(S("1e"), DataType::kDecimal), "<none>");
  EXPECT_EQ(T(S("abc"), DataType::kDecimal), "<none>");
}

TEST_F(TypeCoercionTest, DecimalExtremeExponents) {
  EXPECT_EQ(T(S("1e-999999999999999999999"), DataType::kDecimal, 10, 2), "0.00");
  EXPECT_EQ(T(S("1e999999999999999999999"), DataType::kDecimal, 10, 2), "<none>");
  EXPECT_EQ(T(N("1e400"), DataType::kDecimal), "<none>");
}

TEST_F(TypeCoercionTest, BoolToDecimalNotCoercible) {
  EXPECT_EQ(C(RawScalar::Bool(true), DataType::kDecimal), std::nullopt);
}

TEST_F(TypeCoercionTest, WeiDefaultsAndTrailingZeros) {
  EXPECT_EQ(T(N("1000000000000000000000"), DataType::kWei), "1000000000000000000000");
  EXPECT_EQ(T(S("1.50"), DataType::kWei), "1.5");
  EXPECT_EQ(T(N("-0"), DataType::kWei), "0");
  EXPECT_EQ(T(S("0x" "ffffffffffffffffffffffffffffffff"), DataType::kWei), "340282366920938463463374607431768211455");
}

TEST_F(TypeCoercionTest, WeiBigQueryBounds) {
  EXPECT_EQ(T(N("578960446186580977117854925043439539266"), DataType::kWei),
            "578960446186580977117854925043439539266");
  EXPECT_EQ(T(N("578960446186580977117854925043439539267"), DataType::kWei), "<none>");
  EXPECT_EQ(T(N("578960446186580977117854925043439539266.1"), DataType::kWei), "<none>");
  EXPECT_EQ(T(N("-578960446186580977117854925043439539267"), DataType::kWei),
            "-578960446186580977117854925043439539267");
  EXPECT_EQ(T(N("-578960446186580977117854925043439539268"), DataType::kWei), "<none>");
}

// ---- To bool ----

TEST_F(TypeCoercionTest, NumberToBool) {
  EXPECT_EQ(B(N("0")), false);
  EXPECT_EQ(B(N("-0")), false);
  EXPECT_EQ(B(N("2")), true);
  EXPECT_EQ(B(N("0.0")), false);
  EXPECT_EQ(B(N("0.5")), true);
  EXPECT_EQ(B(N("1e-400")), false);  // 0.0 in Python
  EXPECT_EQ(B(N("1e400")), true);    // inf in Python
  EXPECT_EQ(B(N("99999999999999999999999")), true);
}

TEST_F(TypeCoercionTest, TextToBoolIsStr2bool) {
  for (const char* t : {"yes", "true", "t", "y", "1", "TRUE", "True", "Yes", "T"}) EXPECT_EQ(B(S(t)), true) << t;
  for (const char* f : {"no", "false", "f", "n", "0", "FALSE", "No", "F"}) EXPECT_EQ(B(S(f)), false) << f;
}

TEST_F(TypeCoercionTest, TextToBoolRejects) {
  for (const char* s : {"", " true", "true ", "truee", "2", "on", "off", "-1", "1.0"}) {
    EXPECT_EQ(B(S(s)), std::nullopt) << s;
  }
  EXPECT_EQ(B(S(std::string_view("t\0", 2))), std::nullopt);
}

TEST_F(TypeCoercionTest, BoolToBoolAndJsonToBool) {
  EXPECT_EQ(B(RawScalar::Bool(true)), true);
  EXPECT_EQ(B(RawScalar::Json("{}")), std::nullopt);
}

// ---- To timestamp / date / time ----

TEST_F(TypeCoercionTest, FloatEpochToTimestampRoundsHalfEven) {
  EXPECT_EQ(I(N("1705314600.25"), DataType::kTimestamp), 1705314600250000);
  EXPECT_EQ(I(N("-1.5"), DataType::kTimestamp), -1500000);
  EXPECT_EQ(I(N("1.0000005"), DataType::kTimestamp), 1000001);
  EXPECT_EQ(I(N("0.0000005"), DataType::kTimestamp), 0);
  EXPECT_EQ(I(N("1e9"), DataType::kTimestamp), 1000000000 * kUs);
}

TEST_F(TypeCoercionTest, EpochOutsidePythonRangeRejected) {
  EXPECT_EQ(I(N("253402300799"), DataType::kTimestamp), 253402300799 * kUs);
  EXPECT_EQ(I(N("253402300800"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(N("-62135596800"), DataType::kTimestamp), -62135596800 * kUs);
  EXPECT_EQ(I(N("-62135596801"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(N("9999999999999999999999"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(N("1e400"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(N("253402300799.9999995"), DataType::kTimestamp), std::nullopt);  // the double is ...800.0
}

TEST_F(TypeCoercionTest, TextToTimestampDateIsMidnight) {
  EXPECT_EQ(I(S("2024-01-15"), DataType::kTimestamp), 1705276800 * kUs);
  EXPECT_EQ(I(S("20240115"), DataType::kTimestamp), 1705276800 * kUs);  // a date, not unix seconds
  EXPECT_EQ(I(S("2024"), DataType::kTimestamp), 1704067200 * kUs);      // pendulum fallback: 2024-01-01
}

TEST_F(TypeCoercionTest, TextToTimestampNumericStringIsUnixSeconds) {
  EXPECT_EQ(I(S("1705314600"), DataType::kTimestamp), 1705314600 * kUs);
  EXPECT_EQ(I(S(" 1705314600.5 "), DataType::kTimestamp), 1705314600500000);
  EXPECT_EQ(I(S("nan"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(S("inf"), DataType::kTimestamp), std::nullopt);
}

TEST_F(TypeCoercionTest, TextToTimestampRejects) {
  EXPECT_EQ(I(S("10:30"), DataType::kTimestamp), std::nullopt);  // a time, no float fallback
  EXPECT_EQ(I(S(""), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(S("yesterday"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(S("2024-13-45T99:99:99Z"), DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(I(RawScalar::Bool(true), DataType::kTimestamp), std::nullopt);
}

TEST_F(TypeCoercionTest, ToDate) {
  EXPECT_EQ(I(S("2024-01-15"), DataType::kDate), 19737);
  EXPECT_EQ(I(S("2024-01-15T23:30:00-02:00"), DataType::kDate), 19738);
  EXPECT_EQ(I(S("1705314600"), DataType::kDate), 19737);
  EXPECT_EQ(I(N("1705314600"), DataType::kDate), 19737);
  EXPECT_EQ(I(N("-1"), DataType::kDate), -1);
  EXPECT_EQ(I(N("-0.5"), DataType::kDate), -1);
  EXPECT_EQ(I(S("10:30"), DataType::kDate), std::nullopt);
  EXPECT_EQ(I(RawScalar::Bool(false), DataType::kDate), std::nullopt);
}

TEST_F(TypeCoercionTest, ToTime) {
  EXPECT_EQ(I(S("10:30:00"), DataType::kTime), 37800 * kUs);
  EXPECT_EQ(I(S("10:30:00.25+02:00"), DataType::kTime), 30600250000);
  EXPECT_EQ(I(S("2024-01-15T10:30"), DataType::kTime), std::nullopt);
  EXPECT_EQ(I(N("37800"), DataType::kTime), std::nullopt);
}

// ---- To binary ----

TEST_F(TypeCoercionTest, HexToBinary) {
  EXPECT_EQ(T(S("0xdeadbeef"), DataType::kBinary), "\xde\xad\xbe\xef");
  EXPECT_EQ(T(S("0xDE AD\tBE\nEF "), DataType::kBinary), "\xde\xad\xbe\xef");  // fromhex skips whitespace
  EXPECT_EQ(T(S("0x"), DataType::kBinary), "");
  EXPECT_EQ(T(S("0x00"), DataType::kBinary), std::string(1, '\0'));
  EXPECT_EQ(T(S("0xabc"), DataType::kBinary), "<none>");
  EXPECT_EQ(T(S("0xa bc"), DataType::kBinary), "<none>");
  EXPECT_EQ(T(S("0xzz"), DataType::kBinary), "<none>");
}

TEST_F(TypeCoercionTest, Base64ToBinary) {
  EXPECT_EQ(T(S("Zm9vYmFy"), DataType::kBinary), "foobar");
  EXPECT_EQ(T(S("Zg=="), DataType::kBinary), "f");
  EXPECT_EQ(T(S("Zm8="), DataType::kBinary), "fo");
  EXPECT_EQ(T(S("Zh=="), DataType::kBinary), "f");  // leftover bits ignored, as in Python
  EXPECT_EQ(T(S("+/+/"), DataType::kBinary), "\xfb\xff\xbf");
  EXPECT_EQ(T(S(""), DataType::kBinary), "");
}

TEST_F(TypeCoercionTest, Base64ToBinaryRejects) {
  for (const char* s : {"Zg", "Zg=", "Zm9", "Zm9v==", "Zm9v=", "==", "=", "Z", "Zm 9v", "Zm9v\n", "Zm-v",
                        "Zg==Zg==", "abc=="}) {
    EXPECT_EQ(T(S(s), DataType::kBinary), "<none>") << s;
  }
}

TEST_F(TypeCoercionTest, IntegerToBinaryLittleEndian) {
  EXPECT_EQ(T(N("258"), DataType::kBinary), "\x02\x01");
  EXPECT_EQ(T(N("0"), DataType::kBinary), "");
  EXPECT_EQ(T(N("-0"), DataType::kBinary), "");
  EXPECT_EQ(T(N("18446744073709551616"), DataType::kBinary), std::string(8, '\0') + "\x01");
  EXPECT_EQ(T(N("-1"), DataType::kBinary), "<none>");
  EXPECT_EQ(T(N("3.0"), DataType::kBinary), "<none>");
  EXPECT_EQ(T(RawScalar::Bool(true), DataType::kBinary), "<none>");
}

// ---- Hostile input ----

TEST_F(TypeCoercionTest, HostileTenMegabyteNumber) {
  const RawScalar n = N(kTenMbNines);
  EXPECT_TRUE(T(n, DataType::kText) == kTenMbNines);
  EXPECT_EQ(C(n, DataType::kBigint), std::nullopt);
  EXPECT_EQ(C(n, DataType::kDouble), std::nullopt);
  EXPECT_EQ(C(n, DataType::kDecimal), std::nullopt);
  EXPECT_EQ(C(n, DataType::kWei), std::nullopt);
  EXPECT_EQ(B(n), true);
  EXPECT_EQ(C(n, DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(C(n, DataType::kDate), std::nullopt);
  EXPECT_EQ(C(n, DataType::kBinary), std::nullopt);  // beyond Python's 4300-digit int limit
  EXPECT_EQ(C(n, DataType::kJson), std::nullopt);
}

TEST_F(TypeCoercionTest, HostileTenMegabyteString) {
  const RawScalar s = S(kTenMbNines);
  EXPECT_EQ(C(s, DataType::kBigint), std::nullopt);
  EXPECT_EQ(C(s, DataType::kDouble), std::nullopt);  // float() gives inf
  EXPECT_EQ(C(s, DataType::kDecimal), std::nullopt);
  EXPECT_EQ(C(s, DataType::kTimestamp), std::nullopt);
  EXPECT_EQ(C(s, DataType::kBool), std::nullopt);
  // A JSON number, but beyond double range: RapidJSON refuses it even when
  // keeping numbers as text (Python's json would refuse it too: > 4300 digits).
  EXPECT_EQ(C(s, DataType::kJson), std::nullopt);
  const std::optional<Value> bin = C(s, DataType::kBinary);  // valid base64 alphabet, length % 4 == 0
  ASSERT_TRUE(bin.has_value());
  EXPECT_EQ(bin->text.size(), kTenMbNines.size() / 4 * 3);
  const std::string garbage = std::string(10 * 1024 * 1024, 'x') + "!";
  const RawScalar x = S(garbage);
  for (const DataType t : {DataType::kBigint, DataType::kDouble, DataType::kDecimal, DataType::kBool,
                           DataType::kTimestamp, DataType::kDate, DataType::kTime, DataType::kBinary,
                           DataType::kJson}) {
    EXPECT_EQ(C(x, t), std::nullopt) << schema::DataTypeName(t);
  }
}

TEST_F(TypeCoercionTest, HostileSmallValues) {
  for (const char* s : {"9999999999999999999999", "1e400", "-0", "NaN", "-nan", "Infinity", "\xff", "\xc3\x28"}) {
    for (int t = 0; t < schema::kDataTypeCount; ++t) {
      (void)C(S(s), static_cast<DataType>(t));
      (void)C(N(s), static_cast<DataType>(t));
    }
  }
  EXPECT_EQ(I(S("-0"), DataType::kBigint), 0);
  EXPECT_EQ(D(S("-0")), -0.0);
  EXPECT_EQ(T(S("-0"), DataType::kDecimal, 3, 1), "0.0");
  EXPECT_EQ(B(S("-0")), std::nullopt);
  EXPECT_EQ(D(S("9999999999999999999999")), 1e22);
  EXPECT_EQ(T(S("9999999999999999999999"), DataType::kWei), "9999999999999999999999");
}

TEST_F(TypeCoercionTest, EveryPairIsDefined) {
  const RawScalar inputs[] = {S(""), S("x"), S("1"), S("2024-01-15T10:30:00Z"), N("1"), N("1.5"), N("-0"),
                              N(""), N("garbage"), RawScalar::Bool(true), RawScalar::Json("{}"),
                              RawScalar::Json("")};
  for (const RawScalar& in : inputs) {
    for (int t = 0; t < schema::kDataTypeCount; ++t) {
      TargetType target;
      target.data_type = static_cast<DataType>(t);
      const std::optional<Value> v = Coerce(in, target, arena_);
      if (v) {
        EXPECT_EQ(v->type, target.data_type);
      }
    }
  }
}

}  // namespace
}  // namespace ingestd::infer
