#include "core/extract/http/retry_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ingestd::extract::http {
namespace {

// RFC 9110's example date and its unix time.
constexpr const char* kRfcDate = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr double kRfcDateUnix = 784111777;

AttemptOutcome HttpStatus(int status, std::optional<std::string> retry_after = std::nullopt) {
  AttemptOutcome o;
  o.kind = FailureKind::kStatus;
  o.status = status;
  o.retry_after_header = std::move(retry_after);
  return o;
}

AttemptOutcome Failure(FailureKind kind) {
  AttemptOutcome o;
  o.kind = kind;
  return o;
}

std::string ValidationError(const RetryOptions& options) {
  const auto status = options.Validate();
  return status.ok() ? "" : status.error().message();
}

// --- Backoff

TEST(RetryBackoffTest, ExactDelaysForAttemptsOneToFive) {
  const RetryOptions options;
  const std::vector<double> base = {1, 2, 4, 8, 16};
  for (int attempt = 1; attempt <= 5; ++attempt) {
    const double d = base[static_cast<std::size_t>(attempt - 1)];
    EXPECT_DOUBLE_EQ(BackoffSeconds(options, attempt, 0.0), d * 0.75) << attempt;
    EXPECT_DOUBLE_EQ(BackoffSeconds(options, attempt, 0.5), d) << attempt;
    EXPECT_DOUBLE_EQ(BackoffSeconds(options, attempt, 0.999), d * 1.2495) << attempt;
  }
}

TEST(RetryBackoffTest, DecideUsesBackoffForEachRetry) {
  RetryOptions options;
  options.max_attempts = 6;  // so attempt 5 still retries
  const std::vector<double> expected = {1, 2, 4, 8, 16};
  for (int attempt = 1; attempt <= 5; ++attempt) {
    const RetryDecision d = Decide(options, attempt, HttpStatus(500), 0, 0.5);
    EXPECT_TRUE(d.retry);
    EXPECT_FALSE(d.used_retry_after);
    EXPECT_DOUBLE_EQ(d.delay_seconds, expected[static_cast<std::size_t>(attempt - 1)]);
  }
  EXPECT_EQ(Decide(options, 3, HttpStatus(500), 0, 0.5).reason, "500 Internal Server Error, backoff 4 s");
  EXPECT_EQ(Decide(options, 1, HttpStatus(500), 0, 0.0).reason, "500 Internal Server Error, backoff 0.75 s");
}

TEST(RetryBackoffTest, CappedAtMaxDelay) {
  const RetryOptions options;
  // 2^8 = 256 s before jitter: jitter up is capped, jitter down is not.
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 9, 0.5), 256);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 9, 0.999), 300);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 9, 0.0), 192);
  // 2^9 = 512 s is capped to 300 before jitter.
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 10, 0.5), 300);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 10, 0.0), 225);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 10, 0.999), 300);
  // pow overflows to infinity; still the cap.
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 100000, 0.5), 300);

  RetryOptions small;
  small.max_delay_seconds = 5;
  small.max_attempts = 10;
  EXPECT_DOUBLE_EQ(Decide(small, 8, Failure(FailureKind::kTimeout), 0, 0.5).delay_seconds, 5);
}

TEST(RetryBackoffTest, JitterBounds) {
  RetryOptions options;
  for (double jitter : {0.0, 0.25, 0.5, 1.0}) {
    options.jitter = jitter;
    for (int attempt = 1; attempt <= 8; ++attempt) {
      const double d = std::min(300.0, std::ldexp(1.0, attempt - 1));
      for (int i = 0; i < 1000; ++i) {
        const double r = i / 1000.0;
        const double delay = BackoffSeconds(options, attempt, r);
        EXPECT_GE(delay, d * (1 - jitter / 2)) << jitter << " " << attempt << " " << r;
        EXPECT_LE(delay, std::min(300.0, d * (1 + jitter / 2))) << jitter << " " << attempt << " " << r;
      }
    }
  }
  options.jitter = 0;
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 3, 0.0), 4);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 3, 0.999), 4);
}

TEST(RetryBackoffTest, RandomOutsideUnitIntervalIsClamped) {
  const RetryOptions options;
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 1, -3), 0.75);
  EXPECT_LE(BackoffSeconds(options, 1, 1.0), 1.25);
  EXPECT_GT(BackoffSeconds(options, 1, 7.0), 1.2499);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 1, std::nan("")), 0.75);
}

TEST(RetryBackoffTest, CustomBaseAndFactor) {
  RetryOptions options;
  options.backoff_base_seconds = 0.5;
  options.backoff_factor = 3;
  options.jitter = 0;
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 1, 0.3), 0.5);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 2, 0.3), 1.5);
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 3, 0.3), 4.5);
  options.backoff_base_seconds = 0;
  EXPECT_DOUBLE_EQ(BackoffSeconds(options, 4, 0.3), 0);
}

// --- Which failures retry

TEST(RetryDecideTest, EachRetryableStatusRetries) {
  const RetryOptions options;
  for (int status : {429, 500, 502, 503, 504}) {
    const RetryDecision d = Decide(options, 1, HttpStatus(status), 0, 0.5);
    EXPECT_TRUE(d.retry) << status;
    EXPECT_DOUBLE_EQ(d.delay_seconds, 1) << status;
  }
  EXPECT_EQ(Decide(options, 1, HttpStatus(429), 0, 0.5).reason, "429 Too Many Requests, backoff 1 s");
  EXPECT_EQ(Decide(options, 1, HttpStatus(502), 0, 0.5).reason, "502 Bad Gateway, backoff 1 s");
  EXPECT_EQ(Decide(options, 1, HttpStatus(503), 0, 0.5).reason, "503 Service Unavailable, backoff 1 s");
  EXPECT_EQ(Decide(options, 1, HttpStatus(504), 0, 0.5).reason, "504 Gateway Timeout, backoff 1 s");
}

TEST(RetryDecideTest, NonRetryableStatusesDoNotRetry) {
  const RetryOptions options;
  for (int status : {400, 401, 403, 404, 422, 405, 409, 501, 505, 599}) {
    const RetryDecision d = Decide(options, 1, HttpStatus(status), 0, 0.5);
    EXPECT_FALSE(d.retry) << status;
    EXPECT_EQ(d.delay_seconds, 0) << status;
    EXPECT_FALSE(d.used_retry_after) << status;
  }
  EXPECT_EQ(Decide(options, 1, HttpStatus(400), 0, 0.5).reason, "400 Bad Request is not retryable");
  EXPECT_EQ(Decide(options, 1, HttpStatus(401), 0, 0.5).reason, "401 Unauthorized is not retryable");
  EXPECT_EQ(Decide(options, 1, HttpStatus(403), 0, 0.5).reason, "403 Forbidden is not retryable");
  EXPECT_EQ(Decide(options, 1, HttpStatus(404), 0, 0.5).reason, "404 Not Found is not retryable");
  EXPECT_EQ(Decide(options, 1, HttpStatus(422), 0, 0.5).reason, "422 Unprocessable Content is not retryable");
  EXPECT_EQ(Decide(options, 1, HttpStatus(599), 0, 0.5).reason, "599 is not retryable");
  // A Retry-After does not make a non-retryable status retryable.
  EXPECT_FALSE(Decide(options, 1, HttpStatus(403, "10"), 0, 0.5).retry);
}

TEST(RetryDecideTest, SuccessAndRedirectsAreNotFailures) {
  const RetryOptions options;
  for (int status : {200, 204, 301, 304}) {
    const RetryDecision d = Decide(options, 1, HttpStatus(status), 0, 0.5);
    EXPECT_FALSE(d.retry) << status;
    EXPECT_EQ(d.reason, "status " + std::to_string(status) + " is not a failure");
  }
}

TEST(RetryDecideTest, ConnectionErrorsAndTimeoutsRetry) {
  const RetryOptions options;
  const RetryDecision conn = Decide(options, 1, Failure(FailureKind::kConnection), 0, 0.5);
  EXPECT_TRUE(conn.retry);
  EXPECT_DOUBLE_EQ(conn.delay_seconds, 1);
  EXPECT_EQ(conn.reason, "connection error, backoff 1 s");
  const RetryDecision timeout = Decide(options, 2, Failure(FailureKind::kTimeout), 0, 0.5);
  EXPECT_TRUE(timeout.retry);
  EXPECT_DOUBLE_EQ(timeout.delay_seconds, 2);
  EXPECT_EQ(timeout.reason, "timeout, backoff 2 s");

  // Not even an empty retry_statuses stops them.
  RetryOptions none;
  none.retry_statuses.clear();
  EXPECT_TRUE(Decide(none, 1, Failure(FailureKind::kConnection), 0, 0.5).retry);
  EXPECT_FALSE(Decide(none, 1, HttpStatus(503), 0, 0.5).retry);
}

TEST(RetryDecideTest, CustomRetryStatuses) {
  RetryOptions options;
  options.retry_statuses = {408, 503};
  EXPECT_TRUE(Decide(options, 1, HttpStatus(408), 0, 0.5).retry);
  EXPECT_TRUE(Decide(options, 1, HttpStatus(503), 0, 0.5).retry);
  EXPECT_FALSE(Decide(options, 1, HttpStatus(500), 0, 0.5).retry);
  EXPECT_FALSE(Decide(options, 1, HttpStatus(429), 0, 0.5).retry);
}

TEST(RetryDecideTest, ExhaustedAttempts) {
  const RetryOptions options;
  EXPECT_TRUE(Decide(options, 4, HttpStatus(503), 0, 0.5).retry);
  const RetryDecision d = Decide(options, 5, HttpStatus(503, "10"), 0, 0.5);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.delay_seconds, 0);
  EXPECT_FALSE(d.used_retry_after);
  EXPECT_EQ(d.reason, "503 Service Unavailable, giving up after 5 attempts");
  EXPECT_FALSE(Decide(options, 6, Failure(FailureKind::kTimeout), 0, 0.5).retry);

  RetryOptions once;
  once.max_attempts = 1;
  EXPECT_EQ(Decide(once, 1, Failure(FailureKind::kTimeout), 0, 0.5).reason,
            "timeout, giving up after 1 attempt");
  EXPECT_FALSE(Decide(once, 1, Failure(FailureKind::kConnection), 0, 0.5).retry);
}

TEST(RetryDecideTest, DefaultsMatchDlt) {
  const RetryOptions options;
  EXPECT_EQ(options.max_attempts, 5);
  EXPECT_EQ(options.backoff_base_seconds, 1);
  EXPECT_EQ(options.backoff_factor, 2);
  EXPECT_EQ(options.max_delay_seconds, 300);
  EXPECT_EQ(options.retry_statuses, (std::vector<int>{429, 500, 502, 503, 504}));
  EXPECT_TRUE(options.honour_retry_after);
  EXPECT_TRUE(options.Validate().ok());
}

// --- Retry-After

TEST(RetryAfterTest, SecondsOn429And503) {
  const RetryOptions options;
  for (int status : {429, 503}) {
    const RetryDecision d = Decide(options, 1, HttpStatus(status, "30"), 1000, 0.5);
    EXPECT_TRUE(d.retry);
    EXPECT_TRUE(d.used_retry_after);
    EXPECT_DOUBLE_EQ(d.delay_seconds, 30);
  }
  EXPECT_EQ(Decide(options, 1, HttpStatus(429, "30"), 1000, 0.5).reason, "429 Too Many Requests, Retry-After 30 s");
  EXPECT_EQ(Decide(options, 2, HttpStatus(503, " 7 "), 1000, 0.9).reason, "503 Service Unavailable, Retry-After 7 s");
  // No jitter on a server-chosen wait.
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(429, "30"), 1000, 0.0).delay_seconds, 30);
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(429, "30"), 1000, 0.999).delay_seconds, 30);
}

TEST(RetryAfterTest, HttpDate) {
  const RetryOptions options;
  const RetryDecision d = Decide(options, 1, HttpStatus(429, kRfcDate), kRfcDateUnix - 45, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_TRUE(d.used_retry_after);
  EXPECT_DOUBLE_EQ(d.delay_seconds, 45);
  EXPECT_EQ(d.reason, "429 Too Many Requests, Retry-After 45 s");
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(503, "Sunday, 06-Nov-94 08:49:37 GMT"), kRfcDateUnix - 2, 0.5)
                       .delay_seconds,
                   2);
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(503, "Sun Nov  6 08:49:37 1994"), kRfcDateUnix - 2.5, 0.5)
                       .delay_seconds,
                   2.5);
}

TEST(RetryAfterTest, PastDateZeroAndNegativeGetTheFloor) {
  const RetryOptions options;
  const RetryDecision past = Decide(options, 1, HttpStatus(429, kRfcDate), kRfcDateUnix + 3600, 0.5);
  EXPECT_TRUE(past.retry);
  EXPECT_TRUE(past.used_retry_after);
  EXPECT_DOUBLE_EQ(past.delay_seconds, 1);
  EXPECT_EQ(past.reason, "429 Too Many Requests, Retry-After 0 s (raised to 1 s)");

  const RetryDecision zero = Decide(options, 1, HttpStatus(503, "0"), 0, 0.5);
  EXPECT_DOUBLE_EQ(zero.delay_seconds, 1);
  EXPECT_TRUE(zero.used_retry_after);
  EXPECT_EQ(zero.reason, "503 Service Unavailable, Retry-After 0 s (raised to 1 s)");

  const RetryDecision negative = Decide(options, 1, HttpStatus(429, "-5"), 0, 0.5);
  EXPECT_DOUBLE_EQ(negative.delay_seconds, 1);
  EXPECT_TRUE(negative.used_retry_after);

  // Every retry of a server that always says 0 waits at least the floor.
  RetryOptions floor;
  floor.min_retry_after_seconds = 2.5;
  for (int attempt = 1; attempt < floor.max_attempts; ++attempt) {
    EXPECT_DOUBLE_EQ(Decide(floor, attempt, HttpStatus(429, "0"), 0, 0.0).delay_seconds, 2.5);
  }
  // A floor of 0 is allowed: the operator opts out.
  floor.min_retry_after_seconds = 0;
  EXPECT_DOUBLE_EQ(Decide(floor, 1, HttpStatus(429, "0"), 0, 0.0).delay_seconds, 0);
}

TEST(RetryAfterTest, HugeIsCapped) {
  const RetryOptions options;
  const RetryDecision hour = Decide(options, 1, HttpStatus(429, "3600"), 0, 0.5);
  EXPECT_DOUBLE_EQ(hour.delay_seconds, 300);
  EXPECT_TRUE(hour.used_retry_after);
  EXPECT_EQ(hour.reason, "429 Too Many Requests, Retry-After 3600 s (capped to 300 s)");
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(429, "99999999999999999999"), 0, 0.5).delay_seconds, 300);
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(429, std::string(400, '9')), 0, 0.5).delay_seconds, 300);
  EXPECT_DOUBLE_EQ(Decide(options, 1, HttpStatus(503, "Fri, 31 Dec 9999 23:59:59 GMT"), 0, 0.5).delay_seconds, 300);
}

TEST(RetryAfterTest, GarbageFallsBackToBackoff) {
  const RetryOptions options;
  const RetryDecision d = Decide(options, 2, HttpStatus(429, "soon"), 0, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_FALSE(d.used_retry_after);
  EXPECT_DOUBLE_EQ(d.delay_seconds, 2);
  EXPECT_EQ(d.reason, "429 Too Many Requests, unparsable Retry-After \"soon\", backoff 2 s");
  for (const char* garbage : {"", " ", "1e3", "12abc", "0x10", "+5", "1.", "inf", "nan",
                              "Sun, 06 Nov 1994 08:49:37", "Sun, 32 Nov 1994 08:49:37 GMT"}) {
    const RetryDecision g = Decide(options, 1, HttpStatus(503, garbage), 0, 0.5);
    EXPECT_TRUE(g.retry) << garbage;
    EXPECT_FALSE(g.used_retry_after) << garbage;
    EXPECT_DOUBLE_EQ(g.delay_seconds, 1) << garbage;
  }
  // Long or binary header values are quoted safely.
  const std::string reason = Decide(options, 1, HttpStatus(503, std::string(100, 'x') + "\n"), 0, 0.5).reason;
  EXPECT_EQ(reason, "503 Service Unavailable, unparsable Retry-After \"" + std::string(64, 'x') + "...\", backoff 1 s");
}

TEST(RetryAfterTest, HonouredOnlyOn429And503) {
  const RetryOptions options;
  for (int status : {500, 502, 504}) {
    const RetryDecision d = Decide(options, 1, HttpStatus(status, "30"), 0, 0.5);
    EXPECT_TRUE(d.retry) << status;
    EXPECT_FALSE(d.used_retry_after) << status;
    EXPECT_DOUBLE_EQ(d.delay_seconds, 1) << status;
  }
  EXPECT_EQ(Decide(options, 1, HttpStatus(500, "30"), 0, 0.5).reason,
            "500 Internal Server Error, Retry-After ignored (honoured on 429 and 503 only), backoff 1 s");

  RetryOptions off;
  off.honour_retry_after = false;
  const RetryDecision d = Decide(off, 1, HttpStatus(429, "30"), 0, 0.5);
  EXPECT_TRUE(d.retry);
  EXPECT_FALSE(d.used_retry_after);
  EXPECT_DOUBLE_EQ(d.delay_seconds, 1);
  EXPECT_EQ(d.reason, "429 Too Many Requests, backoff 1 s");
}

TEST(RetryAfterTest, ParseRetryAfter) {
  EXPECT_EQ(ParseRetryAfter("120", 0), 120.0);
  EXPECT_EQ(ParseRetryAfter("\t120 ", 0), 120.0);
  EXPECT_EQ(ParseRetryAfter("0", 0), 0.0);
  EXPECT_EQ(ParseRetryAfter("-5", 0), 0.0);
  EXPECT_EQ(ParseRetryAfter("1.5", 0), 1.5);
  EXPECT_EQ(ParseRetryAfter(kRfcDate, kRfcDateUnix - 10), 10.0);
  EXPECT_EQ(ParseRetryAfter(kRfcDate, kRfcDateUnix + 10), 0.0);
  EXPECT_EQ(ParseRetryAfter("soon", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("5 s", 0), std::nullopt);
}

// --- HTTP dates

TEST(HttpDateTest, ThreeFormatsOfTheRfcExample) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcDateUnix);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcDateUnix);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), kRfcDateUnix);
}

TEST(HttpDateTest, OtherValidDates) {
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0.0);
  EXPECT_EQ(ParseHttpDate("Wed, 31 Dec 1969 23:59:59 GMT"), -1.0);
  EXPECT_EQ(ParseHttpDate("Sat, 29 Feb 2020 12:00:00 GMT"), 1582977600.0);
  EXPECT_EQ(ParseHttpDate("Tue, 19 Jan 2038 03:14:08 GMT"), 2147483648.0);
  EXPECT_EQ(ParseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT"), 1445412480.0);
  EXPECT_EQ(ParseHttpDate("  Wed, 21 Oct 2015 07:28:00 GMT  "), 1445412480.0);
  EXPECT_EQ(ParseHttpDate("wed, 21 oct 2015 07:28:00 gmt"), 1445412480.0);
  EXPECT_EQ(ParseHttpDate("Wed, 1 Oct 2015 07:28:00 GMT"), ParseHttpDate("Wed, 01 Oct 2015 07:28:00 GMT"));
  EXPECT_EQ(ParseHttpDate("Wednesday, 21-Oct-15 07:28:00 GMT"), 1445412480.0);  // 00-69 are 20xx
  EXPECT_EQ(ParseHttpDate("Wed Oct 21 07:28:00 2015"), 1445412480.0);
  EXPECT_EQ(ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT"), 1483228800.0);  // leap second
  EXPECT_EQ(ParseHttpDate("Sat, 01 Jan 2000 00:00:00 GMT"), 946684800.0);
}

TEST(HttpDateTest, InvalidDates) {
  for (const char* bad : {
           "",
           "Sun",
           "Sun, 06 Nov 1994 08:49:37",          // no zone
           "Sun, 06 Nov 1994 08:49:37 UTC",      // zone must be GMT
           "Sun, 06 Nov 1994 08:49:37 GMT x",    // trailing text
           "Sun, 06 Nov 94 08:49:37 GMT",        // two-digit year in IMF-fixdate
           "Sun, 06 Foo 1994 08:49:37 GMT",      // month
           "Xyz, 06 Nov 1994 08:49:37 GMT",      // day name
           "Sun, 00 Nov 1994 08:49:37 GMT",      // day 0
           "Sun, 31 Nov 1994 08:49:37 GMT",      // November has 30 days
           "Fri, 29 Feb 2019 08:49:37 GMT",      // not a leap year
           "Tue, 29 Feb 1900 08:49:37 GMT",      // not a leap year
           "Sun, 06 Nov 1994 24:00:00 GMT",      // hour
           "Sun, 06 Nov 1994 08:60:00 GMT",      // minute
           "Sun, 06 Nov 1994 08:49:61 GMT",      // second
           "Sun, 06 Nov 1994 8:49:37 GMT",       // one-digit hour
           "Sun,06 Nov 1994 08:49:37 GMT",       // missing space
           "Sunday, 06-Nov-1994 08:49:37 GMT",   // four-digit RFC 850 year
           "Sun Nov  6 08:49:37 94",             // two-digit asctime year
           "Sun Nov  6 08:49:37 1994 GMT",       // asctime has no zone
           "1994-11-06T08:49:37Z",               // ISO 8601 is not an HTTP-date
           "120",
       }) {
    EXPECT_EQ(ParseHttpDate(bad), std::nullopt) << bad;
  }
}

// --- Validation

TEST(RetryOptionsTest, ValidationMessages) {
  RetryOptions o;
  EXPECT_EQ(ValidationError(o), "");

  o = RetryOptions();
  o.max_attempts = 0;
  EXPECT_EQ(ValidationError(o), "retry option max_attempts must be at least 1, got 0");
  EXPECT_EQ(o.Validate().error().code(), ErrorCode::kInvalidArgument);

  o = RetryOptions();
  o.backoff_base_seconds = -1;
  EXPECT_EQ(ValidationError(o), "retry option backoff_base_seconds must be a finite number of seconds >= 0, got -1");

  o = RetryOptions();
  o.backoff_factor = 0.5;
  EXPECT_EQ(ValidationError(o), "retry option backoff_factor must be a finite number >= 1, got 0.5");

  o = RetryOptions();
  o.max_delay_seconds = std::numeric_limits<double>::infinity();
  EXPECT_EQ(ValidationError(o), "retry option max_delay_seconds must be a finite number of seconds >= 0, got inf");

  o = RetryOptions();
  o.jitter = 1.5;
  EXPECT_EQ(ValidationError(o), "retry option jitter must be a fraction between 0 and 1, got 1.5");
  o.jitter = std::nan("");
  EXPECT_NE(ValidationError(o).find("retry option jitter must be"), std::string::npos);

  o = RetryOptions();
  o.min_retry_after_seconds = 400;
  EXPECT_EQ(ValidationError(o),
            "retry option min_retry_after_seconds must be a number of seconds between 0 and "
            "max_delay_seconds (300), got 400");
  o.min_retry_after_seconds = -1;
  EXPECT_NE(ValidationError(o).find("min_retry_after_seconds"), std::string::npos);

  o = RetryOptions();
  o.retry_statuses = {429, 200};
  EXPECT_EQ(ValidationError(o), "retry option retry_statuses must be HTTP error statuses between 400 and 599, got 200");
  o.retry_statuses = {600};
  EXPECT_NE(ValidationError(o).find("got 600"), std::string::npos);

  // Edge values that are allowed.
  o = RetryOptions();
  o.max_attempts = 1;
  o.backoff_base_seconds = 0;
  o.backoff_factor = 1;
  o.jitter = 0;
  o.min_retry_after_seconds = 0;
  o.max_delay_seconds = 0;
  o.retry_statuses.clear();
  EXPECT_EQ(ValidationError(o), "");
  o.jitter = 1;
  EXPECT_EQ(ValidationError(o), "");
}

TEST(RetryDecideTest, HttpReasonPhrases) {
  EXPECT_EQ(HttpReasonPhrase(429), "Too Many Requests");
  EXPECT_EQ(HttpReasonPhrase(504), "Gateway Timeout");
  EXPECT_EQ(HttpReasonPhrase(299), "");
}

}  // namespace
}  // namespace ingestd::extract::http
