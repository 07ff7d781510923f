#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::extract::http {

/// How a source retries failed HTTP requests (reference §11, dlt's
/// `request_max_attempts`, `request_backoff_factor`, `request_max_retry_delay`).
/// Configurable per source; check with Validate() before use.
struct RetryOptions {
  /// Attempts in total, the first included (1 = never retry). dlt: 5.
  int max_attempts = 5;
  /// Backoff before retry n (after attempt n failed) is
  /// backoff_base_seconds * backoff_factor^(n-1), before jitter: 1, 2, 4, 8 s.
  /// 0 is allowed (tests), and means retries without waiting.
  double backoff_base_seconds = 1;
  double backoff_factor = 2;
  /// Cap on every wait, backoff (after jitter) and Retry-After alike. dlt: 300.
  double max_delay_seconds = 300;
  /// Spread of the backoff, as a fraction in [0, 1]: the wait is
  /// backoff * (1 - jitter/2 + jitter * random_unit), so 0.5 gives
  /// 0.75 to 1.25 times the backoff. 0 turns jitter off.
  double jitter = 0.5;
  /// Floor for a Retry-After the server asks for: "Retry-After: 0", a negative
  /// value or a date in the past wait this long, so a server saying 0 cannot
  /// turn the retries into an immediate storm (dlt waits 0). 0 <= floor <=
  /// max_delay_seconds.
  double min_retry_after_seconds = 1;
  /// HTTP statuses that are retried (each 400..599). Connection errors and
  /// timeouts are always retried.
  std::vector<int> retry_statuses = {429, 500, 502, 503, 504};
  /// Use Retry-After on 429 and 503 responses instead of the backoff.
  bool honour_retry_after = true;

  /// kInvalidArgument naming the field and what is allowed, e.g.
  /// "retry option max_attempts must be at least 1, got 0".
  Status Validate() const;
};

enum class FailureKind { kConnection, kTimeout, kStatus };

/// What went wrong with one attempt.
struct AttemptOutcome {
  FailureKind kind = FailureKind::kStatus;
  /// The HTTP status, for kStatus. 1xx/2xx/3xx are not failures.
  int status = 0;
  /// The raw Retry-After header value of the response, when it had one.
  std::optional<std::string> retry_after_header;
};

/// Whether and how long to wait before the next attempt.
struct RetryDecision {
  bool retry = false;
  /// Seconds to wait before the next attempt; 0 when retry is false.
  double delay_seconds = 0;
  /// For run events and logs, without the attempt number (the caller knows
  /// it): "429 Too Many Requests, Retry-After 30 s", "timeout, backoff 2 s",
  /// "404 Not Found is not retryable", "503 Service Unavailable, giving up
  /// after 5 attempts".
  std::string reason;
  /// True when the delay came from a Retry-After header (clamped).
  bool used_retry_after = false;
};

/// Decides about the next attempt after a failed one. Pure: the caller
/// passes the time and a random number, sleeps, counts and reports.
///
/// - `attempt` is the number of attempts made so far, 1-based (>= 1; checked).
/// - `now_unix_seconds` is the current time, used for a Retry-After date.
/// - `random_unit` is uniform in [0, 1) (values outside are clamped).
/// `options` must be valid (Validate()).
///
/// Rules, in order:
/// 1. A status below 400 is not a failure, and a status not in
///    retry_statuses is not retryable: no retry. Connection errors and
///    timeouts are retryable.
/// 2. attempt >= max_attempts: no retry (attempts exhausted).
/// 3. On 429 and 503 only, with honour_retry_after and a Retry-After header
///    that ParseRetryAfter understands: wait that long, clamped to
///    [min_retry_after_seconds, max_delay_seconds], without jitter (the
///    server chose the time). An unparsable header falls back to 4, and the
///    reason says so; a Retry-After on other statuses is ignored (also said).
/// 4. Otherwise wait BackoffSeconds(options, attempt, random_unit).
RetryDecision Decide(const RetryOptions& options, int attempt, const AttemptOutcome& outcome,
                     double now_unix_seconds, double random_unit);

/// The jittered exponential backoff after `attempt` (1-based) failed:
/// d = min(max_delay, base * factor^(attempt-1)), then
/// min(max_delay, d * (1 - jitter/2 + jitter * random_unit)).
/// With the defaults and random_unit 0.5: 1, 2, 4, 8, 16 s.
double BackoffSeconds(const RetryOptions& options, int attempt, double random_unit);

/// Seconds to wait from a Retry-After header value (RFC 9110 §10.2.3),
/// never negative: delta-seconds ("120"; leniently also a fraction or a
/// negative number, which counts as 0) or an HTTP-date (see ParseHttpDate),
/// minus now; a date in the past gives 0. Surrounding spaces and tabs are
/// ignored. nullopt when the value is neither.
std::optional<double> ParseRetryAfter(std::string_view header, double now_unix_seconds);

/// Unix seconds of an HTTP-date (RFC 9110 §5.6.7), in any of its three forms:
/// IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT" (preferred),
/// RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (years 70-99 are 19xx,
///              00-69 are 20xx),
/// asctime      "Sun Nov  6 08:49:37 1994".
/// Names are matched case-insensitively; the day name must be one (short or
/// long) but is not checked against the date. Fields are range-checked
/// (second 60 is accepted for a leap second). nullopt when it is none of them.
std::optional<double> ParseHttpDate(std::string_view text);

/// "Too Many Requests" for 429 and the other common statuses, "" otherwise.
std::string_view HttpReasonPhrase(int status);

}  // namespace ingestd::extract::http
