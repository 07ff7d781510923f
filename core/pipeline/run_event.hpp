#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ingestd::pipeline {

/// Something that happened during a run that a person watching it wants to
/// see as it happens: `ingestd run` prints them to stderr, the daemon will
/// stream them to WatchRun. Never carries secrets or query strings.
struct RunEvent {
  enum class Kind : std::uint8_t {
    kStageStarted,       // stage
    kStageFinished,      // stage, message (e.g. "12,000 items")
    kResourceFinished,   // resource, message
    kHttpRetry,          // an HTTP attempt failed and is retried after delay_seconds
    kHttpGaveUp,         // a retryable HTTP failure with no attempts left
    kHttpRateLimited,    // a request waited delay_seconds for the per-host rate limit
    kPaginatorDetected,  // resource, message: which paginator and why
    kResponseIgnored,    // resource, message: a response_action ended a request series
  };
  Kind kind = Kind::kStageStarted;
  std::string stage;     // "extract", "normalize", "load" (stage events)
  std::string resource;  // the resource, when known
  std::string message;
  // HTTP events
  std::string url;   // without the query
  std::string host;  // "api.example.com:443"
  int attempt = 0;
  int http_status = 0;  // 0 for connection errors and timeouts
  double delay_seconds = 0;
};

/// "stage_started", "http_retry", ...
std::string_view RunEventKindName(RunEvent::Kind kind);

/// One line for a terminal, e.g.
/// "http retry: GET https://api.example.com/issues attempt 1: 429 Too Many Requests, Retry-After 2 s".
std::string FormatRunEvent(const RunEvent& event);

}  // namespace ingestd::pipeline
