#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ingestd::infer {

/// ISO 8601 parsing as dlt's iso_timestamp detector accepts it: dlt's
/// parse_iso_like_datetime, i.e. pendulum 3's parse_iso8601 (the Rust
/// extension) and, when that fails, pendulum's `_parse_common` fallback.
/// All results are UTC; naive values are taken as UTC. Parsing never
/// allocates and only reads `text` (linear time, any bytes allowed).
///
/// Grammar 1, ISO 8601 (pendulum's parser):
///   date  `YYYY-MM-DD`, `YYYY-MM` (day 1), `YYYY-DDD` (ordinal),
///         `YYYY-Www[-D]` (ISO week), `YYYYMMDD`, `YYYYDDD`, `YYYYWww[D]`
///   then optionally `T` or ` ` (uppercase T only) and a time:
///         `HH`, `HH:MM`, `HH:MM:SS[.f]` (seconds only after an extended date),
///         `HHMM`, `HHMMSS[.f]` (only after a basic date);
///         `.f` is `.` or `,` and 1+ digits, truncated to microseconds;
///   zone  `Z` (uppercase only), `±HH`, `±HHMM`, `±HH:MM`, `±HH:`. Offset
///         minutes are not range-checked (pendulum quirk: `+05:99` = +06:39),
///         but |offset| must be < 24h.
///   A time alone: `HH:MM[:SS[.f]][zone]`, `THH[:MM][zone]`, `THHMM[SS[.f]][zone]`.
/// Grammar 2, pendulum's "common" fallback (naive only):
///   `YYYY[[/|:]MM[/|:]DD]` optionally followed by ` ` (or nothing) and
///   `H[H]:M[M][:S[S]][f]` where f is `.`, `,` or `|` plus 1-9 digits; or the
///   time alone. One trailing "\n" is allowed (Python's `$`). Examples:
///   "2024/01/15 10:30", "20240115 10:30:00", "2024 10:30" (= 2024-01-01).
/// Rejected: hour 24 and second 60 (Python's datetime rejects them, so dlt
/// does), lowercase `t`/`z`, invalid calendar dates, years outside
/// 0001..9999 (also after conversion to UTC, where dlt would crash),
/// durations and intervals, non-ASCII digits (Python's `\d` would accept
/// them in the fallback; ingestd does not).

/// What a string is under dlt's parse_iso_like_datetime.
enum class IsoKind : std::uint8_t { kDateTime, kDate, kTime };

struct IsoValue {
  IsoKind kind = IsoKind::kDateTime;
  /// kDateTime: microseconds since the Unix epoch (UTC);
  /// kDate: days since 1970-01-01;
  /// kTime: microseconds since midnight, shifted to UTC when the time had an
  /// offset (wrapping around midnight, as dlt's ensure_pendulum_time does).
  std::int64_t value = 0;
};

/// Parses `text` as a date-time, a date or a time (see the grammar above).
/// nullopt when it is none of those.
std::optional<IsoValue> ParseIsoLike(std::string_view text);

/// A date-time (a date with a time part, see above). Returns microseconds
/// since the Unix epoch, or nullopt when `text` is not a date-time (a date
/// alone, a time alone, garbage, an invalid calendar value like month 13).
/// This is dlt's iso_timestamp detector.
std::optional<std::int64_t> ParseIsoTimestamp(std::string_view text);

/// A date (`YYYY-MM-DD` and the other date forms above) -> days since epoch;
/// a date-time gives its UTC date. A time alone is nullopt.
std::optional<std::int64_t> ParseIsoDate(std::string_view text);

/// A time alone (`HH:MM[:SS[.fraction]]` with an optional zone, see above)
/// -> microseconds since midnight, converted to UTC when it has an offset.
std::optional<std::int64_t> ParseIsoTime(std::string_view text);

/// "2024-01-15T10:30:00.250000+00:00" (microseconds only when non-zero), as
/// Python's isoformat() writes a UTC datetime.
std::string FormatTimestamp(std::int64_t micros_since_epoch);
/// "2024-01-15"
std::string FormatDate(std::int64_t days_since_epoch);
/// "10:30:00[.250000]"; values outside one day are taken modulo 24h.
std::string FormatTime(std::int64_t micros_since_midnight);

/// Days since 1970-01-01 for a proleptic Gregorian date (no validation).
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day);

/// Smallest and largest timestamps ingestd produces: 0001-01-01T00:00:00Z and
/// 9999-12-31T23:59:59.999999Z (Python's datetime range).
inline constexpr std::int64_t kMinTimestampMicros = -62135596800LL * 1000000;
inline constexpr std::int64_t kMaxTimestampMicros = 253402300800LL * 1000000 - 1;

}  // namespace ingestd::infer
