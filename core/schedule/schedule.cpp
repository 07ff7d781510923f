#include "core/schedule/schedule.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/common/check.hpp"

namespace ingestd::schedule {
namespace {

// ---------------------------------------------------------------------------
// Civil dates (proleptic Gregorian, UTC), after Howard Hinnant's
// civil_from_days: exact for any year, no time zone library.

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct CivilDate {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

CivilDate CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = FloorDiv(z, 146097);
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool IsLeapYear(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int DaysInMonth(std::int64_t y, int m) {
  static constexpr std::array<int, 13> kDays = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[static_cast<std::size_t>(m)];
}

// 0 = Sunday; 1970-01-01 was a Thursday.
int Weekday(std::int64_t days) { return static_cast<int>(days - FloorDiv(days + 4, 7) * 7 + 4); }

// ---------------------------------------------------------------------------
// Fields

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::array<std::string_view, 12> kMonthFullNames = {"January",   "February", "March",    "April",
                                                              "May",       "June",     "July",     "August",
                                                              "September", "October",  "November", "December"};

struct FieldSpec {
  std::string_view name;
  int min;
  int max;  // day-of-week: 7, folded onto 0 (Sunday)
  const std::string_view* names = nullptr;
  std::size_t name_count = 0;
  std::string_view allows;  // for "unknown name" messages
};

constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0, ""};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0, ""};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, nullptr, 0, ""};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames.data(), kMonthNames.size(), "jan..dec"};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, kDayNames.data(), kDayNames.size(), "sun..sat"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// One value of a field: a number, or a name where the field has names.
// Advances `pos` past it.
Result<int> ParseValue(std::string_view text, std::size_t& pos, const FieldSpec& field) {
  std::size_t start = pos;
  if (pos < text.size() && IsDigit(text[pos])) {
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    std::string_view digits = text.substr(start, pos - start);
    int value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value < field.min || value > field.max) {
      return InvalidArgument(std::string(digits) + " is out of range (" + std::to_string(field.min) + "-" +
                             std::to_string(field.max) + ")");
    }
    return value;
  }
  if (pos < text.size() && IsAlpha(text[pos])) {
    while (pos < text.size() && IsAlpha(text[pos])) ++pos;
    std::string_view word = text.substr(start, pos - start);
    if (field.names == nullptr) {
      return InvalidArgument("expected a number, got \"" + std::string(word) +
                             "\" (names are allowed only in month and day-of-week)");
    }
    std::string lower = Lower(word);
    for (std::size_t i = 0; i < field.name_count; ++i) {
      if (field.names[i] == lower) return static_cast<int>(i) + field.min;
    }
    return InvalidArgument("unknown name \"" + std::string(word) + "\" (" + std::string(field.allows) + ")");
  }
  if (pos >= text.size()) return InvalidArgument("missing a value at the end of \"" + std::string(text) + "\"");
  return InvalidArgument("unexpected \"" + std::string(1, text[pos]) + "\" in \"" + std::string(text) + "\"");
}

// Sets the bits of one field (`*`, `n`, `a-b`, lists, `*/n`, `a-b/n`).
// `bits` has field.max + 1 entries; day-of-week folds 7 onto 0 afterwards.
Status ParseField(std::string_view text, const FieldSpec& field, std::vector<bool>& bits) {
  bits.assign(static_cast<std::size_t>(field.max) + 1, false);
  std::size_t begin = 0;
  while (true) {
    std::size_t comma = text.find(',', begin);
    std::string_view element =
        text.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin);
    if (element.empty()) return InvalidArgument("empty list element in \"" + std::string(text) + "\"");
    int low = field.min;
    int high = field.max;
    std::size_t pos = 0;
    bool range = false;
    if (element[0] == '*') {
      pos = 1;
      range = true;
    } else {
      INGESTD_ASSIGN_OR_RETURN(low, ParseValue(element, pos, field));
      high = low;
      if (pos < element.size() && element[pos] == '-') {
        ++pos;
        INGESTD_ASSIGN_OR_RETURN(high, ParseValue(element, pos, field));
        range = true;
        if (high < low) {
          return InvalidArgument("range " + std::string(element.substr(0, pos)) +
                                 " runs backwards (write the smaller value first)");
        }
      }
    }
    int step = 1;
    if (pos < element.size() && element[pos] == '/') {
      if (!range) {
        // Vixie cron silently treats "5/10" as "5"; other crons as "5-max/10".
        // Refusing it avoids either surprise.
        return InvalidArgument("a step needs a range or * before it, got \"" + std::string(element) + "\" (e.g. \"" +
                               std::to_string(low) + "-" + std::to_string(field.max) + "/" +
                               std::string(element.substr(pos + 1)) + "\")");
      }
      ++pos;
      std::size_t digits_start = pos;
      while (pos < element.size() && IsDigit(element[pos])) ++pos;
      std::string_view digits = element.substr(digits_start, pos - digits_start);
      if (digits.empty()) {
        return InvalidArgument("expected a step number after \"/\" in \"" + std::string(element) + "\"");
      }
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
      if (ec != std::errc() || end != digits.data() + digits.size() || step > field.max + 1) {
        return InvalidArgument("step " + std::string(digits) + " is too large (at most " +
                               std::to_string(field.max + 1) + ")");
      }
      if (step < 1) return InvalidArgument("step must be at least 1");
    }
    if (pos != element.size()) {
      return InvalidArgument("unexpected \"" + std::string(element.substr(pos)) + "\" in \"" + std::string(element) +
                             "\"");
    }
    for (int v = low; v <= high; v += step) bits[static_cast<std::size_t>(v)] = true;
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return OkStatus();
}

template <std::size_t N>
Status ParseInto(std::string_view text, const FieldSpec& field, std::bitset<N>& out) {
  std::vector<bool> bits;
  Status parsed = ParseField(text, field, bits);
  if (!parsed.ok()) return InvalidArgument(std::string(field.name) + ": " + parsed.error().message());
  out.reset();
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) out.set(i % N);  // day-of-week: 7 (bits[7]) is Sunday (bit 0)
  }
  return OkStatus();
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitFields(std::string_view s) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) fields.push_back(s.substr(start, i - start));
  }
  return fields;
}

// The five fields a macro stands for (crontab(5)).
const char* ExpandMacro(std::string_view macro) {
  std::string lower = Lower(macro);
  if (lower == "@hourly") return "0 * * * *";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  return nullptr;
}

template <std::size_t N>
int NextSet(const std::bitset<N>& bits, int from) {
  for (std::size_t i = static_cast<std::size_t>(from); i < N; ++i) {
    if (bits[i]) return static_cast<int>(i);
  }
  return -1;
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), seconds);
  INGESTD_CHECK(ec == std::errc());
  return std::string(buf, end);
}

}  // namespace

Result<Schedule> Schedule::ParseCron(std::string_view expression) {
  std::string_view text = Trim(expression);
  std::string prefix = "cron \"" + std::string(expression) + "\": ";
  std::string_view fields_text = text;
  if (!text.empty() && text.front() == '@') {
    if (Lower(text) == "@reboot") {
      return InvalidArgument(prefix + "@reboot is not supported (the daemon runs schedules, not boot jobs)");
    }
    const char* expanded = ExpandMacro(text);
    if (expanded == nullptr) {
      return InvalidArgument(prefix +
                             "unknown macro (use @hourly, @daily, @midnight, @weekly, @monthly, "
                             "@yearly or five fields)");
    }
    fields_text = expanded;
  }
  std::vector<std::string_view> fields = SplitFields(fields_text);
  if (fields.size() != 5) {
    return InvalidArgument(prefix + "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                           std::to_string(fields.size()));
  }
  Schedule s;
  s.expression_ = std::string(text);
  auto with_prefix = [&](Status st) -> Status {
    if (st.ok()) return st;
    return InvalidArgument(prefix + st.error().message());
  };
  INGESTD_TRY(with_prefix(ParseInto(fields[0], kMinute, s.minutes_)));
  INGESTD_TRY(with_prefix(ParseInto(fields[1], kHour, s.hours_)));
  INGESTD_TRY(with_prefix(ParseInto(fields[2], kDayOfMonth, s.days_of_month_)));
  INGESTD_TRY(with_prefix(ParseInto(fields[3], kMonth, s.months_)));
  INGESTD_TRY(with_prefix(ParseInto(fields[4], kDayOfWeek, s.days_of_week_)));
  // As Vixie cron: a day field "is *" when it starts with '*' (so "*/2"
  // counts as unrestricted for the either-day rule).
  s.day_of_month_star_ = fields[2].front() == '*';
  s.day_of_week_star_ = fields[4].front() == '*';

  // Can it ever fire? With both day fields restricted a day matches if
  // either does, and every month has every weekday: yes. Otherwise both must
  // match. Every date falls on every weekday within the 400-year Gregorian
  // cycle (29 February too) and a starred day-of-month includes the 1st, so
  // only a restricted day-of-month under a starred day-of-week can rule it
  // out: when none of its days exists in any selected month.
  if (!s.day_of_month_star_ && s.day_of_week_star_) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m) {
      if (!s.months_[static_cast<std::size_t>(m)]) continue;
      const int max_day = m == 2 ? 29 : DaysInMonth(2001, m);
      for (int d = 1; d <= max_day && !possible; ++d) possible = s.days_of_month_[static_cast<std::size_t>(d)];
    }
    if (!possible) {
      std::string days;
      for (int d = 1; d <= 31; ++d) {
        if (!s.days_of_month_[static_cast<std::size_t>(d)]) continue;
        days += (days.empty() ? "" : ",") + std::to_string(d);
      }
      std::string months;
      for (int m = 1; m <= 12; ++m) {
        if (!s.months_[static_cast<std::size_t>(m)]) continue;
        months +=
            std::string(months.empty() ? "" : ", ") + std::string(kMonthFullNames[static_cast<std::size_t>(m - 1)]);
      }
      return InvalidArgument(prefix + "day-of-month: " + days + " never occurs in " + months +
                             ", so the schedule would never fire");
    }
  }
  return s;
}

Result<Schedule> Schedule::Every(double seconds) {
  if (!std::isfinite(seconds) || seconds < 1) {
    return InvalidArgument("interval: expected at least 1 second, got " +
                           (std::isfinite(seconds) ? FormatSeconds(seconds) : std::string("a non-finite number")));
  }
  Schedule s;
  s.interval_seconds_ = seconds;
  return s;
}

double Schedule::NextAfter(double unix_seconds) const {
  if (!is_cron()) {
    const double i = interval_seconds_;
    const double k = std::floor(unix_seconds / i);
    double next = (k + 1) * i;
    // unix_seconds / i may round across an integer; keep the smallest
    // multiple of the interval strictly after unix_seconds.
    if (next <= unix_seconds) next += i;
    if (next - i > unix_seconds) next -= i;
    return next;
  }
  // Beyond this the minute count below would overflow; no clock gets there.
  INGESTD_CHECK(std::isfinite(unix_seconds) && std::abs(unix_seconds) < 1e15);
  const std::int64_t start = static_cast<std::int64_t>(std::floor(unix_seconds / 60)) + 1;  // minutes
  std::int64_t day = FloorDiv(start, 1440);
  CivilDate date = CivilFromDays(day);
  int hour = static_cast<int>((start - day * 1440) / 60);
  int minute = static_cast<int>((start - day * 1440) % 60);
  const std::int64_t last_year = date.year + 401;  // the calendar repeats every 400 years

  auto next_day = [&] {
    ++day;
    date = CivilFromDays(day);
    hour = 0;
    minute = 0;
  };
  while (true) {
    // ParseCron rejected schedules that never fire, so this cannot run out.
    INGESTD_CHECK(date.year <= last_year);
    if (!months_[static_cast<std::size_t>(date.month)]) {
      // Skip to the first day of the next month.
      day += DaysInMonth(date.year, date.month) - date.day + 1;
      date = CivilFromDays(day);
      hour = 0;
      minute = 0;
      continue;
    }
    const bool dom = days_of_month_[static_cast<std::size_t>(date.day)];
    const bool dow = days_of_week_[static_cast<std::size_t>(Weekday(day))];
    const bool day_matches = (day_of_month_star_ || day_of_week_star_) ? (dom && dow) : (dom || dow);
    if (!day_matches) {
      next_day();
      continue;
    }
    const int h = NextSet(hours_, hour);
    if (h < 0) {
      next_day();
      continue;
    }
    if (h != hour) {
      hour = h;
      minute = 0;
    }
    const int m = NextSet(minutes_, minute);
    if (m < 0) {
      if (++hour == 24) {
        next_day();
      } else {
        minute = 0;
      }
      continue;
    }
    return static_cast<double>((day * 1440 + hour * 60 + m) * 60);
  }
}

double Schedule::LongestGapAfter(double unix_seconds) const {
  if (!is_cron()) return interval_seconds_;
  constexpr double kYear = 366 * 86400.0;
  constexpr int kMaxFirings = 10000;
  double previous = NextAfter(unix_seconds);
  double longest = 0;
  for (int firings = 0; firings < kMaxFirings; ++firings) {
    const double next = NextAfter(previous);
    longest = std::max(longest, next - previous);
    // Past a year every weekly, monthly and yearly pattern has shown its gaps.
    if (next - unix_seconds > kYear) break;
    previous = next;
  }
  return longest;
}

std::string Schedule::Describe() const {
  if (is_cron()) return "cron " + expression_;
  return "every " + FormatSeconds(interval_seconds_) + " s";
}

}  // namespace ingestd::schedule
