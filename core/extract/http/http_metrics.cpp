#include "core/extract/http/http_metrics.hpp"

#include <vector>

namespace ingestd::extract::http {

Result<HttpMetrics> HttpMetrics::Register(metrics::Registry& registry) {
  // From a fast local API (5 ms) to a slow export endpoint near the default
  // total timeout (300 s).
  std::vector<double> duration_bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                         2.5,   5,    10,    30,   60,  120,  300};
  HttpMetrics m;
  INGESTD_ASSIGN_OR_RETURN(
      m.requests, registry.AddCounter("ingestd_http_requests_total",
                                      "HTTP attempts by host and status (\"error\", \"timeout\" without a response).",
                                      {"host", "status"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.request_duration,
      registry.AddHistogram("ingestd_http_request_duration_seconds",
                            "Duration of one HTTP attempt, connect to last body byte.", {"host"},
                            std::move(duration_bounds)));
  INGESTD_ASSIGN_OR_RETURN(m.retries, registry.AddCounter("ingestd_http_retries_total",
                                                          "HTTP retries by host and reason.", {"host", "reason"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.retry_wait_seconds,
      registry.AddCounter("ingestd_http_retry_wait_seconds_total",
                          "Seconds waited before HTTP retries (backoff and Retry-After).", {"host"}));
  INGESTD_ASSIGN_OR_RETURN(
      m.rate_limit_wait_seconds,
      registry.AddCounter("ingestd_http_rate_limit_wait_seconds_total",
                          "Seconds HTTP requests waited for the per-host rate and concurrency limit.", {"host"}));
  INGESTD_ASSIGN_OR_RETURN(m.response_bytes,
                           registry.AddCounter("ingestd_http_response_bytes_total",
                                               "Decoded HTTP response body bytes received.", {"host"}));
  return m;
}

}  // namespace ingestd::extract::http
