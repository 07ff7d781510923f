#include "core/infer/timestamp_detection.hpp"

#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

// Expected values were computed independently with Python 3.11's datetime,
// e.g. datetime(2024,1,15,10,30,tzinfo=timezone.utc).timestamp() * 10**6.

namespace ingestd::infer {
namespace {

constexpr std::int64_t kUs = 1'000'000;

std::optional<std::int64_t> Ts(const std::string& s) { return ParseIsoTimestamp(s); }

// ---- The conformance corpus (real dlt output, timestamps_and_dates) ----

TEST(TimestampDetectionTest, ConformanceUtcZulu) { EXPECT_EQ(Ts("2024-01-15T10:30:00Z"), 1705314600 * kUs); }

TEST(TimestampDetectionTest, ConformanceOffsetWithMicros) {
  EXPECT_EQ(Ts("2024-01-15T10:30:00.123456+02:00"), 1705307400123456);
}

TEST(TimestampDetectionTest, ConformanceDateAloneIsNotATimestamp) {
  EXPECT_EQ(Ts("2024-01-15"), std::nullopt);
  EXPECT_EQ(Ts("2024-02-29"), std::nullopt);
}

TEST(TimestampDetectionTest, ConformanceTimeAloneIsNotATimestamp) {
  EXPECT_EQ(Ts("10:30:00"), std::nullopt);
  EXPECT_EQ(Ts("23:59:59"), std::nullopt);
}

TEST(TimestampDetectionTest, ConformanceNaiveIsUtc) {
  EXPECT_EQ(Ts("2024-01-15T10:30:00"), 1705314600 * kUs);
  EXPECT_EQ(Ts("2024-02-29T12:00:00.5"), 1709208000500000);
}

TEST(TimestampDetectionTest, ConformanceSpaceSeparator) {
  EXPECT_EQ(Ts("2024-01-15 10:30:00"), 1705314600 * kUs);
  EXPECT_EQ(Ts("2024-02-29 12:00"), 1709208000 * kUs);
}

TEST(TimestampDetectionTest, ConformanceInvalidCalendarIsText) {
  EXPECT_EQ(Ts("2024-13-45T99:99:99Z"), std::nullopt);
  EXPECT_EQ(Ts("yesterday"), std::nullopt);
}

TEST(TimestampDetectionTest, ConformanceMillisAndNegativeOffset) {
  EXPECT_EQ(Ts("2023-12-31T23:59:59.999Z"), 1704067199999000);
  EXPECT_EQ(Ts("2024-02-29T00:00:00-05:00"), 1709182800 * kUs);
}

// ---- ISO 8601 as pendulum's Rust parser reads it ----

TEST(TimestampDetectionTest, BasicFormat) {
  EXPECT_EQ(Ts("20240115T103000Z"), 1705314600 * kUs);
  EXPECT_EQ(Ts("20240115T1030"), 1705314600 * kUs);
}

TEST(TimestampDetectionTest, BasicDateWithExtendedTimeOnlyWithoutSeconds) {
  // Pendulum checks the basic/extended mix only when seconds are present.
  EXPECT_EQ(Ts("20240115T10:30"), 1705314600 * kUs);
  EXPECT_EQ(Ts("20240115T10:30:00"), std::nullopt);
}

TEST(TimestampDetectionTest, ExtendedDateWithBasicTimeRejected) { EXPECT_EQ(Ts("2024-01-15T1030"), std::nullopt); }

TEST(TimestampDetectionTest, HourOnly) {
  EXPECT_EQ(Ts("2024-01-15T10"), 1705312800 * kUs);
  EXPECT_EQ(Ts("2024-01-15T10Z"), 1705312800 * kUs);
  EXPECT_EQ(Ts("2024-01-15 10"), 1705312800 * kUs);
}

TEST(TimestampDetectionTest, ZoneForms) {
  EXPECT_EQ(Ts("2024-01-15T10:30+0530"), 1705294800 * kUs);
  EXPECT_EQ(Ts("2024-01-15T10:30+05"), 1705296600 * kUs);
  EXPECT_EQ(Ts("2024-01-15T10:30+05:"), 1705296600 * kUs);  // pendulum: minutes optional after ':'
  EXPECT_EQ(Ts("2024-01-15T10:30-05:30"), 1705334400 * kUs);
  EXPECT_EQ(Ts("2024-01-15T10:30:00+5"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30:00+05:30:00"), std::nullopt);
}

TEST(TimestampDetectionTest, LowercaseSeparatorAndZuluRejected) {
  EXPECT_EQ(Ts("2024-01-15t10:30:00Z"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30:00z"), std::nullopt);
}

TEST(TimestampDetectionTest, OffsetRange) {
  EXPECT_EQ(Ts("2024-01-15T10:30:00+23:59"), 1705228260 * kUs);
  EXPECT_EQ(Ts("2024-01-15T10:30:00+24:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30:00-24:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30:00-99:99"), std::nullopt);
}

TEST(TimestampDetectionTest, OffsetMinutesNotRangeChecked) {
  // Pendulum quirk reproduced: +05:99 is an offset of 6h39m.
  EXPECT_EQ(Ts("2024-01-15T10:30:00+05:99"), 1705290660 * kUs);
}

TEST(TimestampDetectionTest, FractionCommaAndTruncation) {
  EXPECT_EQ(Ts("2024-01-15T10:30:00,5Z"), 1705314600500000);
  EXPECT_EQ(Ts("2024-01-15T10:30:00.123456789Z"), 1705314600123456);      // truncated, not rounded
  EXPECT_EQ(Ts("2024-01-15T10:30:00.999999999Z"), 1705314600999999);
  EXPECT_EQ(Ts("2024-01-15T10:30:00.123456789012Z"), 1705314600123456);   // any digit count
}

TEST(TimestampDetectionTest, FractionNeedsADigit) {
  EXPECT_EQ(Ts("2024-01-15T10:30:00.Z"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30:00."), std::nullopt);
}

TEST(TimestampDetectionTest, Hour24Rejected) {
  // Pendulum flags 24:00 as midnight but never uses the flag; Python's
  // datetime then rejects hour 24.
  EXPECT_EQ(Ts("2024-01-15T24:00:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T24:00"), std::nullopt);
}

TEST(TimestampDetectionTest, LeapSecondRejected) { EXPECT_EQ(Ts("2016-12-31T23:59:60Z"), std::nullopt); }

TEST(TimestampDetectionTest, CalendarValidation) {
  EXPECT_EQ(Ts("2024-02-29T00:00"), 1709164800 * kUs);
  EXPECT_EQ(Ts("2023-02-29T00:00"), std::nullopt);
  EXPECT_EQ(Ts("1900-02-29T00:00"), std::nullopt);
  EXPECT_EQ(Ts("2000-02-29T00:00"), 951782400 * kUs);
  EXPECT_EQ(Ts("2024-04-31T00:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-00-10T00:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-00T00:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:60"), std::nullopt);
}

TEST(TimestampDetectionTest, IsoWeekDates) {
  EXPECT_EQ(Ts("2024-W03-1T10:00"), 1705312800 * kUs);
  EXPECT_EQ(Ts("2024W031T1000"), 1705312800 * kUs);
  EXPECT_EQ(Ts("2021-W53-1T00:00"), std::nullopt);  // 2021 has 52 weeks
}

TEST(TimestampDetectionTest, OrdinalDates) {
  EXPECT_EQ(Ts("2024-015T10:00"), 1705312800 * kUs);
  EXPECT_EQ(Ts("2024015T10"), 1705312800 * kUs);
}

TEST(TimestampDetectionTest, MonthOnlyDateWithTime) {
  EXPECT_EQ(Ts("2024-06T12"), 1717243200 * kUs);  // 2024-06-01T12:00
}

TEST(TimestampDetectionTest, OrdinalOnMonthEndReproducesPendulumBug) {
  // Pendulum's ordinal_to_ymd turns the last day of a month into day 0.
  EXPECT_EQ(ParseIsoDate("2024-031"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2024-032"), 19754);  // 2024-02-01
  EXPECT_EQ(ParseIsoDate("2024-366"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2024-365"), 20087);
  EXPECT_EQ(ParseIsoDate("2020-W53-4"), std::nullopt);  // 2020-12-31
  EXPECT_EQ(ParseIsoDate("2020-W53-5"), 18628);         // 2021-01-01
}

TEST(TimestampDetectionTest, IsoWeekZeroCountsBack) {
  EXPECT_EQ(ParseIsoDate("2024-W01-1"), 19723);  // 2024-01-01
  EXPECT_EQ(ParseIsoDate("2024-W00-1"), 19716);  // 2023-12-25
}

TEST(TimestampDetectionTest, DurationsAndIntervalsRejected) {
  EXPECT_EQ(ParseIsoLike("P1D"), std::nullopt);
  EXPECT_EQ(ParseIsoLike("PT1H"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:00/2024-01-16T10:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:00/P1D"), std::nullopt);
}

// ---- pendulum's _parse_common fallback ----

TEST(TimestampDetectionTest, CommonSlashAndColonDates) {
  EXPECT_EQ(Ts("2024/01/15 10:30"), 1705314600 * kUs);
  EXPECT_EQ(Ts("2024:01:15 10:30"), 1705314600 * kUs);
  EXPECT_EQ(Ts("2024/01/1510:30"), 1705314600 * kUs);  // the space is optional
}

TEST(TimestampDetectionTest, CommonCompactDateWithExtendedSeconds) {
  // The ISO parser rejects this mix; the fallback accepts it.
  EXPECT_EQ(Ts("20240115 10:30:00"), 1705314600 * kUs);
}

TEST(TimestampDetectionTest, CommonYearOnlyWithTime) {
  EXPECT_EQ(Ts("2024 10:30"), 1704105000 * kUs);     // 2024-01-01T10:30
  EXPECT_EQ(Ts("202410:30:00"), 1704105000 * kUs);   // month/day attempt fails, year alone matches
}

TEST(TimestampDetectionTest, CommonMonthDayPreferredOverTime) {
  // The regex tries month/day first: "202401:30" is the date 2024-01-30.
  EXPECT_EQ(Ts("202401:30"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("202401:30"), 19752);
}

TEST(TimestampDetectionTest, CommonSingleDigitFieldsAndFraction) {
  EXPECT_EQ(Ts("2024/01/15 9:5:3"), 1705309503 * kUs);
  EXPECT_EQ(Ts("2024/01/15 10:30:00|5"), 1705314600500000);  // '|' is in the separator class
  EXPECT_EQ(Ts("2024/01/15 10:30:00.123456789"), 1705314600123456);
  EXPECT_EQ(Ts("2024/01/15 10:30:00.1234567891"), std::nullopt);  // at most 9 digits
}

TEST(TimestampDetectionTest, CommonTrailingNewline) {
  EXPECT_EQ(Ts("2024/01/15 10:30\n"), 1705314600 * kUs);  // Python's `$`
  EXPECT_EQ(Ts("2024/01/15 10:30\n\n"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30\n"), std::nullopt);     // the ISO parser has no such rule
}

TEST(TimestampDetectionTest, CommonMissingMinuteRejected) {
  // dlt: int(None) raises TypeError, caught by the detector.
  EXPECT_EQ(Ts("2024/01/15 10:"), std::nullopt);
  EXPECT_EQ(Ts("2024/01/15 10::30"), std::nullopt);
}

TEST(TimestampDetectionTest, CommonDashesNotAccepted) {
  EXPECT_EQ(Ts("2024/1/15 10:30"), std::nullopt);
  EXPECT_EQ(Ts("01/15/2024 10:30"), std::nullopt);
  EXPECT_EQ(Ts("2024/01/15T10:30"), std::nullopt);
}

// ---- Range ----

TEST(TimestampDetectionTest, PythonDatetimeRange) {
  EXPECT_EQ(Ts("0001-01-01T00:00:00Z"), kMinTimestampMicros);
  EXPECT_EQ(Ts("9999-12-31T23:59:59.999999Z"), kMaxTimestampMicros);
  EXPECT_EQ(Ts("0000-01-01T00:00"), std::nullopt);
}

TEST(TimestampDetectionTest, UtcConversionOutOfRangeRejected) {
  EXPECT_EQ(Ts("0001-01-01T00:00:00+01:00"), std::nullopt);
  EXPECT_EQ(Ts("9999-12-31T23:00:00-05:00"), std::nullopt);
}

// ---- Hostile input ----

TEST(TimestampDetectionTest, EmptyAndWhitespace) {
  EXPECT_EQ(ParseIsoLike(""), std::nullopt);
  EXPECT_EQ(ParseIsoLike(" "), std::nullopt);
  EXPECT_EQ(ParseIsoLike("\n"), std::nullopt);
  EXPECT_EQ(Ts(" 2024-01-15T10:30:00"), std::nullopt);
  EXPECT_EQ(Ts("2024-01-15T10:30:00 "), std::nullopt);
}

TEST(TimestampDetectionTest, EmbeddedNul) {
  EXPECT_EQ(ParseIsoLike(std::string("2024-01-15T10:30:00\0Z", 21)), std::nullopt);
  EXPECT_EQ(ParseIsoLike(std::string("2024-01-15\0", 11)), std::nullopt);
  EXPECT_EQ(ParseIsoLike(std::string("\0", 1)), std::nullopt);
  EXPECT_EQ(ParseIsoLike(std::string("10:30\0", 6)), std::nullopt);
}

TEST(TimestampDetectionTest, InvalidUtf8AndNonAsciiDigits) {
  EXPECT_EQ(Ts("2024-01-15T10:30:00\xff"), std::nullopt);
  EXPECT_EQ(Ts("\xc3\x28"), std::nullopt);
  // Fullwidth and Arabic-Indic digits: ingestd accepts ASCII digits only.
  EXPECT_EQ(Ts("\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-01-15T10:30"), std::nullopt);
  EXPECT_EQ(Ts("\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4/\xd9\xa0\xd9\xa1/\xd9\xa1\xd9\xa5 10:30"), std::nullopt);
}

TEST(TimestampDetectionTest, TenMegabyteStrings) {
  const std::string nines(10 * 1024 * 1024, '9');
  EXPECT_EQ(ParseIsoLike(nines), std::nullopt);
  const std::string garbage(10 * 1024 * 1024, 'x');
  EXPECT_EQ(ParseIsoLike(garbage), std::nullopt);
  // A valid prefix followed by 10 MB of fraction digits: pendulum drops the
  // surplus digits, so this is a timestamp.
  const std::string long_fraction = "2024-01-15T10:30:00." + nines;
  EXPECT_EQ(Ts(long_fraction), 1705314600999999);
  EXPECT_EQ(Ts(long_fraction + "x"), std::nullopt);
}

TEST(TimestampDetectionTest, NumbersAreNotDates) {
  EXPECT_EQ(Ts("1705314600"), std::nullopt);
  EXPECT_EQ(ParseIsoLike("1705314600"), std::nullopt);
  EXPECT_EQ(ParseIsoLike("9999999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseIsoLike("-0"), std::nullopt);
  EXPECT_EQ(ParseIsoLike("1e400"), std::nullopt);
  EXPECT_EQ(ParseIsoLike("NaN"), std::nullopt);
}

// ---- ParseIsoDate / ParseIsoTime / ParseIsoLike ----

TEST(TimestampDetectionTest, ParseIsoDateForms) {
  EXPECT_EQ(ParseIsoDate("2024-01-15"), 19737);
  EXPECT_EQ(ParseIsoDate("20240115"), 19737);
  EXPECT_EQ(ParseIsoDate("2024-W03"), 19737);
  EXPECT_EQ(ParseIsoDate("2024-06"), 19875);
  EXPECT_EQ(ParseIsoDate("2024"), 19723);        // fallback: year alone
  EXPECT_EQ(ParseIsoDate("2024/01/15"), 19737);  // fallback
  EXPECT_EQ(ParseIsoDate("1969-12-31"), -1);
}

TEST(TimestampDetectionTest, ParseIsoDateOfDateTimeIsUtcDate) {
  EXPECT_EQ(ParseIsoDate("2024-01-15T23:30:00-02:00"), 19738);
  EXPECT_EQ(ParseIsoDate("2024-01-15T00:30:00+02:00"), 19736);
}

TEST(TimestampDetectionTest, ParseIsoDateRejectsTimes) {
  EXPECT_EQ(ParseIsoDate("10:30"), std::nullopt);
  EXPECT_EQ(ParseIsoDate(""), std::nullopt);
}

TEST(TimestampDetectionTest, ParseIsoTimeForms) {
  EXPECT_EQ(ParseIsoTime("10:30:00"), 37800 * kUs);
  EXPECT_EQ(ParseIsoTime("10:30"), 37800 * kUs);
  EXPECT_EQ(ParseIsoTime("10:30Z"), 37800 * kUs);
  EXPECT_EQ(ParseIsoTime("T10:30"), 37800 * kUs);
  EXPECT_EQ(ParseIsoTime("T103000.5"), 37800500000);
  EXPECT_EQ(ParseIsoTime("1:2:3"), 3723 * kUs);  // fallback
  EXPECT_EQ(ParseIsoTime("23:59:59.999999"), 86399999999);
}

TEST(TimestampDetectionTest, ParseIsoTimeOffsetsShiftToUtc) {
  EXPECT_EQ(ParseIsoTime("10:30:00.25+02:00"), 30600250000);
  EXPECT_EQ(ParseIsoTime("01:00+02:00"), 82800 * kUs);  // wraps to 23:00
  EXPECT_EQ(ParseIsoTime("23:00-02:00"), 3600 * kUs);   // wraps to 01:00
}

TEST(TimestampDetectionTest, ParseIsoTimeRejects) {
  EXPECT_EQ(ParseIsoTime("T10:30:00"), std::nullopt);  // pendulum: basic/extended mix
  EXPECT_EQ(ParseIsoTime("24:00"), std::nullopt);
  EXPECT_EQ(ParseIsoTime("10:60"), std::nullopt);
  EXPECT_EQ(ParseIsoTime("2024-01-15T10:30"), std::nullopt);
  EXPECT_EQ(ParseIsoTime("10"), std::nullopt);
  EXPECT_EQ(ParseIsoTime("10:30+24:00"), std::nullopt);
}

TEST(TimestampDetectionTest, ParseIsoLikeKinds) {
  const auto dt = ParseIsoLike("2024-01-15T10:30:00Z");
  ASSERT_TRUE(dt.has_value());
  EXPECT_EQ(dt->kind, IsoKind::kDateTime);
  const auto d = ParseIsoLike("2024-01-15");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, IsoKind::kDate);
  EXPECT_EQ(d->value, 19737);
  const auto t = ParseIsoLike("10:30");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->kind, IsoKind::kTime);
}

// ---- Formatting and calendar arithmetic ----

TEST(TimestampDetectionTest, FormatTimestamp) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatTimestamp(1705314600250000), "2024-01-15T10:30:00.250000+00:00");
  EXPECT_EQ(FormatTimestamp(1705314600 * kUs), "2024-01-15T10:30:00+00:00");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999+00:00");
  EXPECT_EQ(FormatTimestamp(kMinTimestampMicros), "0001-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatTimestamp(kMaxTimestampMicros), "9999-12-31T23:59:59.999999+00:00");
}

TEST(TimestampDetectionTest, FormatDateAndTime) {
  EXPECT_EQ(FormatDate(19737), "2024-01-15");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(-719162), "0001-01-01");
  EXPECT_EQ(FormatTime(0), "00:00:00");
  EXPECT_EQ(FormatTime(37800250000), "10:30:00.250000");
  EXPECT_EQ(FormatTime(86399999999), "23:59:59.999999");
}

TEST(TimestampDetectionTest, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2024, 1, 15), 19737);
  EXPECT_EQ(DaysFromCivil(2000, 2, 29), 11016);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), 2932896);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
}

TEST(TimestampDetectionTest, FormatParseRoundTripOverFourCenturies) {
  for (std::int64_t day = DaysFromCivil(1800, 1, 1); day <= DaysFromCivil(2200, 12, 31); day += 7) {
    const std::string text = FormatDate(day);
    ASSERT_EQ(ParseIsoDate(text), day) << text;
    const std::int64_t micros = day * 86400 * kUs + 12345678901;
    ASSERT_EQ(Ts(FormatTimestamp(micros)), micros) << FormatTimestamp(micros);
  }
}

}  // namespace
}  // namespace ingestd::infer
