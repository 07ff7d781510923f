#include "core/destinations/sqlite/sqlite_type_mapping.hpp"

#include <cctype>
#include <cstdio>

#include "core/common/check.hpp"
#include "core/common/zero_padded.hpp"

namespace ingestd::destinations::sqlite {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1000000;
constexpr std::int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void AppendDate(std::string& out, std::int64_t days) {
  CivilDate c = CivilFromDays(days);
  if (c.year >= 0 && c.year <= 9999) {
    AppendZeroPadded(out, c.year, 4);
    out.push_back('-');
    AppendZeroPadded(out, c.month, 2);
    out.push_back('-');
    AppendZeroPadded(out, c.day, 2);
    return;
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month,
                        c.day);
  out.append(buf, static_cast<std::size_t>(n));
}

void AppendTime(std::string& out, std::int64_t time_micros) {
  const std::int64_t seconds = time_micros / kMicrosPerSecond;
  const std::int64_t fraction = time_micros % kMicrosPerSecond;
  if (time_micros >= 0 && seconds / 3600 < 100) {
    AppendTimeOfDay(out, time_micros);
    return;
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                        static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  out.append(buf, static_cast<std::size_t>(n));
  if (fraction != 0) {
    n = std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(fraction));
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::string UpperTrimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (auto paren = s.find('('); paren != std::string_view::npos) {
    s = s.substr(0, paren);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  }
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Reads exactly `width` digits at `pos`.
bool ReadDigits(std::string_view s, std::size_t& pos, int width, std::int64_t& value) {
  if (pos + static_cast<std::size_t>(width) > s.size()) return false;
  value = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[pos++];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::string SqliteTypeName(const schema::ColumnSchema& column) {
  INGESTD_CHECK(column.data_type.has_value());
  using schema::DataType;
  switch (*column.data_type) {
    case DataType::kText: return "TEXT";
    case DataType::kBigint: return "INTEGER";
    case DataType::kDouble: return "REAL";
    case DataType::kBool: return "BOOLEAN";
    case DataType::kTimestamp: return "TIMESTAMP";
    case DataType::kDate: return "DATE";
    case DataType::kTime: return "TIME";
    case DataType::kDecimal:
    case DataType::kWei: return "DECIMAL_TEXT";
    case DataType::kJson: return "JSON_TEXT";
    case DataType::kBinary: return "BLOB";
  }
  return "TEXT";
}

bool SqliteTypeMatches(std::string_view declared, std::string_view expected) {
  return UpperTrimmed(declared) == UpperTrimmed(expected);
}

std::string FormatSqliteTimestamp(std::int64_t micros, bool with_offset) {
  std::string out;
  out.reserve(32);
  const std::int64_t days = FloorDiv(micros, kMicrosPerDay);
  AppendDate(out, days);
  out += ' ';
  AppendTime(out, micros - days * kMicrosPerDay);
  if (with_offset) out += "+00:00";
  return out;
}

std::string FormatSqliteDate(std::int64_t days) {
  std::string out;
  AppendDate(out, days);
  return out;
}

std::string FormatSqliteTime(std::int64_t time_micros) {
  std::string out;
  AppendTime(out, time_micros);
  return out;
}

std::optional<std::int64_t> ParseSqliteTimestamp(std::string_view s) {
  std::size_t pos = 0;
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, fraction = 0;
  if (!ReadDigits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
  if (!ReadDigits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
  if (!ReadDigits(s, pos, 2, day)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
    ++pos;
    if (!ReadDigits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
    if (!ReadDigits(s, pos, 2, minute) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
    if (!ReadDigits(s, pos, 2, second)) return std::nullopt;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 6) fraction = fraction * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return std::nullopt;
      for (; digits < 6; ++digits) fraction *= 10;
    }
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos++] == '-' ? -1 : 1;
      std::int64_t oh = 0, om = 0;
      if (!ReadDigits(s, pos, 2, oh)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (!ReadDigits(s, pos, 2, om)) return std::nullopt;
      offset_seconds = sign * (oh * 3600 + om * 60);
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * kMicrosPerSecond + fraction;
}

}  // namespace ingestd::destinations::sqlite
