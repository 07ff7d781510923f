#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/extract/http/rate_limiter.hpp"
#include "core/extract/http/retry_policy.hpp"

namespace ingestd::extract::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Finds a header by name, case-insensitively; the first one wins.
std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  /// Absolute http(s) URL.
  std::string url;
  /// Extra headers. The client sets Host, User-Agent, Accept-Encoding,
  /// Content-Length and Connection itself unless given here.
  HeaderList headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  HeaderList headers;
  /// The body, already decoded when it came with Content-Encoding gzip or
  /// deflate.
  std::string body;
  /// The URL that produced this response (after redirects).
  std::string final_url;
  /// Attempts made in total, the first included (1 = no retry).
  int attempts = 1;

  std::optional<std::string_view> Header(std::string_view name) const { return FindHeader(headers, name); }
};

/// Client settings; one HttpClient per source, so these are per source.
struct HttpClientOptions {
  double connect_timeout_seconds = 10;
  /// Longest silence while reading a response (headers or body): a server
  /// that stops sending fails the attempt with a timeout, which is retried.
  double read_timeout_seconds = 60;
  /// Longest one attempt may take from connect to the last body byte.
  double total_timeout_seconds = 300;
  /// A larger (decoded) body fails the request (kResourceExhausted), not
  /// retried: a page must fit in memory.
  std::size_t max_response_bytes = 256u << 20;
  /// Redirects (301, 302, 303, 307, 308) followed per request; one more
  /// fails the request. 303 (and 301/302 after POST) switch to GET without a
  /// body, as browsers and requests do. Authorization is dropped when a
  /// redirect leaves the original host.
  int max_redirects = 5;
  /// Verify server certificates (system CA store + `ca_file`) and host names.
  bool verify_tls = true;
  /// PEM file with extra trusted CA certificates (e.g. a corporate CA).
  std::string ca_file;
  std::string user_agent = "ingestd";
  /// Sends Accept-Encoding: gzip, deflate and decodes the response.
  bool accept_compressed = true;
  /// Idle keep-alive connections kept per host for reuse.
  int max_idle_connections_per_host = 8;
  RetryOptions retry;
  /// Applied per host (authority).
  HostLimits host_limits;
};

/// Something the client did that a person watching a run wants to know.
struct HttpEvent {
  enum class Kind : std::uint8_t {
    kRetry,         // an attempt failed and will be retried after delay_seconds
    kRateLimited,   // a request waited delay_seconds for the per-host rate limit
    kGaveUp,        // a retryable failure, but no attempts left
  };
  Kind kind = Kind::kRetry;
  std::string method;
  /// The URL without its query (never secrets).
  std::string url;
  std::string host;     // authority, "api.example.com:443"
  int attempt = 0;      // the attempt that failed (kRetry, kGaveUp)
  int status = 0;       // HTTP status, 0 for connection errors and timeouts
  double delay_seconds = 0;
  /// RetryDecision::reason, e.g. "429 Too Many Requests, Retry-After 30 s".
  std::string reason;
};

using HttpEventCallback = std::function<void(const HttpEvent&)>;

}  // namespace ingestd::extract::http
