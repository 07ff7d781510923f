#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::schedule {

/// When a pipeline runs by itself: a five-field cron expression or a fixed
/// interval. Pure: it reads no clock; times are Unix seconds, cron fields
/// are evaluated in UTC.
///
/// Cron as in Vixie cron / crontab(5): `minute hour day-of-month month
/// day-of-week`, each `*`, a number, a range `a-b`, a list `a,b,c`, and
/// steps `*/n` or `a-b/n`; month and day-of-week also take names (`jan`,
/// `mon`, case-insensitive); day-of-week 0 and 7 are Sunday. When both
/// day fields are restricted (neither is `*`), a day matches if either does
/// (crontab's rule). The macros `@hourly`, `@daily`, `@weekly`, `@monthly`,
/// `@yearly` are accepted. Seconds are not a field.
class Schedule {
 public:
  /// kInvalidArgument naming the field and what it allows, e.g.
  /// `cron "*/0 * * * *": minute: step must be at least 1`.
  static Result<Schedule> ParseCron(std::string_view expression);
  /// kInvalidArgument unless `seconds` >= 1 and finite.
  static Result<Schedule> Every(double seconds);

  /// The first firing time strictly after `unix_seconds` (whole seconds for
  /// cron: the start of a matching minute). An interval fires at
  /// `anchor + k * interval`; the anchor is 0 (the Unix epoch), so daemons
  /// agree and restarts do not shift it. Cron expressions that can never
  /// fire (`0 0 31 2 *`) are rejected by ParseCron, so this always returns a
  /// time: within about five years, or up to 40 for rare day combinations
  /// such as 29 February that must also be a Sunday (`0 0 29 2 */7`). For
  /// cron `unix_seconds` must be finite and within ±1e15 (checked).
  double NextAfter(double unix_seconds) const;

  /// The longest time between two consecutive firings after
  /// `unix_seconds`: the interval itself, or for cron the largest gap among
  /// the firings of the following year (at most 10,000 of them; a yearly
  /// expression looks two years ahead so it has one gap). What an alert
  /// on "no successful run for longer than the schedule allows" compares
  /// against.
  double LongestGapAfter(double unix_seconds) const;

  /// "cron */5 * * * *" or "every 300 s".
  std::string Describe() const;

  bool is_cron() const { return interval_seconds_ == 0; }

 private:
  Schedule() = default;

  std::string expression_;
  double interval_seconds_ = 0;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
};

}  // namespace ingestd::schedule
