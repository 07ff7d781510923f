#include "core/schedule/schedule.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace ingestd::schedule {
namespace {

// Unix seconds of a UTC civil time (timegm is the independent oracle).
double Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  struct tm t = {};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return static_cast<double>(::timegm(&t));
}

std::string Format(double unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm out = {};
  ::gmtime_r(&t, &out);
  char buf[32];
  ::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a", &out);
  return buf;
}

Schedule Cron(const std::string& expression) {
  auto s = Schedule::ParseCron(expression);
  EXPECT_TRUE(s.ok()) << expression << ": " << s.error().ToString();
  if (!s.ok()) return *Schedule::Every(1);
  return *s;
}

// The next `n` firings after `from`, formatted (readable failures).
std::vector<std::string> Next(const std::string& expression, double from, int n) {
  Schedule s = Cron(expression);
  std::vector<std::string> out;
  double t = from;
  for (int i = 0; i < n; ++i) {
    t = s.NextAfter(t);
    out.push_back(Format(t));
  }
  return out;
}

std::string CronError(const std::string& expression) {
  auto s = Schedule::ParseCron(expression);
  if (s.ok()) return "(parsed)";
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  return s.error().message();
}

TEST(Schedule, EveryFiveMinutes) {
  EXPECT_EQ(
      Next("*/5 * * * *", Utc(2025, 3, 10, 12, 3, 27), 3),
      (std::vector<std::string>{"2025-03-10 12:05:00 Mon", "2025-03-10 12:10:00 Mon", "2025-03-10 12:15:00 Mon"}));
  // Strictly after: a firing time itself is not returned again.
  Schedule s = Cron("*/5 * * * *");
  EXPECT_EQ(s.NextAfter(Utc(2025, 3, 10, 12, 5)), Utc(2025, 3, 10, 12, 10));
  EXPECT_EQ(s.NextAfter(Utc(2025, 3, 10, 12, 5) - 0.25), Utc(2025, 3, 10, 12, 5));
  EXPECT_EQ(s.NextAfter(Utc(2025, 3, 10, 23, 58)), Utc(2025, 3, 11, 0, 0));
  EXPECT_TRUE(s.is_cron());
  EXPECT_EQ(s.Describe(), "cron */5 * * * *");
}

TEST(Schedule, RangesStepsAndLists) {
  EXPECT_EQ(
      Next("10-20/5,45 8-9 * * *", Utc(2025, 3, 10, 8, 0, 30), 9),
      (std::vector<std::string>{"2025-03-10 08:10:00 Mon", "2025-03-10 08:15:00 Mon", "2025-03-10 08:20:00 Mon",
                                "2025-03-10 08:45:00 Mon", "2025-03-10 09:10:00 Mon", "2025-03-10 09:15:00 Mon",
                                "2025-03-10 09:20:00 Mon", "2025-03-10 09:45:00 Mon", "2025-03-11 08:10:00 Tue"}));
  // A step over a range starts at the range's start.
  EXPECT_EQ(Next("0 1-23/7 * * *", Utc(2025, 3, 10), 4),
            (std::vector<std::string>{"2025-03-10 01:00:00 Mon", "2025-03-10 08:00:00 Mon", "2025-03-10 15:00:00 Mon",
                                      "2025-03-10 22:00:00 Mon"}));
  // A single value and a step as large as the field.
  EXPECT_EQ(Next("*/60 */24 * * *", Utc(2025, 3, 10, 0, 0, 1), 1), std::vector<std::string>{"2025-03-11 00:00:00 Tue"});
}

TEST(Schedule, MonthAndDayNamesAnyCase) {
  // January and July, weekdays at 09:00: from the last Friday of January
  // (after 09:00) the next firing skips to Tuesday 1 July.
  EXPECT_EQ(Next("0 9 * jan,JUL Mon-fri", Utc(2025, 1, 31, 10), 2),
            (std::vector<std::string>{"2025-07-01 09:00:00 Tue", "2025-07-02 09:00:00 Wed"}));
  EXPECT_EQ(
      Next("0 0 1 mar-may *", Utc(2025, 1, 1), 3),
      (std::vector<std::string>{"2025-03-01 00:00:00 Sat", "2025-04-01 00:00:00 Tue", "2025-05-01 00:00:00 Thu"}));
}

TEST(Schedule, SundayIsZeroAndSeven) {
  const double wednesday = Utc(2025, 3, 12, 10);
  const double sunday = Utc(2025, 3, 16);
  for (const char* e : {"0 0 * * 0", "0 0 * * 7", "0 0 * * sun", "0 0 * * SUN"}) {
    EXPECT_EQ(Cron(e).NextAfter(wednesday), sunday) << e;
  }
  // 7 as a range end: Friday, Saturday, Sunday.
  EXPECT_EQ(Next("0 0 * * 5-7", wednesday, 4),
            (std::vector<std::string>{"2025-03-14 00:00:00 Fri", "2025-03-15 00:00:00 Sat", "2025-03-16 00:00:00 Sun",
                                      "2025-03-21 00:00:00 Fri"}));
  EXPECT_EQ(Next("0 0 * * 0-7", wednesday, 2),
            (std::vector<std::string>{"2025-03-13 00:00:00 Thu", "2025-03-14 00:00:00 Fri"}));
}

TEST(Schedule, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // crontab(5): the 13th and every Friday.
  EXPECT_EQ(Next("0 0 13 * fri", Utc(2025, 1, 1), 4),
            (std::vector<std::string>{"2025-01-03 00:00:00 Fri", "2025-01-10 00:00:00 Fri", "2025-01-13 00:00:00 Mon",
                                      "2025-01-17 00:00:00 Fri"}));
  // Possible although February has no 31st: Mondays in February match.
  EXPECT_EQ(Next("0 0 31 2 mon", Utc(2025, 1, 1), 2),
            (std::vector<std::string>{"2025-02-03 00:00:00 Mon", "2025-02-10 00:00:00 Mon"}));
}

TEST(Schedule, DayOfMonthAndDayOfWeekWhenOneIsStarred) {
  // Only the weekday restricts.
  EXPECT_EQ(Next("0 0 * * mon", Utc(2025, 1, 1), 1), std::vector<std::string>{"2025-01-06 00:00:00 Mon"});
  // Only the day of month restricts.
  EXPECT_EQ(Next("0 0 13 * *", Utc(2025, 1, 1), 2),
            (std::vector<std::string>{"2025-01-13 00:00:00 Mon", "2025-02-13 00:00:00 Thu"}));
  // As in Vixie cron a field starting with '*' counts as starred, so both
  // must match: days 1, 11, 21, 31 that are Mondays (the first is 31 March).
  EXPECT_EQ(Next("0 0 */10 * mon", Utc(2025, 1, 1), 1), std::vector<std::string>{"2025-03-31 00:00:00 Mon"});
}

TEST(Schedule, MonthRollover) {
  // April has no 31st: from 1 April the next is 31 May.
  EXPECT_EQ(
      Next("0 0 31 * *", Utc(2025, 4, 1), 3),
      (std::vector<std::string>{"2025-05-31 00:00:00 Sat", "2025-07-31 00:00:00 Thu", "2025-08-31 00:00:00 Sun"}));
  EXPECT_EQ(Next("30 12 30 * *", Utc(2025, 1, 30, 13), 2),
            (std::vector<std::string>{"2025-03-30 12:30:00 Sun", "2025-04-30 12:30:00 Wed"}));
}

TEST(Schedule, LeapDay) {
  EXPECT_EQ(Next("0 0 29 2 *", Utc(2025, 1, 1), 2),
            (std::vector<std::string>{"2028-02-29 00:00:00 Tue", "2032-02-29 00:00:00 Sun"}));
  // 2100 is not a leap year (divisible by 100, not by 400).
  EXPECT_EQ(Next("0 0 29 2 *", Utc(2097, 1, 1), 1), std::vector<std::string>{"2104-02-29 00:00:00 Fri"});
  // Both starred-or-restricted rules at once: 29 February on a Sunday
  // (`*/7` is day 0 and 7, both Sunday): 2032, then 28 years later.
  EXPECT_EQ(Next("0 0 29 2 */7", Utc(2025, 1, 1), 2),
            (std::vector<std::string>{"2032-02-29 00:00:00 Sun", "2060-02-29 00:00:00 Sun"}));
}

TEST(Schedule, YearRollover) {
  EXPECT_EQ(Next("0 0 1 1 *", Utc(2025, 6, 1), 2),
            (std::vector<std::string>{"2026-01-01 00:00:00 Thu", "2027-01-01 00:00:00 Fri"}));
  EXPECT_EQ(Next("30 23 * * *", Utc(2025, 12, 31, 23, 45), 1), std::vector<std::string>{"2026-01-01 23:30:00 Thu"});
  EXPECT_EQ(Next("59 23 31 12 *", Utc(2025, 12, 31, 23, 59), 1), std::vector<std::string>{"2026-12-31 23:59:00 Thu"});
}

TEST(Schedule, BeforeTheEpoch) {
  EXPECT_EQ(Next("0 0 1 1 *", Utc(1969, 6, 1, 12), 1), std::vector<std::string>{"1970-01-01 00:00:00 Thu"});
  EXPECT_EQ(Cron("* * * * *").NextAfter(-30), 0);
}

TEST(Schedule, Macros) {
  const double from = Utc(2025, 3, 12, 10, 30);  // a Wednesday
  EXPECT_EQ(Cron("@hourly").NextAfter(from), Utc(2025, 3, 12, 11));
  EXPECT_EQ(Cron("@daily").NextAfter(from), Utc(2025, 3, 13));
  EXPECT_EQ(Cron("@midnight").NextAfter(from), Utc(2025, 3, 13));
  EXPECT_EQ(Cron("@weekly").NextAfter(from), Utc(2025, 3, 16));
  EXPECT_EQ(Cron("@monthly").NextAfter(from), Utc(2025, 4, 1));
  EXPECT_EQ(Cron("@yearly").NextAfter(from), Utc(2026, 1, 1));
  EXPECT_EQ(Cron("@annually").NextAfter(from), Utc(2026, 1, 1));
  EXPECT_EQ(Cron(" @daily ").Describe(), "cron @daily");
}

TEST(Schedule, ErrorsNameTheField) {
  EXPECT_EQ(CronError("*/0 * * * *"), "cron \"*/0 * * * *\": minute: step must be at least 1");
  EXPECT_EQ(CronError("60 * * * *"), "cron \"60 * * * *\": minute: 60 is out of range (0-59)");
  EXPECT_EQ(CronError("0 24 * * *"), "cron \"0 24 * * *\": hour: 24 is out of range (0-23)");
  EXPECT_EQ(CronError("0 0 0 * *"), "cron \"0 0 0 * *\": day-of-month: 0 is out of range (1-31)");
  EXPECT_EQ(CronError("0 0 * 13 *"), "cron \"0 0 * 13 *\": month: 13 is out of range (1-12)");
  EXPECT_EQ(CronError("0 0 * * 8"), "cron \"0 0 * * 8\": day-of-week: 8 is out of range (0-7)");
  EXPECT_EQ(CronError("0 0 * foo *"), "cron \"0 0 * foo *\": month: unknown name \"foo\" (jan..dec)");
  EXPECT_EQ(CronError("0 0 * * monday"), "cron \"0 0 * * monday\": day-of-week: unknown name \"monday\" (sun..sat)");
  EXPECT_EQ(CronError("mon 0 * * *"),
            "cron \"mon 0 * * *\": minute: expected a number, got \"mon\" (names are allowed only in month and "
            "day-of-week)");
  EXPECT_EQ(CronError("30-10 * * * *"),
            "cron \"30-10 * * * *\": minute: range 30-10 runs backwards (write the smaller value first)");
  EXPECT_EQ(CronError("5/10 * * * *"),
            "cron \"5/10 * * * *\": minute: a step needs a range or * before it, got \"5/10\" (e.g. \"5-59/10\")");
  EXPECT_EQ(CronError("1,,2 * * * *"), "cron \"1,,2 * * * *\": minute: empty list element in \"1,,2\"");
  EXPECT_EQ(CronError("*/ * * * *"), "cron \"*/ * * * *\": minute: expected a step number after \"/\" in \"*/\"");
  EXPECT_EQ(CronError("0 0 1- * *"), "cron \"0 0 1- * *\": day-of-month: missing a value at the end of \"1-\"");
  EXPECT_EQ(CronError("0 0 1 * 1x"), "cron \"0 0 1 * 1x\": day-of-week: unexpected \"x\" in \"1x\"");
  EXPECT_EQ(CronError("99999999999 * * * *"),
            "cron \"99999999999 * * * *\": minute: 99999999999 is out of range (0-59)");
  EXPECT_EQ(CronError("* * * *"),
            "cron \"* * * *\": expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(CronError("0 * * * * *"),
            "cron \"0 * * * * *\": expected 5 fields (minute hour day-of-month month day-of-week), got 6");
  EXPECT_EQ(CronError(""), "cron \"\": expected 5 fields (minute hour day-of-month month day-of-week), got 0");
  EXPECT_EQ(CronError("@often"),
            "cron \"@often\": unknown macro (use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or five "
            "fields)");
  EXPECT_EQ(CronError("@reboot"),
            "cron \"@reboot\": @reboot is not supported (the daemon runs schedules, not boot jobs)");
}

TEST(Schedule, RejectsExpressionsThatNeverFire) {
  EXPECT_EQ(CronError("0 0 31 2 *"),
            "cron \"0 0 31 2 *\": day-of-month: 31 never occurs in February, so the schedule would never fire");
  EXPECT_EQ(CronError("0 0 30 2 *"),
            "cron \"0 0 30 2 *\": day-of-month: 30 never occurs in February, so the schedule would never fire");
  EXPECT_EQ(CronError("0 0 30,31 feb *"),
            "cron \"0 0 30,31 feb *\": day-of-month: 30,31 never occurs in February, so the schedule would never "
            "fire");
  EXPECT_EQ(CronError("0 0 31 2,4,6 *"),
            "cron \"0 0 31 2,4,6 *\": day-of-month: 31 never occurs in February, April, June, so the schedule "
            "would never fire");
  // With a starred day-of-week `*/2` both must match, so it is still impossible.
  EXPECT_EQ(CronError("0 0 31 4 */2"),
            "cron \"0 0 31 4 */2\": day-of-month: 31 never occurs in April, so the schedule would never fire");
  // Possible: some month has the day, or the weekday alone can match.
  EXPECT_TRUE(Schedule::ParseCron("0 0 31 2,3 *").ok());
  EXPECT_TRUE(Schedule::ParseCron("0 0 29 2 *").ok());
  EXPECT_TRUE(Schedule::ParseCron("0 0 30 2 fri").ok());
}

// NextAfter against a minute-by-minute scan, for expressions whose
// firings are at most a few days apart, from random starting points.
TEST(Schedule, AgreesWithMinuteByMinuteScan) {
  struct Case {
    const char* expression;
    std::function<bool(const struct tm&)> matches;
  };
  const std::vector<Case> cases = {
      {"*/15 9-17 * * mon-fri",
       [](const struct tm& t) {
         return t.tm_min % 15 == 0 && t.tm_hour >= 9 && t.tm_hour <= 17 && t.tm_wday >= 1 && t.tm_wday <= 5;
       }},
      {"7,37 */5 * * *", [](const struct tm& t) { return (t.tm_min == 7 || t.tm_min == 37) && t.tm_hour % 5 == 0; }},
      {"0 12 1,15 * sat",
       [](const struct tm& t) {
         return t.tm_min == 0 && t.tm_hour == 12 && (t.tm_mday == 1 || t.tm_mday == 15 || t.tm_wday == 6);
       }},
      {"59 23 * * 7", [](const struct tm& t) { return t.tm_min == 59 && t.tm_hour == 23 && t.tm_wday == 0; }},
      {"0 0 28-31 * *", [](const struct tm& t) { return t.tm_min == 0 && t.tm_hour == 0 && t.tm_mday >= 28; }},
  };
  std::mt19937_64 random(20250310);
  std::uniform_real_distribution<double> start(Utc(2023, 1, 1), Utc(2030, 1, 1));
  for (const Case& c : cases) {
    Schedule s = Cron(c.expression);
    for (int i = 0; i < 40; ++i) {
      const double from = start(random);
      double expected = (static_cast<std::int64_t>(from) / 60 + 1) * 60.0;
      for (;; expected += 60) {
        time_t t = static_cast<time_t>(expected);
        struct tm tm = {};
        ::gmtime_r(&t, &tm);
        if (c.matches(tm)) break;
      }
      EXPECT_EQ(Format(s.NextAfter(from)), Format(expected)) << c.expression << " after " << Format(from);
    }
  }
}

TEST(Schedule, Interval) {
  auto s = Schedule::Every(300);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_FALSE(s->is_cron());
  EXPECT_EQ(s->Describe(), "every 300 s");
  // Anchored at the epoch: multiples of 300 whatever the starting point.
  EXPECT_EQ(s->NextAfter(1000), 1200);
  EXPECT_EQ(s->NextAfter(1200), 1500);
  EXPECT_EQ(s->NextAfter(1199.5), 1200);
  EXPECT_EQ(s->NextAfter(0), 300);
  EXPECT_EQ(s->NextAfter(-1), 0);
  EXPECT_EQ(s->NextAfter(Utc(2025, 3, 10, 12, 3, 27)), Utc(2025, 3, 10, 12, 5));

  auto fractional = Schedule::Every(1.5);
  ASSERT_TRUE(fractional.ok());
  EXPECT_EQ(fractional->Describe(), "every 1.5 s");
  EXPECT_EQ(fractional->NextAfter(3), 4.5);
  EXPECT_EQ(fractional->NextAfter(4), 4.5);
}

TEST(Schedule, LongestGapIsWhatAStalenessAlertAllows) {
  EXPECT_EQ(Schedule::Every(300)->LongestGapAfter(1000), 300);
  const double monday = Utc(2025, 3, 10, 12, 0);
  EXPECT_EQ(Schedule::ParseCron("*/5 * * * *")->LongestGapAfter(monday), 300);
  // Weekdays at 09:00: Friday to Monday is the longest wait.
  EXPECT_EQ(Schedule::ParseCron("0 9 * * 1-5")->LongestGapAfter(monday), 3 * 86400);
  // Twice an hour, unevenly: the 50 minutes from :10 to the next hour's :00.
  EXPECT_EQ(Schedule::ParseCron("0,10 * * * *")->LongestGapAfter(monday), 50 * 60);
  // Monthly: the longest month (31 days) wins over February.
  EXPECT_EQ(Schedule::ParseCron("@monthly")->LongestGapAfter(monday), 31 * 86400);
  EXPECT_EQ(Schedule::ParseCron("@yearly")->LongestGapAfter(monday), 365 * 86400);
}

TEST(Schedule, IntervalMustBeAtLeastOneSecond) {
  for (double bad :
       {0.0, 0.5, -5.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    auto s = Schedule::Every(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(Schedule::Every(0.5).error().message(), "interval: expected at least 1 second, got 0.5");
  EXPECT_TRUE(Schedule::Every(1).ok());
}

}  // namespace
}  // namespace ingestd::schedule
