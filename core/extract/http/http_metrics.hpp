#pragma once

#include "core/common/result.hpp"
#include "core/metrics/registry.hpp"

namespace ingestd::extract::http {

/// The HTTP client's metric families (docs/metrics.md). Register once per
/// registry and share between clients; all members are owned by the registry.
struct HttpMetrics {
  /// ingestd_http_requests_total{host, status}: every attempt that got a
  /// response ("200", "429", ...) or failed without one ("error", "timeout").
  metrics::Family<metrics::Counter>* requests = nullptr;
  /// ingestd_http_request_duration_seconds{host}: one attempt, connect to
  /// last byte.
  metrics::Family<metrics::Histogram>* request_duration = nullptr;
  /// ingestd_http_retries_total{host, reason}: reason "status_429",
  /// "status_503", ..., "connection", "timeout".
  metrics::Family<metrics::Counter>* retries = nullptr;
  /// ingestd_http_retry_wait_seconds_total{host}: time spent waiting before
  /// retries (backoff and Retry-After).
  metrics::Family<metrics::Counter>* retry_wait_seconds = nullptr;
  /// ingestd_http_rate_limit_wait_seconds_total{host}: time spent waiting for
  /// the per-host rate/concurrency limit.
  metrics::Family<metrics::Counter>* rate_limit_wait_seconds = nullptr;
  /// ingestd_http_response_bytes_total{host}: decoded body bytes received.
  metrics::Family<metrics::Counter>* response_bytes = nullptr;

  /// Registers the families. Errors when they already exist in `registry`.
  static Result<HttpMetrics> Register(metrics::Registry& registry);
};

}  // namespace ingestd::extract::http
