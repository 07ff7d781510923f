#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
    kProgress,           // stage, rows, bytes: totals of the stage so far (emitted often;
                         // consumers throttle)
    kSchemaChanged,      // schema_version, new_tables, new_columns (after normalize)
    kContractViolation,  // table, column, entity, mode, message (the first ones of a package)
    kPackageResumed,     // message: load id of a pending package this run finishes
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
  // progress
  std::uint64_t rows = 0;   // items (extract) or rows (normalize, load)
  std::uint64_t bytes = 0;  // input bytes (extract: item file bytes)
  // schema changes
  std::int64_t schema_version = 0;
  std::vector<std::string> new_tables;
  std::vector<std::string> new_columns;  // "table.column"
  // contract violations (entity: "tables", "columns", "data_type"; mode:
  // "freeze", "discard_row", "discard_value")
  std::string table;
  std::string column;
  std::string entity;
  std::string mode;
};

/// "stage_started", "http_retry", ...
std::string_view RunEventKindName(RunEvent::Kind kind);

/// One line for a terminal, e.g.
/// "http retry: GET https://api.example.com/issues attempt 1: 429 Too Many Requests, Retry-After 2 s".
std::string FormatRunEvent(const RunEvent& event);

}  // namespace ingestd::pipeline
