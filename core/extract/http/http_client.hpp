#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "core/common/result.hpp"
#include "core/extract/http/http_metrics.hpp"
#include "core/extract/http/http_types.hpp"

namespace ingestd::extract::http {

/// An asynchronous HTTP/1.1 client on Boost.Asio + Beast, over TCP and TLS
/// (OpenSSL: system CA store plus an optional CA file, SNI, host name
/// verification), for the sources' requests (reference §11):
///
/// - keep-alive connections reused per host (idle ones kept up to
///   max_idle_connections_per_host; a reused connection the server closed
///   meanwhile is retried once on a fresh one without counting as an attempt);
/// - gzip/deflate response decoding (zlib), a response size limit;
/// - bounded redirects; connect, read and total timeouts per attempt;
/// - retries with the pure policy of retry_policy.hpp (exponential backoff
///   with jitter, Retry-After on 429/503 clamped and floored), waiting on
///   Asio timers, never blocking a thread;
/// - per-host politeness with HostLimiter (concurrency cap, optional rate);
/// - every retry and rate-limit wait reported through the event callback
///   and counted in HttpMetrics.
///
/// Threading: all of the client's work runs on one strand of the
/// io_context's executor, and completion callbacks are invoked on that
/// strand, so callers sharing one client never run concurrently with each
/// other even when several threads run the io_context. The io_context may
/// be run by any number of threads; core starts none.
///
/// Lifetime: the client must outlive its pending requests or be Cancel()ed
/// and then destroyed only after all callbacks ran (they run with
/// kCancelled after Cancel()).
class HttpClient {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;

  /// Errors: invalid options (retry/limits Validate(), negative timeouts),
  /// an unreadable CA file. `metrics` may be null (nothing counted), as may
  /// `on_event`. `random_seed` seeds the jitter (tests pass a fixed one);
  /// 0 seeds it from std::random_device, so clients do not retry in step.
  static Result<std::unique_ptr<HttpClient>> Create(boost::asio::io_context& io, HttpClientOptions options,
                                                    const HttpMetrics* metrics = nullptr,
                                                    HttpEventCallback on_event = {},
                                                    std::uint64_t random_seed = 0);
  virtual ~HttpClient() = default;

  /// Sends `request`, following redirects and retrying per the options, and
  /// calls `done` exactly once, on the client's strand:
  /// - with the response for any final status, 4xx/5xx included (a
  ///   retryable status whose attempts ran out returns its last response:
  ///   the caller decides, as dlt's RESTClient does with raise_for_status);
  /// - with an error when no response could be had: kUnavailable for
  ///   connection failures and timeouts after the last attempt (the message
  ///   names the method, the redacted URL, the attempts and the last cause,
  ///   e.g. "GET https://api.example.com/issues: connection refused after 5
  ///   attempts"), kResourceExhausted for a body over the size limit,
  ///   kInvalidArgument for a bad URL, kDataLoss for a body that ended early
  ///   or failed to decode (retried first: truncation is a transport
  ///   failure), kFailedPrecondition for more than max_redirects redirects
  ///   and for a server certificate that fails verification (not retried:
  ///   it cannot heal), kCancelled after Cancel().
  /// Never logs or reports query strings or header values.
  virtual void AsyncSend(HttpRequest request, Callback done) = 0;

  /// Synchronous convenience for code that does not run the io_context
  /// itself (the files source): posts AsyncSend and runs the io_context
  /// until it completes. Must not be called from a thread running the same
  /// io_context.
  virtual Result<HttpResponse> Send(HttpRequest request) = 0;

  /// Aborts every pending request and wait; their callbacks run with
  /// kCancelled. Requests sent afterwards fail at once with kCancelled.
  /// Thread-safe.
  virtual void Cancel() = 0;

  /// The strand the client runs on (to post work that must not race with
  /// completion callbacks).
  virtual boost::asio::any_io_executor executor() const = 0;

  virtual const HttpClientOptions& options() const = 0;
};

}  // namespace ingestd::extract::http
