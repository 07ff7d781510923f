#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingestd::infer {

/// ISO 8601 parsing as dlt's iso_timestamp detector accepts it (pendulum's
/// parse_iso8601 with its "common" fallback). All results are UTC.

/// A date-time: `YYYY-MM-DD` + (`T`|`t`|` `) + `HH:MM[:SS[.fraction]]` + optional
/// zone (`Z`, `±HH:MM`, `±HHMM`, `±HH`); basic forms (`YYYYMMDDTHHMMSS`) too.
/// Naive values are UTC. Returns microseconds since the Unix epoch, or nullopt
/// when `text` is not a date-time (a date alone, a time alone, garbage, an
/// invalid calendar value like month 13).
std::optional<std::int64_t> ParseIsoTimestamp(std::string_view text);

/// `YYYY-MM-DD` (or a date-time, whose UTC date is taken) -> days since epoch.
std::optional<std::int64_t> ParseIsoDate(std::string_view text);

/// `HH:MM[:SS[.fraction]]` with an optional zone -> microseconds since midnight.
std::optional<std::int64_t> ParseIsoTime(std::string_view text);

/// "2024-01-15T10:30:00.250000+00:00" (microseconds only when non-zero).
std::string FormatTimestamp(std::int64_t micros_since_epoch);
/// "2024-01-15"
std::string FormatDate(std::int64_t days_since_epoch);
/// "10:30:00[.250000]"
std::string FormatTime(std::int64_t micros_since_midnight);

/// Days since 1970-01-01 for a proleptic Gregorian date (no validation).
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day);

}  // namespace ingestd::infer
