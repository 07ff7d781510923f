#include "core/infer/timestamp_detection.hpp"

#include <array>
#include <cstddef>

#include "core/common/ascii.hpp"
#include "core/common/zero_padded.hpp"

namespace ingestd::infer {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
// Python's datetime requires |utcoffset| < 24h.
constexpr int kMaxOffsetMinutes = 24 * 60;

bool IsLeap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInYear(int year) { return IsLeap(year) ? 366 : 365; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 13> kDays = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[static_cast<std::size_t>(month)];
}

// The fields of a parsed value before Python's constructors validate them.
// Every field holds at most a few digits, so plain ints cannot overflow.
struct Fields {
  int year = 0;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int micros = 0;
  bool has_date = false;
  bool has_time = false;
  bool has_offset = false;
  int offset_minutes = 0;
};

// Reads `text` one byte at a time. A byte >= 0x80 never equals an ASCII
// character we test for, so reading bytes instead of code points (as the
// Rust parser does) makes no difference to what is accepted.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool End() const { return pos_ >= text_.size(); }
  // '\0' at the end, like the Rust parser; callers test End() where an
  // embedded NUL must not be mistaken for the end.
  char Cur() const { return End() ? '\0' : text_[pos_]; }
  void Inc() {
    if (!End()) ++pos_;
  }
  // Exactly `count` ASCII digits.
  bool Int(int count, int& out) {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      if (End() || !IsAsciiDigit(text_[pos_])) return false;
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    out = value;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Ordinal day -> month/day, as pendulum's Rust ordinal_to_ymd computes it.
// Its month search compares with `<` where `<=` was meant, so the last day
// of every month comes out as day 0 of the next month, which Python then
// rejects: "2024-031", "2024-366" and "2020-W53-4" (Dec 31) are not dates
// in dlt. ingestd reproduces that.
bool OrdinalToDate(int year, int ordinal, Fields& f) {
  static constexpr std::array<std::array<int, 14>, 2> kOffsets = {{
      {-1, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
      {-1, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
  }};
  if (ordinal < 1 || ordinal > DaysInYear(year)) return false;
  const auto& offsets = kOffsets[IsLeap(year) ? 1 : 0];
  for (std::size_t i = 1; i < offsets.size(); ++i) {
    if (ordinal < offsets[i]) {
      f.year = year;
      f.month = static_cast<int>(i) - 1;
      f.day = ordinal - offsets[i - 1];  // 0 on a month's last day: invalid
      return true;
    }
  }
  return false;  // day 365/366 of the year never satisfies `<`
}

// ISO weekday (Mon=1..Sun=7) of a proleptic Gregorian date.
int IsoWeekday(int year, int month, int day) {
  const std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  // 1970-01-01 was a Thursday (4).
  std::int64_t w = (days + 3) % 7;
  if (w < 0) w += 7;
  return static_cast<int>(w) + 1;
}

bool IsLongIsoYear(int year) {
  // A year has 53 ISO weeks when it starts on a Thursday, or is a leap year
  // starting on a Wednesday.
  const int jan1 = IsoWeekday(year, 1, 1);
  return jan1 == 4 || (jan1 == 3 && IsLeap(year));
}

// Pendulum's iso_to_ymd: week 0 and weekday 0 are accepted and count back
// into the previous week/year, as in the Rust parser.
bool IsoWeekToDate(int iso_year, int week, int weekday, Fields& f) {
  if (week > 53 || (week > 52 && !IsLongIsoYear(iso_year))) return false;
  if (weekday > 7) return false;
  int ordinal = week * 7 + weekday - (IsoWeekday(iso_year, 1, 4) + 3);
  int year = iso_year;
  if (ordinal < 1) {
    --year;
    ordinal += DaysInYear(year);
  } else if (ordinal > DaysInYear(year)) {
    ordinal -= DaysInYear(year);
    ++year;
  }
  return OrdinalToDate(year, ordinal, f);
}

// Optional fraction after the seconds: '.' or ',' then at least one digit;
// the first six digits count, the rest are dropped (any number of them).
bool ParseRustFraction(Cursor& c, Fields& f) {
  if (c.Cur() != '.' && c.Cur() != ',') return true;
  c.Inc();
  int micros = 0;
  int digits = 0;
  while (digits < 6 && !c.End() && IsAsciiDigit(c.Cur())) {
    micros = micros * 10 + (c.Cur() - '0');
    c.Inc();
    ++digits;
  }
  if (digits == 0) return false;
  while (!c.End() && IsAsciiDigit(c.Cur())) c.Inc();
  for (; digits < 6; ++digits) micros *= 10;
  f.micros = micros;
  return true;
}

bool IsZoneStart(char ch) { return ch == 'Z' || ch == '+' || ch == '-'; }

// Pendulum's Rust parse_time. `extended` says whether the date (or the time
// itself, for "HH:MM") used the extended format with separators.
bool ParseRustTime(Cursor& c, Fields& f, bool skip_hour, bool extended) {
  if (!skip_hour) {
    if (c.Cur() != 'T' && c.Cur() != ' ') return false;
    c.Inc();
    if (!c.Int(2, f.hour)) return false;
  }
  f.has_time = true;
  if (!c.End() && !IsZoneStart(c.Cur())) {
    if (c.Cur() == ':') {
      c.Inc();
      if (!c.Int(2, f.minute)) return false;
      if (!c.End() && !IsZoneStart(c.Cur())) {
        if (c.Cur() != ':') return false;
        c.Inc();
        if (!c.Int(2, f.second)) return false;
        if (!ParseRustFraction(c, f)) return false;
        // "Cannot combine basic date format with extended time format"; the
        // Rust parser checks this only when seconds are present.
        if (!extended) return false;
      }
    } else {
      if (!c.Int(2, f.minute)) return false;
      if (!c.End() && !IsZoneStart(c.Cur())) {
        if (!c.Int(2, f.second)) return false;
        if (!ParseRustFraction(c, f)) return false;
      }
      if (extended) return false;
    }
  }
  if (c.Cur() == 'Z') {
    f.has_offset = true;
    f.offset_minutes = 0;
    c.Inc();
  } else if (c.Cur() == '+' || c.Cur() == '-') {
    const int sign = c.Cur() == '+' ? 1 : -1;
    c.Inc();
    int tz_hour = 0;
    if (!c.Int(2, tz_hour)) return false;
    if (c.Cur() == ':') c.Inc();
    int tz_minute = 0;
    if (!c.End() && !c.Int(2, tz_minute)) return false;
    const int total = sign * (tz_hour * 60 + tz_minute);
    if (total > kMaxOffsetMinutes) return false;  // the Rust parser's own (one-sided) check
    f.has_offset = true;
    f.offset_minutes = total;
  }
  return true;
}

// Pendulum 3's Rust parse_iso8601 (syntax only; Python validates values).
bool ParseRustIso(std::string_view text, Fields& f) {
  Cursor c(text);
  // 'P' starts a duration: a valid parse, but never a date or time.
  if (c.Cur() == 'P') return false;
  if (c.Cur() == 'T') {
    if (!ParseRustTime(c, f, /*skip_hour=*/false, /*extended=*/false)) return false;
    return c.End();
  }
  int head = 0;
  if (!c.Int(2, head)) return false;
  if (c.Cur() == ':') {
    f.hour = head;
    if (!ParseRustTime(c, f, /*skip_hour=*/true, /*extended=*/true)) return false;
    return c.End();
  }
  f.has_date = true;
  int low = 0;
  if (!c.Int(2, low)) return false;
  const int year = head * 100 + low;
  f.year = year;
  bool extended = false;
  auto at_time_or_end = [&c] { return c.End() || c.Cur() == ' ' || c.Cur() == 'T'; };
  if (c.Cur() == '-') {
    c.Inc();
    extended = true;
    if (c.Cur() == 'W') {
      c.Inc();
      int week = 0;
      int weekday = 1;
      if (!c.Int(2, week)) return false;
      if (!at_time_or_end()) {
        if (c.Cur() != '-') return false;
        c.Inc();
        if (!c.Int(1, weekday)) return false;
      }
      if (!IsoWeekToDate(year, week, weekday, f)) return false;
    } else {
      if (!c.Int(2, f.month)) return false;
      if (!at_time_or_end()) {
        if (c.Cur() == '-') {
          c.Inc();
          if (!c.Int(2, f.day)) return false;
        } else {
          int digit = 0;
          if (!c.Int(1, digit)) return false;
          if (!OrdinalToDate(year, f.month * 10 + digit, f)) return false;
        }
      } else {
        f.day = 1;
      }
    }
  } else if (c.Cur() == 'W') {
    c.Inc();
    int week = 0;
    int weekday = 1;
    if (!c.Int(2, week)) return false;
    if (!at_time_or_end() && !c.Int(1, weekday)) return false;
    if (!IsoWeekToDate(year, week, weekday, f)) return false;
  } else {
    if (!c.Int(2, f.month)) return false;
    int digit = 0;
    if (!c.Int(1, digit)) return false;
    if (at_time_or_end()) {
      if (!OrdinalToDate(year, f.month * 10 + digit, f)) return false;
    } else {
      int last = 0;
      if (!c.Int(1, last)) return false;
      f.day = digit * 10 + last;
    }
  }
  if (!c.End() && !ParseRustTime(c, f, /*skip_hour=*/false, extended)) return false;
  // Anything left (an interval "/...", garbage) is an error.
  return c.End();
}

// ---- pendulum.parsing._parse_common -------------------------------------
//
// Its regex, with Python's backtracking made explicit:
//   ^ (YYYY ([/:]?MM [/:]?DD)?)? ( ?H{1,2}:M{0,2}(:S{1,2})?([.|,]F{1,9})?)? $
// The only real choice is whether the month/day group is taken: the regex
// tries it first and falls back to the year alone when the rest fails.
// Separators and greedy digit runs are otherwise forced. `$` also matches
// before one final "\n".

struct CommonTime {
  bool present = false;
  int hour = 0;
  bool has_minute = false;
  int minute = 0;
  int second = 0;
  int micros = 0;
};

// Greedy run of up to `max` ASCII digits starting at `pos`.
std::size_t DigitRun(std::string_view s, std::size_t pos, std::size_t max) {
  std::size_t n = 0;
  while (n < max && pos + n < s.size() && IsAsciiDigit(s[pos + n])) ++n;
  return n;
}

int ToInt(std::string_view s, std::size_t pos, std::size_t len) {
  int v = 0;
  for (std::size_t i = 0; i < len; ++i) v = v * 10 + (s[pos + i] - '0');
  return v;
}

// Matches the optional time group and then the end of `s`.
bool MatchCommonTimeToEnd(std::string_view s, std::size_t pos, CommonTime& t) {
  if (pos == s.size()) return true;  // no time group
  if (s[pos] == ' ') ++pos;
  const std::size_t hour_len = DigitRun(s, pos, 2);
  if (hour_len == 0) return false;
  // Greedy \d{1,2} followed by ':' is forced: a shorter run would leave a
  // digit where ':' is required.
  if (pos + hour_len >= s.size() || s[pos + hour_len] != ':') return false;
  t.hour = ToInt(s, pos, hour_len);
  pos += hour_len + 1;
  const std::size_t minute_len = DigitRun(s, pos, 2);
  if (minute_len > 0) {
    t.has_minute = true;
    t.minute = ToInt(s, pos, minute_len);
    pos += minute_len;
  }
  if (pos < s.size() && s[pos] == ':') {
    const std::size_t second_len = DigitRun(s, pos + 1, 2);
    if (second_len > 0) {
      t.second = ToInt(s, pos + 1, second_len);
      pos += 1 + second_len;
    }
  }
  if (pos < s.size() && (s[pos] == '.' || s[pos] == '|' || s[pos] == ',')) {
    const std::size_t frac_len = DigitRun(s, pos + 1, 9);
    if (frac_len > 0) {
      // The first six digits, right-padded with zeros; no rounding.
      int micros = 0;
      for (std::size_t i = 0; i < 6; ++i) {
        micros = micros * 10 + (i < frac_len ? s[pos + 1 + i] - '0' : 0);
      }
      t.micros = micros;
      pos += 1 + frac_len;
    }
  }
  if (pos != s.size()) return false;
  t.present = true;
  return true;
}

bool ParseCommon(std::string_view text, Fields& f) {
  std::string_view s = text;
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  CommonTime t;
  bool has_date = false;
  if (DigitRun(s, 0, 4) == 4) {
    has_date = true;
    f.year = ToInt(s, 0, 4);
    // First choice: year + month/day.
    std::size_t pos = 4;
    bool month_day = false;
    if (pos < s.size() && (s[pos] == '/' || s[pos] == ':')) ++pos;
    if (DigitRun(s, pos, 2) == 2) {
      const int month = ToInt(s, pos, 2);
      pos += 2;
      if (pos < s.size() && (s[pos] == '/' || s[pos] == ':')) ++pos;
      if (DigitRun(s, pos, 2) == 2) {
        const int day = ToInt(s, pos, 2);
        pos += 2;
        CommonTime attempt;
        if (MatchCommonTimeToEnd(s, pos, attempt)) {
          month_day = true;
          f.month = month;
          f.day = day;
          t = attempt;
        }
      }
    }
    // Second choice: the year alone (January 1st).
    if (!month_day) {
      if (!MatchCommonTimeToEnd(s, 4, t)) return false;
      f.month = 1;
      f.day = 1;
    }
  } else {
    // Four leading digits always allow the date branch, so a match without
    // it needs ':' within the first three bytes; fine to just try.
    if (!MatchCommonTimeToEnd(s, 0, t)) return false;
  }
  if (!t.present) {
    // date(year, month, day); the empty string gives date(0, 1, 1): invalid.
    f.has_date = true;
    if (!has_date) f.year = 0;
    return true;
  }
  // int(None) raises TypeError for "H:" without minutes.
  if (!t.has_minute) return false;
  f.has_date = has_date;
  f.has_time = true;
  f.hour = t.hour;
  f.minute = t.minute;
  f.second = t.second;
  f.micros = t.micros;
  return true;
}

// What Python's date/time/datetime constructors and utcoffset() accept.
bool ValidFields(const Fields& f) {
  if (f.has_date) {
    if (f.year < 1 || f.year > 9999) return false;
    if (f.month < 1 || f.month > 12) return false;
    if (f.day < 1 || f.day > DaysInMonth(f.year, f.month)) return false;
  }
  if (f.has_time) {
    if (f.hour > 23 || f.minute > 59 || f.second > 59) return false;
    if (f.has_offset && (f.offset_minutes >= kMaxOffsetMinutes || f.offset_minutes <= -kMaxOffsetMinutes)) {
      return false;
    }
  }
  return f.has_date || f.has_time;
}

std::optional<IsoValue> ToIsoValue(const Fields& f) {
  const std::int64_t time_micros =
      (static_cast<std::int64_t>(f.hour) * 3600 + f.minute * 60 + f.second) * kMicrosPerSecond + f.micros -
      static_cast<std::int64_t>(f.offset_minutes) * 60 * kMicrosPerSecond;
  if (f.has_date && f.has_time) {
    const std::int64_t days = DaysFromCivil(f.year, static_cast<unsigned>(f.month), static_cast<unsigned>(f.day));
    const std::int64_t micros = days * kMicrosPerDay + time_micros;
    // An offset can push a valid local time out of Python's range; dlt
    // would fail converting it to UTC, ingestd treats it as not a date-time.
    if (micros < kMinTimestampMicros || micros > kMaxTimestampMicros) return std::nullopt;
    return IsoValue{IsoKind::kDateTime, micros};
  }
  if (f.has_date) {
    return IsoValue{IsoKind::kDate,
                    DaysFromCivil(f.year, static_cast<unsigned>(f.month), static_cast<unsigned>(f.day))};
  }
  std::int64_t wrapped = time_micros % kMicrosPerDay;
  if (wrapped < 0) wrapped += kMicrosPerDay;
  return IsoValue{IsoKind::kTime, wrapped};
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// Inverse of DaysFromCivil (Howard Hinnant's algorithm).
Civil CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return {m <= 2 ? y + 1 : y, m, d};
}

void AppendDate(std::string& out, std::int64_t days) {
  const Civil c = CivilFromDays(days);
  AppendZeroPadded(out, c.year, 4);
  out.push_back('-');
  AppendZeroPadded(out, c.month, 2);
  out.push_back('-');
  AppendZeroPadded(out, c.day, 2);
}

}  // namespace

std::optional<IsoValue> ParseIsoLike(std::string_view text) {
  // dlt tries parse_iso8601 and falls back to _parse_common on any
  // ValueError, which includes Python rejecting the parsed fields.
  Fields iso;
  if (ParseRustIso(text, iso) && ValidFields(iso)) return ToIsoValue(iso);
  Fields common;
  if (ParseCommon(text, common) && ValidFields(common)) return ToIsoValue(common);
  return std::nullopt;
}

std::optional<std::int64_t> ParseIsoTimestamp(std::string_view text) {
  const std::optional<IsoValue> v = ParseIsoLike(text);
  if (!v || v->kind != IsoKind::kDateTime) return std::nullopt;
  return v->value;
}

std::optional<std::int64_t> ParseIsoDate(std::string_view text) {
  const std::optional<IsoValue> v = ParseIsoLike(text);
  if (!v) return std::nullopt;
  switch (v->kind) {
    case IsoKind::kDate:
      return v->value;
    case IsoKind::kDateTime:
      return FloorDiv(v->value, kMicrosPerDay);
    case IsoKind::kTime:
      break;
  }
  return std::nullopt;
}

std::optional<std::int64_t> ParseIsoTime(std::string_view text) {
  const std::optional<IsoValue> v = ParseIsoLike(text);
  if (!v || v->kind != IsoKind::kTime) return std::nullopt;
  return v->value;
}

std::string FormatTimestamp(std::int64_t micros_since_epoch) {
  const std::int64_t days = FloorDiv(micros_since_epoch, kMicrosPerDay);
  const std::int64_t rest = micros_since_epoch - days * kMicrosPerDay;
  std::string out;
  out.reserve(32);
  AppendDate(out, days);
  out.push_back('T');
  AppendTimeOfDay(out, rest);
  out += "+00:00";
  return out;
}

std::string FormatDate(std::int64_t days_since_epoch) {
  std::string out;
  out.reserve(10);
  AppendDate(out, days_since_epoch);
  return out;
}

std::string FormatTime(std::int64_t micros_since_midnight) {
  std::int64_t v = micros_since_midnight % kMicrosPerDay;
  if (v < 0) v += kMicrosPerDay;
  std::string out;
  out.reserve(15);
  AppendTimeOfDay(out, v);
  return out;
}

std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil: years start in March so the leap day
  // is the last day of the (shifted) year.
  const std::int64_t y = month <= 2 ? year - 1 : year;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::uint64_t>(y - era * 400);
  const std::uint64_t mp = month > 2 ? month - 3 : month + 9;
  const std::uint64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace ingestd::infer
