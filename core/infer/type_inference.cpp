#include "core/infer/type_inference.hpp"

#include <cstddef>
#include <string_view>

#include "core/infer/timestamp_detection.hpp"

namespace ingestd::infer {
namespace {

using schema::DataType;

// dlt's `timestamp` detector window: 5 * 365 days either side of "now".
constexpr double kTimestampWindowSeconds = 5 * 31536000.0;

// is_large_integer: above this an integer is text, not wei (BigQuery's
// BIGNUMERIC limit, which dlt applies everywhere).
constexpr std::string_view kMaxWeiDigits = "578960446186580977117854925043439539266";

// numeric(38,9) holds 29 integer digits: ingestd's limit for typing a
// beyond-int64 integer as decimal.
constexpr std::size_t kMaxDecimalIntegerDigits = 29;

bool InTimestampWindow(double v, double now) {
  return v >= now - kTimestampWindowSeconds && v <= now + kTimestampWindowSeconds;
}

// Digits of an integer lexeme without sign and leading zeros.
std::string_view SignificantDigits(std::string_view lexeme) {
  if (!lexeme.empty() && lexeme[0] == '-') lexeme.remove_prefix(1);
  const std::size_t nz = lexeme.find_first_not_of('0');
  return nz == std::string_view::npos ? std::string_view() : lexeme.substr(nz);
}

bool GreaterThan(std::string_view digits, std::string_view bound) {
  if (digits.size() != bound.size()) return digits.size() > bound.size();
  return digits > bound;
}

DataType InferNumber(const RawScalar& value, const DetectionSettings& settings) {
  if (!value.IsNumberLexeme()) return DataType::kText;  // not produced by a JSON parser; keep it verbatim
  if (value.IsIntegerLexeme()) {
    if (const std::optional<std::int64_t> i = value.IntegerAsInt64()) {
      if (settings.timestamp && InTimestampWindow(static_cast<double>(*i), settings.now_unix_seconds)) {
        return DataType::kTimestamp;
      }
      return DataType::kBigint;
    }
    const bool negative = value.text[0] == '-';
    const std::string_view digits = SignificantDigits(value.text);
    // dlt's large_integer only looks at values above int64 max; a very
    // negative integer stays "bigint" there (and fails to load), so ingestd
    // applies its own rule to it.
    if (settings.large_integer && !negative) {
      return GreaterThan(digits, kMaxWeiDigits) ? DataType::kText : DataType::kWei;
    }
    return digits.size() <= kMaxDecimalIntegerDigits ? DataType::kDecimal : DataType::kText;
  }
  const std::optional<double> d = value.NumberAsDouble();
  if (!d) return DataType::kText;  // overflows double: dlt would hold inf
  if (settings.timestamp && InTimestampWindow(*d, settings.now_unix_seconds)) return DataType::kTimestamp;
  return DataType::kDouble;
}

DataType InferString(std::string_view text, const DetectionSettings& settings) {
  // dlt's string detectors skip empty strings.
  if (text.empty() || !(settings.iso_timestamp || settings.iso_date)) return DataType::kText;
  const std::optional<IsoValue> iso = ParseIsoLike(text);
  if (!iso) return DataType::kText;
  if (settings.iso_timestamp && iso->kind == IsoKind::kDateTime) return DataType::kTimestamp;
  if (settings.iso_date && iso->kind == IsoKind::kDate) return DataType::kDate;
  return DataType::kText;
}

}  // namespace

schema::DataType InferDataType(const RawScalar& value, const DetectionSettings& settings) {
  switch (value.kind) {
    case ScalarKind::kBool:
      return DataType::kBool;
    case ScalarKind::kJson:
      return DataType::kJson;
    case ScalarKind::kString:
      return InferString(value.text, settings);
    case ScalarKind::kNumber:
      return InferNumber(value, settings);
  }
  return DataType::kText;
}

}  // namespace ingestd::infer
