#include "core/extract/http/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <system_error>

#include "core/common/ascii.hpp"
#include "core/common/check.hpp"

namespace ingestd::extract::http {
namespace {

// How much of an unparsable Retry-After value a reason quotes: the header
// comes from a server, and reasons end up in run events and logs.
constexpr std::size_t kHeaderSnippetBytes = 64;

bool IsFiniteAtLeast(double v, double min) { return std::isfinite(v) && v >= min; }

std::string Num(double v) {
  char buf[64];
  if (std::isfinite(v) && std::fabs(v) >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// Quotes a header value for a reason: printable ASCII only, truncated.
std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < kHeaderSnippetBytes; ++i) {
    const char c = value[i];
    out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  if (value.size() > kHeaderSnippetBytes) out += "...";
  out += '"';
  return out;
}

std::string Describe(const AttemptOutcome& outcome) {
  switch (outcome.kind) {
    case FailureKind::kConnection:
      return "connection error";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kStatus:
      break;
  }
  std::string s = std::to_string(outcome.status);
  const std::string_view phrase = HttpReasonPhrase(outcome.status);
  if (!phrase.empty()) {
    s += ' ';
    s += phrase;
  }
  return s;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic
// Gregorian calendar.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// A forward-only reader over the date text.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // Between min_digits and max_digits digits, as a number.
  std::optional<int> Digits(std::size_t min_digits, std::size_t max_digits) {
    std::size_t n = 0;
    int value = 0;
    while (n < max_digits && IsAsciiDigit(Peek())) {
      value = value * 10 + (Peek() - '0');
      ++pos_;
      ++n;
    }
    if (n < min_digits) return std::nullopt;
    return value;
  }
  std::string_view Word() {
    const std::size_t start = pos_;
    while (IsAlpha(Peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

bool IsDayName(std::string_view word) {
  static constexpr std::array<std::string_view, 14> kNames = {
      "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
      "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  return std::any_of(kNames.begin(), kNames.end(),
                     [&](std::string_view name) { return EqualsIgnoreAsciiCase(word, name); });
}

// 1..12, or 0 when `word` is not a month name.
int MonthNumber(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (EqualsIgnoreAsciiCase(word, kMonths[i])) return static_cast<int>(i) + 1;
  }
  return 0;
}

struct TimeOfDay {
  int hour = 0;
  int minute = 0;
  int second = 0;
};

// time-of-day = hour ":" minute ":" second, two digits each.
std::optional<TimeOfDay> ReadTime(Scanner& s) {
  TimeOfDay t;
  const auto h = s.Digits(2, 2);
  if (!h || !s.Consume(':')) return std::nullopt;
  const auto m = s.Digits(2, 2);
  if (!m || !s.Consume(':')) return std::nullopt;
  const auto sec = s.Digits(2, 2);
  if (!sec) return std::nullopt;
  t.hour = *h;
  t.minute = *m;
  t.second = *sec;
  return t;
}

std::optional<double> ToUnix(int year, int month, int day, const TimeOfDay& t) {
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  const std::int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return static_cast<double>(days * 86400 + t.hour * 3600 + t.minute * 60 + t.second);
}

bool ReadGmt(Scanner& s) { return EqualsIgnoreAsciiCase(s.Word(), "GMT"); }

// After "<day-name>,": IMF-fixdate " 06 Nov 1994 08:49:37 GMT" or
// RFC 850 " 06-Nov-94 08:49:37 GMT".
std::optional<double> ParseAfterComma(Scanner& s) {
  if (!s.Consume(' ')) return std::nullopt;
  // Leniently one digit too ("6 Nov"), which some servers send.
  const auto day = s.Digits(1, 2);
  if (!day) return std::nullopt;
  int year = 0;
  int month = 0;
  if (s.Consume(' ')) {  // IMF-fixdate
    month = MonthNumber(s.Word());
    if (month == 0 || !s.Consume(' ')) return std::nullopt;
    const auto y = s.Digits(4, 4);
    if (!y) return std::nullopt;
    year = *y;
  } else if (s.Consume('-')) {  // RFC 850
    month = MonthNumber(s.Word());
    if (month == 0 || !s.Consume('-')) return std::nullopt;
    const auto yy = s.Digits(2, 2);
    if (!yy) return std::nullopt;
    // RFC 9110 resolves two-digit years relative to now; a fixed pivot keeps
    // this function pure, and RFC 850 dates are only sent by very old servers.
    year = *yy >= 70 ? 1900 + *yy : 2000 + *yy;
  } else {
    return std::nullopt;
  }
  if (!s.Consume(' ')) return std::nullopt;
  const auto t = ReadTime(s);
  if (!t || !s.Consume(' ') || !ReadGmt(s) || !s.AtEnd()) return std::nullopt;
  return ToUnix(year, month, *day, *t);
}

// After "<day-name>": asctime " Nov  6 08:49:37 1994".
std::optional<double> ParseAsctime(Scanner& s) {
  if (!s.Consume(' ')) return std::nullopt;
  const int month = MonthNumber(s.Word());
  if (month == 0 || !s.Consume(' ')) return std::nullopt;
  s.Consume(' ');  // date3 = month SP ( 2DIGIT / ( SP DIGIT ) )
  const auto day = s.Digits(1, 2);
  if (!day || !s.Consume(' ')) return std::nullopt;
  const auto t = ReadTime(s);
  if (!t || !s.Consume(' ')) return std::nullopt;
  const auto year = s.Digits(4, 4);
  if (!year || !s.AtEnd()) return std::nullopt;
  return ToUnix(*year, month, *day, *t);
}

// delta-seconds, leniently with a sign and a fraction: -?DIGIT+(.DIGIT+)?
std::optional<double> ParseDeltaSeconds(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < text.size() && IsAsciiDigit(text[i])) ++i;
  if (i == int_start) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t frac_start = i;
    while (i < text.size() && IsAsciiDigit(text[i])) ++i;
    if (i == frac_start) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // Out of range means absurdly many digits: "wait as long as allowed".
  if (ec == std::errc::result_out_of_range) return text.front() == '-' ? 0.0 : HUGE_VAL;
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool IsRetryAfterStatus(const AttemptOutcome& outcome) {
  return outcome.kind == FailureKind::kStatus && (outcome.status == 429 || outcome.status == 503);
}

}  // namespace

Status RetryOptions::Validate() const {
  auto bad = [](std::string_view field, std::string_view allowed, const std::string& got) {
    return InvalidArgument("retry option " + std::string(field) + " must be " + std::string(allowed) +
                           ", got " + got);
  };
  if (max_attempts < 1) return bad("max_attempts", "at least 1", std::to_string(max_attempts));
  if (!IsFiniteAtLeast(backoff_base_seconds, 0)) {
    return bad("backoff_base_seconds", "a finite number of seconds >= 0", Num(backoff_base_seconds));
  }
  if (!IsFiniteAtLeast(backoff_factor, 1)) {
    return bad("backoff_factor", "a finite number >= 1", Num(backoff_factor));
  }
  if (!IsFiniteAtLeast(max_delay_seconds, 0)) {
    return bad("max_delay_seconds", "a finite number of seconds >= 0", Num(max_delay_seconds));
  }
  if (!(std::isfinite(jitter) && jitter >= 0 && jitter <= 1)) {
    return bad("jitter", "a fraction between 0 and 1", Num(jitter));
  }
  if (!(IsFiniteAtLeast(min_retry_after_seconds, 0) && min_retry_after_seconds <= max_delay_seconds)) {
    return bad("min_retry_after_seconds",
               "a number of seconds between 0 and max_delay_seconds (" + Num(max_delay_seconds) + ")",
               Num(min_retry_after_seconds));
  }
  for (int status : retry_statuses) {
    if (status < 400 || status > 599) {
      return bad("retry_statuses", "HTTP error statuses between 400 and 599", std::to_string(status));
    }
  }
  return OkStatus();
}

std::string_view HttpReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::optional<double> ParseHttpDate(std::string_view text) {
  Scanner s(TrimOws(text));
  if (!IsDayName(s.Word())) return std::nullopt;
  if (s.Consume(',')) return ParseAfterComma(s);
  return ParseAsctime(s);
}

std::optional<double> ParseRetryAfter(std::string_view header, double now_unix_seconds) {
  const std::string_view value = TrimOws(header);
  if (value.empty()) return std::nullopt;
  std::optional<double> seconds;
  if (IsAsciiDigit(value.front()) || value.front() == '-') {
    seconds = ParseDeltaSeconds(value);
  } else if (const auto date = ParseHttpDate(value)) {
    seconds = *date - now_unix_seconds;
  }
  if (!seconds) return std::nullopt;
  if (std::isnan(*seconds)) return std::nullopt;  // now_unix_seconds was NaN
  return std::max(0.0, *seconds);
}

double BackoffSeconds(const RetryOptions& options, int attempt, double random_unit) {
  INGESTD_CHECK(attempt >= 1);
  if (!(random_unit >= 0)) random_unit = 0;  // also NaN
  if (random_unit >= 1) random_unit = std::nextafter(1.0, 0.0);
  // pow overflows to +inf for absurd attempts, which the cap absorbs.
  double delay = options.backoff_base_seconds * std::pow(options.backoff_factor, attempt - 1);
  if (!(delay <= options.max_delay_seconds)) delay = options.max_delay_seconds;
  delay *= 1 - options.jitter / 2 + options.jitter * random_unit;
  return std::min(delay, options.max_delay_seconds);
}

RetryDecision Decide(const RetryOptions& options, int attempt, const AttemptOutcome& outcome,
                     double now_unix_seconds, double random_unit) {
  INGESTD_CHECK(attempt >= 1);
  const std::string cause = Describe(outcome);
  RetryDecision decision;
  if (outcome.kind == FailureKind::kStatus) {
    if (outcome.status < 400) {
      decision.reason = "status " + std::to_string(outcome.status) + " is not a failure";
      return decision;
    }
    const auto& statuses = options.retry_statuses;
    if (std::find(statuses.begin(), statuses.end(), outcome.status) == statuses.end()) {
      decision.reason = cause + " is not retryable";
      return decision;
    }
  }
  if (attempt >= options.max_attempts) {
    decision.reason = cause + ", giving up after " + std::to_string(attempt) +
                      (attempt == 1 ? " attempt" : " attempts");
    return decision;
  }

  decision.retry = true;
  std::string note;  // why a Retry-After header was not used
  if (outcome.retry_after_header && options.honour_retry_after) {
    const std::string& header = *outcome.retry_after_header;
    if (!IsRetryAfterStatus(outcome)) {
      note = ", Retry-After ignored (honoured on 429 and 503 only)";
    } else if (const auto wait = ParseRetryAfter(header, now_unix_seconds)) {
      // Not std::clamp: that is undefined for unvalidated options with floor > cap.
      const double delay =
          std::min(std::max(*wait, options.min_retry_after_seconds), options.max_delay_seconds);
      decision.delay_seconds = delay;
      decision.used_retry_after = true;
      decision.reason = cause + ", Retry-After " + Num(*wait) + " s";
      if (delay > *wait) decision.reason += " (raised to " + Num(delay) + " s)";
      if (delay < *wait) decision.reason += " (capped to " + Num(delay) + " s)";
      return decision;
    } else {
      note = ", unparsable Retry-After " + Quote(header);
    }
  }
  decision.delay_seconds = BackoffSeconds(options, attempt, random_unit);
  decision.reason = cause + note + ", backoff " + Num(decision.delay_seconds) + " s";
  return decision;
}

}  // namespace ingestd::extract::http
