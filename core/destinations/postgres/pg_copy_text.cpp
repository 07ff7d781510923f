#include "core/destinations/postgres/pg_copy_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/zero_padded.hpp"

namespace ingestd::destinations::postgres {
namespace {

using schema::DataType;

void AppendEscaped(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    char escaped;
    switch (c) {
      case '\\': escaped = '\\'; break;
      case '\t': escaped = 't'; break;
      case '\n': escaped = 'n'; break;
      case '\r': escaped = 'r'; break;
      default: continue;
    }
    out.append(s.data() + start, i - start);
    out.push_back('\\');
    out.push_back(escaped);
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}

void AppendInt(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  out.append(buf, end);
}

// Floor division for negative microseconds and days.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Proleptic Gregorian date from days since 1970-01-01 (H. Hinnant's
// civil_from_days). Returns true when the year is BC (PostgreSQL has no year
// 0: astronomical year 0 is 1 BC).
bool AppendDate(std::string& out, std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  const bool bc = y <= 0;
  AppendZeroPadded(out, bc ? 1 - y : y, 4);
  out.push_back('-');
  AppendZeroPadded(out, m, 2);
  out.push_back('-');
  AppendZeroPadded(out, d, 2);
  return bc;
}

// "YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]" for microseconds since the epoch
// (UTC). The offset makes the value independent of the session TimeZone; a
// `timestamp without time zone` column ignores it.
void AppendTimestamp(std::string& out, std::int64_t micros) {
  const std::int64_t days = FloorDiv(micros, 86'400'000'000LL);
  const bool bc = AppendDate(out, days);
  out.push_back(' ');
  AppendTimeOfDay(out, micros - days * 86'400'000'000LL);
  out.append("+00");
  if (bc) out.append(" BC");
}

void AppendDouble(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round-trip form
    (void)ec;
    out.append(buf, end);
  }
}

}  // namespace

void AppendTextCopyValue(std::string& out, const schema::Value& v) {
  switch (v.type) {
    case DataType::kBigint: AppendInt(out, v.int_value); return;
    case DataType::kDouble: AppendDouble(out, v.double_value); return;
    case DataType::kBool: out.push_back(v.bool_value ? 't' : 'f'); return;
    case DataType::kTimestamp: AppendTimestamp(out, v.int_value); return;
    case DataType::kDate:
      if (AppendDate(out, v.int_value)) out.append(" BC");
      return;
    case DataType::kTime: AppendTimeOfDay(out, v.int_value); return;
    case DataType::kBinary: {
      // bytea hex input `\x..`, its backslash escaped for COPY.
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\\\x");
      for (unsigned char c : v.text) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      }
      return;
    }
    case DataType::kText:
    case DataType::kJson:
    case DataType::kDecimal:
    case DataType::kWei: AppendEscaped(out, v.text); return;
  }
}

void AppendTimestampLiteral(std::string& out, std::int64_t unix_micros) { AppendTimestamp(out, unix_micros); }

void AppendDoubleLiteral(std::string& out, double v) { AppendDouble(out, v); }

}  // namespace ingestd::destinations::postgres
