#include "core/extract/http/http_client.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "core/common/ascii.hpp"
#include "core/extract/http/connection_pool.hpp"
#include "core/extract/http/content_decoding.hpp"
#include "core/extract/http/rate_limiter.hpp"
#include "core/extract/http/retry_policy.hpp"
#include "core/extract/http/tls_context.hpp"
#include "core/extract/http/url.hpp"

namespace ingestd::extract::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

// Beast's default header limit (8 KiB) is too small for some APIs' Link and
// policy headers.
// Bytes asked of the socket per read while receiving a response.
constexpr std::size_t kReadBufferBytes = 64 * 1024;
constexpr std::uint32_t kHeaderLimitBytes = 64 * 1024;
// Timer durations are capped so absurd option values cannot overflow.
constexpr double kMaxTimerSeconds = 1e7;

SteadyClock::duration ToDuration(double seconds) {
  seconds = std::clamp(seconds, 0.0, kMaxTimerSeconds);
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

double SteadySeconds() {
  return std::chrono::duration<double>(SteadyClock::now().time_since_epoch()).count();
}

double UnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", seconds);
  return buf;
}

void EraseHeader(HeaderList& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& header) { return EqualsIgnoreAsciiCase(header.first, name); });
}

// RFC 9110 token characters, for methods and header names.
bool IsToken(std::string_view s) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

// Header values must not smuggle in another header or request.
bool IsSafeHeaderValue(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

std::string LimitReason(const HostLimits& limits) {
  std::string reason = "per-host limit: " + std::to_string(limits.max_concurrent) + " concurrent";
  if (limits.requests_per_second) reason += ", " + FormatSeconds(*limits.requests_per_second) + " requests/s";
  return reason;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// An error message written the way a person reads it ("connection refused").
std::string Cause(const error_code& ec) {
  std::string message = ec.message();
  if (!message.empty()) message[0] = AsciiLower(message[0]);
  return message;
}

// The peer closed (or reset) the connection.
bool IsClosedError(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::ssl::error::stream_truncated;
}

// The message ended before its declared end (Content-Length, last chunk).
bool IsTruncation(const error_code& ec) {
  return ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated;
}

struct TransportFailure {
  FailureKind kind = FailureKind::kConnection;  // kConnection or kTimeout
  std::string cause;                            // "connection refused"
  ErrorCode final_code = ErrorCode::kUnavailable;
  bool retryable = true;
  bool counted = false;  // the attempt was already counted (it got a response)
};

class RequestOp;

// A host's limiter and the requests waiting for it, so a Release can wake
// them instead of letting them poll.
struct HostState {
  std::unique_ptr<HostLimiter> limiter;
  std::vector<std::weak_ptr<RequestOp>> waiters;
};

// Everything the client and its requests share. Held by shared_ptr because
// queued Asio handlers of finished requests may run after the client object
// is gone (Cancel() then destroy); they keep this alive and touch nothing
// else. Apart from `cancelled`, used on the strand only.
struct Core {
  Core(asio::io_context& io_context, HttpClientOptions client_options, const HttpMetrics* client_metrics,
       HttpEventCallback event_callback, std::uint64_t seed, std::unique_ptr<asio::ssl::context> tls_context)
      : io(io_context),
        strand(asio::make_strand(io_context)),
        options(std::move(client_options)),
        metrics(client_metrics),
        on_event(std::move(event_callback)),
        rng(seed),
        tls(std::move(tls_context)),
        pool(static_cast<std::size_t>(std::max(0, options.max_idle_connections_per_host))) {}

  HostState& Host(const std::string& authority) {
    HostState& state = hosts[authority];
    if (!state.limiter) state.limiter = std::make_unique<HostLimiter>(options.host_limits);
    return state;
  }

  double RandomUnit() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

  void Emit(const HttpEvent& event) const {
    if (on_event) on_event(event);
  }

  asio::io_context& io;
  asio::strand<asio::io_context::executor_type> strand;
  const HttpClientOptions options;
  const HttpMetrics* const metrics;
  const HttpEventCallback on_event;
  std::mt19937_64 rng;
  std::unique_ptr<asio::ssl::context> tls;
  ConnectionPool pool;
  std::map<std::string, HostState> hosts;
  // Requests between AsyncSend and their callback (what Cancel() aborts). An
  // op holds the Core too; Finish() erases it, which breaks that cycle.
  std::set<std::shared_ptr<RequestOp>> active;
  std::atomic<bool> cancelled{false};
};

// One AsyncSend: attempts, retries and redirects until `done` is called.
// Every method runs on the strand. Handlers capture shared_from_this() and
// an attempt generation, and ignore completions of a finished request or of
// an attempt that has since ended.
class RequestOp : public std::enable_shared_from_this<RequestOp> {
 public:
  RequestOp(std::shared_ptr<Core> core, HttpRequest request, HttpClient::Callback done)
      : core_(std::move(core)),
        request_(std::move(request)),
        done_(std::move(done)),
        attempt_timer_(core_->strand),
        wait_timer_(core_->strand),
        resolver_(core_->strand) {}

  void Start();
  void Abort();
  // Wakes a request waiting for its host limiter (and not one in backoff).
  void Wake() {
    if (host_wait_start_) wait_timer_.cancel();
  }

 private:
  void AcquireHost();
  void StartAttempt();
  void Connect();
  void ConnectTo(const asio::ip::tcp::resolver::results_type& endpoints);
  void Handshake();
  void WriteRequest();
  void ReadSome();
  void OnReadError(const error_code& ec);
  void OnResponse();
  void FollowRedirect(const HttpResponse& response);
  void OnFailure(TransportFailure failure);
  void RetryOnFreshConnection();
  void ScheduleRetry(const RetryDecision& decision, int status, FailureKind kind);
  void EndAttempt(bool keep_connection);
  void ReleaseHost();
  void Finish(Result<HttpResponse> result);

  void BuildMessage();
  std::string Describe() const { return request_.method + " " + url_.Redacted(); }
  std::string PoolKey() const { return url_.scheme + "://" + url_.Authority(); }
  HttpEvent MakeEvent(HttpEvent::Kind kind, int status, double delay, std::string reason) const;
  void CountRequest(const std::string& status, double seconds) const;

  template <class Handler>
  auto Bind(Handler handler) {
    return [self = shared_from_this(), gen = generation_, handler = std::move(handler)](auto&&... args) mutable
      requires std::is_invocable_v<Handler&, decltype(args)...>
    {
      if (self->finished_ || gen != self->generation_) return;
      handler(std::forward<decltype(args)>(args)...);
    };
  }

  std::shared_ptr<Core> core_;
  HttpRequest request_;  // method, headers and body of the current hop
  HttpClient::Callback done_;
  Url url_;
  int attempt_ = 1;    // 1-based number of the current attempt
  int redirects_ = 0;  // followed so far
  bool finished_ = false;

  // Per attempt.
  std::uint64_t generation_ = 0;
  std::unique_ptr<Connection> connection_;
  bool reused_ = false;        // connection_ came from the pool
  bool fresh_retried_ = false;  // the once-per-attempt retry on a fresh connection was used
  bool timed_out_ = false;     // the total attempt timeout fired
  double attempt_start_ = 0;
  bhttp::request<bhttp::string_body> message_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  beast::flat_buffer buffer_;
  asio::steady_timer attempt_timer_;

  // Waits: host limiter and retry backoff.
  asio::steady_timer wait_timer_;
  asio::ip::tcp::resolver resolver_;
  std::optional<double> host_wait_start_;  // set while waiting for the limiter
  std::string held_host_;                  // authority whose limiter slot we hold, "" for none
};

void RequestOp::Start() {
  auto parsed = Url::Parse(request_.url);
  if (!parsed.ok()) {
    Finish(parsed.error().WithContext(request_.method));
    return;
  }
  url_ = std::move(parsed).value();
  if (!IsToken(request_.method)) {
    Finish(InvalidArgument("invalid HTTP method for " + url_.Redacted()));
    return;
  }
  for (const auto& [name, value] : request_.headers) {
    if (!IsToken(name)) {
      Finish(InvalidArgument(Describe() + ": invalid header name"));
      return;
    }
    if (!IsSafeHeaderValue(value)) {
      Finish(InvalidArgument(Describe() + ": header " + name + " has a value with CR, LF or NUL"));
      return;
    }
  }
  AcquireHost();
}

void RequestOp::Abort() {
  if (!finished_) Finish(Error(ErrorCode::kCancelled, Describe() + ": cancelled"));
}

void RequestOp::AcquireHost() {
  const std::string host = url_.Authority();
  HostState& state = core_->Host(host);
  const double now = SteadySeconds();
  const std::optional<double> wait = state.limiter->TryAcquire(now);
  if (!wait) {
    held_host_ = host;
    if (host_wait_start_) {
      const double waited = now - *host_wait_start_;
      host_wait_start_.reset();
      if (waited > 0) {
        if (core_->metrics) core_->metrics->rate_limit_wait_seconds->WithLabels({host}).Increment(waited);
        core_->Emit(MakeEvent(HttpEvent::Kind::kRateLimited, 0, waited, LimitReason(core_->options.host_limits)));
      }
    }
    StartAttempt();
    return;
  }
  if (!host_wait_start_) host_wait_start_ = now;
  state.waiters.push_back(weak_from_this());
  wait_timer_.expires_after(ToDuration(*wait));
  // Woken early (cancelled) by a Release of the host, or on time: try again.
  wait_timer_.async_wait(Bind([this](error_code) { AcquireHost(); }));
}

void RequestOp::ReleaseHost() {
  if (held_host_.empty()) return;
  HostState& state = core_->Host(held_host_);
  held_host_.clear();
  state.limiter->Release();
  std::vector<std::weak_ptr<RequestOp>> waiters;
  waiters.swap(state.waiters);
  for (auto& weak : waiters) {
    if (auto waiter = weak.lock()) waiter->Wake();
  }
}

void RequestOp::BuildMessage() {
  message_ = {};
  message_.version(11);
  message_.method_string(request_.method);
  message_.target(url_.target);
  for (const auto& [name, value] : request_.headers) message_.insert(name, value);
  const HttpClientOptions& options = core_->options;
  if (!FindHeader(request_.headers, "Host")) {
    const std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    const bool default_port = url_.port == (url_.scheme == "https" ? 443 : 80);
    message_.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(url_.port));
  }
  if (!FindHeader(request_.headers, "User-Agent") && !options.user_agent.empty()) {
    message_.set(bhttp::field::user_agent, options.user_agent);
  }
  if (!FindHeader(request_.headers, "Accept-Encoding") && options.accept_compressed) {
    message_.set(bhttp::field::accept_encoding, "gzip, deflate");
  }
  message_.body() = request_.body;
  if (!FindHeader(request_.headers, "Content-Length")) {
    const std::string_view method = request_.method;
    if (!request_.body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      message_.content_length(request_.body.size());
    }
  }
}

void RequestOp::StartAttempt() {
  ++generation_;
  timed_out_ = false;
  attempt_start_ = SteadySeconds();
  BuildMessage();
  attempt_timer_.expires_after(ToDuration(core_->options.total_timeout_seconds));
  attempt_timer_.async_wait(Bind([this](error_code ec) {
    if (ec) return;  // cancelled: the attempt ended
    timed_out_ = true;
    resolver_.cancel();
    if (connection_) connection_->Close();
  }));
  connection_ = fresh_retried_ ? nullptr : core_->pool.Take(PoolKey());
  reused_ = connection_ != nullptr;
  if (reused_) {
    WriteRequest();
  } else {
    Connect();
  }
}

void RequestOp::Connect() {
  const bool tls = url_.scheme == "https";
  if (tls) {
    connection_ = std::make_unique<Connection>(core_->strand, *core_->tls);
    if (Status prepared = connection_->PrepareTls(url_.host, core_->options.verify_tls); !prepared.ok()) {
      Finish(std::move(prepared).error().WithContext(Describe()));
      return;
    }
  } else {
    connection_ = std::make_unique<Connection>(core_->strand);
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(url_.host, ec);
  if (!ec) {
    // An IP literal: no resolver (which would use a thread of Asio's own).
    ConnectTo(asio::ip::tcp::resolver::results_type::create(asio::ip::tcp::endpoint(address, url_.port),
                                                            url_.host, std::to_string(url_.port)));
    return;
  }
  resolver_.async_resolve(url_.host, std::to_string(url_.port),
                          Bind([this](error_code resolve_ec, asio::ip::tcp::resolver::results_type results) {
                            if (timed_out_) {
                              OnFailure({FailureKind::kTimeout, "timeout resolving the host name"});
                            } else if (resolve_ec) {
                              OnFailure({FailureKind::kConnection, "cannot resolve host: " + Cause(resolve_ec)});
                            } else {
                              ConnectTo(results);
                            }
                          }));
}

void RequestOp::ConnectTo(const asio::ip::tcp::resolver::results_type& endpoints) {
  connection_->tcp().expires_after(ToDuration(core_->options.connect_timeout_seconds));
  connection_->tcp().async_connect(endpoints, Bind([this](error_code ec, const asio::ip::tcp::endpoint&) {
    if (timed_out_) {
      OnFailure({FailureKind::kTimeout, "total timeout while connecting"});
    } else if (ec == beast::error::timeout) {
      OnFailure({FailureKind::kTimeout,
                 "connect timeout after " + FormatSeconds(core_->options.connect_timeout_seconds) + " s"});
    } else if (ec) {
      OnFailure({FailureKind::kConnection, Cause(ec)});
    } else if (connection_->is_tls()) {
      Handshake();
    } else {
      WriteRequest();
    }
  }));
}

void RequestOp::Handshake() {
  connection_->tcp().expires_after(ToDuration(core_->options.connect_timeout_seconds));
  connection_->tls().async_handshake(asio::ssl::stream_base::client, Bind([this](error_code ec) {
    if (timed_out_) {
      OnFailure({FailureKind::kTimeout, "total timeout during the TLS handshake"});
    } else if (ec == beast::error::timeout) {
      OnFailure({FailureKind::kTimeout, "TLS handshake timeout"});
    } else if (IsCertificateVerifyError(ec)) {
      // A certificate the client does not accept stays unaccepted: no retry.
      const long verify_result = SSL_get_verify_result(connection_->tls().native_handle());
      OnFailure({FailureKind::kConnection, DescribeTlsError(ec, verify_result), ErrorCode::kFailedPrecondition,
                 /*retryable=*/false});
    } else if (ec) {
      OnFailure({FailureKind::kConnection, DescribeTlsError(ec, X509_V_OK)});
    } else {
      WriteRequest();
    }
  }));
}

void RequestOp::WriteRequest() {
  connection_->tcp().expires_after(ToDuration(core_->options.read_timeout_seconds));
  connection_->Visit([this](auto& stream) {
    bhttp::async_write(stream, message_, Bind([this](error_code ec, std::size_t) {
      if (!ec) {
        parser_.emplace();
        const HttpClientOptions& options = core_->options;
        // The wire size may exceed the decoded limit by deflate's worst-case
        // overhead; the decoded size is checked after decoding.
        const std::uint64_t slack = options.accept_compressed ? options.max_response_bytes / 64 + 4096 : 0;
        parser_->body_limit(static_cast<std::uint64_t>(options.max_response_bytes) + slack);
        parser_->header_limit(kHeaderLimitBytes);
        if (request_.method == "HEAD") parser_->skip(true);
        buffer_.clear();
        // Beast sizes each read by the buffer's free capacity (at least 512
        // bytes); the parser moves body bytes out, so without a reservation
        // every read is 512 bytes: a syscall and a timer re-arm per 512 bytes.
        buffer_.reserve(kReadBufferBytes);
        ReadSome();
      } else if (timed_out_) {
        OnFailure({FailureKind::kTimeout, "total timeout while sending the request"});
      } else if (ec == beast::error::timeout) {
        OnFailure({FailureKind::kTimeout, "timeout while sending the request"});
      } else if (reused_ && !fresh_retried_ && IsClosedError(ec)) {
        RetryOnFreshConnection();
      } else {
        OnFailure({FailureKind::kConnection, "sending the request: " + Cause(ec)});
      }
    }));
  });
}

// Reads in steps, each with its own read timeout, so read_timeout_seconds
// bounds the silence between bytes rather than the whole response.
void RequestOp::ReadSome() {
  connection_->tcp().expires_after(ToDuration(core_->options.read_timeout_seconds));
  connection_->Visit([this](auto& stream) {
    bhttp::async_read_some(stream, buffer_, *parser_, Bind([this](error_code ec, std::size_t) {
      if (ec) {
        OnReadError(ec);
      } else if (parser_->is_done()) {
        OnResponse();
      } else {
        ReadSome();
      }
    }));
  });
}

void RequestOp::OnReadError(const error_code& ec) {
  const HttpClientOptions& options = core_->options;
  if (timed_out_) {
    OnFailure({FailureKind::kTimeout,
               "total timeout: the attempt took longer than " + FormatSeconds(options.total_timeout_seconds) + " s"});
  } else if (ec == bhttp::error::body_limit) {
    EndAttempt(/*keep_connection=*/false);
    Finish(ResourceExhausted(Describe() + ": response body exceeds max_response_bytes (" +
                             std::to_string(options.max_response_bytes) + ")"));
  } else if (ec == beast::error::timeout) {
    OnFailure({FailureKind::kTimeout,
               "read timeout: no data for " + FormatSeconds(options.read_timeout_seconds) + " s"});
  } else if (!parser_->got_some() && buffer_.size() == 0 && reused_ && !fresh_retried_ && IsClosedError(ec)) {
    RetryOnFreshConnection();
  } else if (parser_->is_header_done() && (IsTruncation(ec) || IsClosedError(ec))) {
    OnFailure({FailureKind::kConnection, "response body ended early (" + Cause(ec) + ")", ErrorCode::kDataLoss});
  } else if (!parser_->got_some() && IsClosedError(ec)) {
    OnFailure({FailureKind::kConnection, "connection closed before a response (" + Cause(ec) + ")"});
  } else {
    OnFailure({FailureKind::kConnection, "reading the response: " + Cause(ec)});
  }
}

void RequestOp::OnResponse() {
  const HttpClientOptions& options = core_->options;
  bhttp::response<bhttp::string_body> message = parser_->release();
  const bool request_close = FindHeader(request_.headers, "Connection").has_value() &&
                             EqualsIgnoreAsciiCase(*FindHeader(request_.headers, "Connection"), "close");
  const bool keep = message.keep_alive() && !request_close && buffer_.size() == 0;
  const double seconds = SteadySeconds() - attempt_start_;
  EndAttempt(keep);

  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.reason = std::string(message.reason());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.final_url = url_.ToString();
  response.attempts = attempt_;
  const std::string host = url_.Authority();
  CountRequest(std::to_string(response.status), seconds);

  if (IsRedirect(response.status) && response.Header("Location")) {
    FollowRedirect(response);
    return;
  }

  std::string body = std::move(message.body());
  const auto encoding = response.Header("Content-Encoding");
  if (encoding && request_.method != "HEAD" && IsSupportedContentEncoding(*encoding)) {
    auto decoded = DecodeContent(*encoding, std::move(body), options.max_response_bytes);
    if (!decoded.ok()) {
      if (decoded.error().code() == ErrorCode::kDataLoss) {
        // Corrupt or cut-off compressed data is a transport failure: retried.
        TransportFailure failure{FailureKind::kConnection, decoded.error().message(), ErrorCode::kDataLoss};
        failure.counted = true;
        OnFailure(std::move(failure));
        return;
      }
      Finish(decoded.error().WithContext(Describe()));
      return;
    }
    body = std::move(decoded).value();
  } else if (body.size() > options.max_response_bytes) {
    Finish(ResourceExhausted(Describe() + ": response body exceeds max_response_bytes (" +
                             std::to_string(options.max_response_bytes) + ")"));
    return;
  }
  response.body = std::move(body);
  if (core_->metrics) {
    core_->metrics->response_bytes->WithLabels({host}).Increment(static_cast<double>(response.body.size()));
  }

  if (response.status < 400) {
    Finish(std::move(response));
    return;
  }
  AttemptOutcome outcome;
  outcome.kind = FailureKind::kStatus;
  outcome.status = response.status;
  if (auto retry_after = response.Header("Retry-After")) outcome.retry_after_header = std::string(*retry_after);
  const RetryDecision decision = Decide(options.retry, attempt_, outcome, UnixSeconds(), core_->RandomUnit());
  if (decision.retry) {
    ScheduleRetry(decision, response.status, FailureKind::kStatus);
    return;
  }
  const auto& statuses = options.retry.retry_statuses;
  if (std::find(statuses.begin(), statuses.end(), response.status) != statuses.end()) {
    core_->Emit(MakeEvent(HttpEvent::Kind::kGaveUp, response.status, 0, decision.reason));
  }
  Finish(std::move(response));
}

void RequestOp::FollowRedirect(const HttpResponse& response) {
  if (redirects_ >= core_->options.max_redirects) {
    Finish(FailedPrecondition(Describe() + ": more than " + std::to_string(core_->options.max_redirects) +
                              " redirects"));
    return;
  }
  auto next = url_.Resolve(*response.Header("Location"));
  if (!next.ok()) {
    Finish(next.error().WithContext(Describe() + ": redirect"));
    return;
  }
  ++redirects_;
  const int status = response.status;
  if (status == 303 ? request_.method != "HEAD" : ((status == 301 || status == 302) && request_.method == "POST")) {
    request_.method = "GET";
    request_.body.clear();
    EraseHeader(request_.headers, "Content-Type");
    EraseHeader(request_.headers, "Content-Length");
    EraseHeader(request_.headers, "Content-Encoding");
  }
  if (next->Authority() != url_.Authority() || next->scheme != url_.scheme) {
    // Credentials were meant for the original host only (as requests does).
    EraseHeader(request_.headers, "Authorization");
  }
  url_ = std::move(next).value();
  fresh_retried_ = false;
  AcquireHost();
}

void RequestOp::OnFailure(TransportFailure failure) {
  const double seconds = SteadySeconds() - attempt_start_;
  EndAttempt(/*keep_connection=*/false);
  if (!failure.counted) CountRequest(failure.kind == FailureKind::kTimeout ? "timeout" : "error", seconds);
  const auto fail = [&](const std::string& tail) {
    Finish(Error(failure.final_code, Describe() + ": " + failure.cause + tail));
  };
  if (!failure.retryable) {
    fail("");
    return;
  }
  AttemptOutcome outcome;
  outcome.kind = failure.kind;
  const RetryDecision decision = Decide(core_->options.retry, attempt_, outcome, UnixSeconds(), core_->RandomUnit());
  if (decision.retry) {
    ScheduleRetry(decision, 0, failure.kind);
    return;
  }
  core_->Emit(MakeEvent(HttpEvent::Kind::kGaveUp, 0, 0, decision.reason));
  fail(" after " + std::to_string(attempt_) + (attempt_ == 1 ? " attempt" : " attempts"));
}

void RequestOp::RetryOnFreshConnection() {
  // The server closed an idle keep-alive connection before we used it: not
  // the server failing this request, so no attempt is counted. The host
  // slot is kept.
  fresh_retried_ = true;
  ++generation_;
  attempt_timer_.cancel();
  if (connection_) connection_->Close();
  connection_.reset();
  parser_.reset();
  StartAttempt();
}

void RequestOp::ScheduleRetry(const RetryDecision& decision, int status, FailureKind kind) {
  const std::string host = url_.Authority();
  if (core_->metrics) {
    const std::string reason = kind == FailureKind::kStatus    ? "status_" + std::to_string(status)
                               : kind == FailureKind::kTimeout ? "timeout"
                                                               : "connection";
    core_->metrics->retries->WithLabels({host, reason}).Increment();
    core_->metrics->retry_wait_seconds->WithLabels({host}).Increment(decision.delay_seconds);
  }
  core_->Emit(MakeEvent(HttpEvent::Kind::kRetry, status, decision.delay_seconds, decision.reason));
  ++attempt_;
  fresh_retried_ = false;
  wait_timer_.expires_after(ToDuration(decision.delay_seconds));
  wait_timer_.async_wait(Bind([this](error_code) { AcquireHost(); }));
}

void RequestOp::EndAttempt(bool keep_connection) {
  ++generation_;
  attempt_timer_.cancel();
  if (connection_) {
    if (keep_connection && !timed_out_) {
      core_->pool.Put(PoolKey(), std::move(connection_));
    } else {
      connection_->Close();
    }
  }
  ReleaseHost();
}

void RequestOp::Finish(Result<HttpResponse> result) {
  if (finished_) return;
  finished_ = true;
  auto self = shared_from_this();  // `active` may hold the last reference
  attempt_timer_.cancel();
  wait_timer_.cancel();
  resolver_.cancel();
  if (connection_) connection_->Close();
  ReleaseHost();
  core_->active.erase(self);
  HttpClient::Callback done = std::move(done_);
  done(std::move(result));
}

HttpEvent RequestOp::MakeEvent(HttpEvent::Kind kind, int status, double delay, std::string reason) const {
  HttpEvent event;
  event.kind = kind;
  event.method = request_.method;
  event.url = url_.Redacted();
  event.host = url_.Authority();
  event.attempt = attempt_;
  event.status = status;
  event.delay_seconds = delay;
  event.reason = std::move(reason);
  return event;
}

void RequestOp::CountRequest(const std::string& status, double seconds) const {
  if (!core_->metrics) return;
  const std::string host = url_.Authority();
  core_->metrics->requests->WithLabels({host, status}).Increment();
  core_->metrics->request_duration->WithLabels({host}).Observe(seconds);
}

class AsioHttpClient final : public HttpClient {
 public:
  explicit AsioHttpClient(std::shared_ptr<Core> core) : core_(std::move(core)) {}

  // By contract no request is pending, so nothing else uses the pool now.
  ~AsioHttpClient() override { core_->pool.Clear(); }

  void AsyncSend(HttpRequest request, Callback done) override {
    asio::post(core_->strand, [core = core_, request = std::move(request), done = std::move(done)]() mutable {
      if (core->cancelled.load()) {
        const auto url = Url::Parse(request.url);
        const std::string what = request.method + " " + (url.ok() ? url->Redacted() : std::string("(invalid URL)"));
        done(Error(ErrorCode::kCancelled, what + ": cancelled (the client was cancelled)"));
        return;
      }
      auto op = std::make_shared<RequestOp>(core, std::move(request), std::move(done));
      core->active.insert(op);
      op->Start();
    });
  }

  Result<HttpResponse> Send(HttpRequest request) override {
    std::optional<Result<HttpResponse>> result;
    AsyncSend(std::move(request), [&result](Result<HttpResponse> r) { result.emplace(std::move(r)); });
    asio::io_context& io = core_->io;
    while (!result) {
      // run_one() returns 0 once the io_context ran out of work or was
      // stopped; ours is pending until `result` is set, so start it again.
      if (io.run_one() == 0 && !result) io.restart();
    }
    return std::move(*result);
  }

  void Cancel() override {
    core_->cancelled.store(true);
    asio::post(core_->strand, [core = core_] {
      const auto active = core->active;  // Abort() erases from it
      for (const auto& op : active) op->Abort();
      core->pool.Clear();
    });
  }

  asio::any_io_executor executor() const override { return core_->strand; }

  const HttpClientOptions& options() const override { return core_->options; }

 private:
  std::shared_ptr<Core> core_;
};

Status ValidateOptions(const HttpClientOptions& options) {
  const auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (!positive(options.connect_timeout_seconds)) {
    return InvalidArgument("http option connect_timeout_seconds must be a positive number of seconds, got " +
                           FormatSeconds(options.connect_timeout_seconds));
  }
  if (!positive(options.read_timeout_seconds)) {
    return InvalidArgument("http option read_timeout_seconds must be a positive number of seconds, got " +
                           FormatSeconds(options.read_timeout_seconds));
  }
  if (!positive(options.total_timeout_seconds)) {
    return InvalidArgument("http option total_timeout_seconds must be a positive number of seconds, got " +
                           FormatSeconds(options.total_timeout_seconds));
  }
  if (options.max_redirects < 0) {
    return InvalidArgument("http option max_redirects must be at least 0, got " +
                           std::to_string(options.max_redirects));
  }
  if (options.max_idle_connections_per_host < 0) {
    return InvalidArgument("http option max_idle_connections_per_host must be at least 0, got " +
                           std::to_string(options.max_idle_connections_per_host));
  }
  INGESTD_TRY(options.retry.Validate());
  INGESTD_TRY(options.host_limits.Validate());
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<HttpClient>> HttpClient::Create(boost::asio::io_context& io, HttpClientOptions options,
                                                      const HttpMetrics* metrics, HttpEventCallback on_event,
                                                      std::uint64_t random_seed) {
  INGESTD_TRY(ValidateOptions(options));
  if (metrics && !(metrics->requests && metrics->request_duration && metrics->retries &&
                   metrics->retry_wait_seconds && metrics->rate_limit_wait_seconds && metrics->response_bytes)) {
    return InvalidArgument("HttpMetrics is not registered (use HttpMetrics::Register)");
  }
  INGESTD_ASSIGN_OR_RETURN(auto tls, MakeTlsClientContext(options.verify_tls, options.ca_file));
  if (random_seed == 0) random_seed = std::random_device()();
  auto core = std::make_shared<Core>(io, std::move(options), metrics, std::move(on_event), random_seed,
                                     std::move(tls));
  return std::unique_ptr<HttpClient>(std::make_unique<AsioHttpClient>(std::move(core)));
}

}  // namespace ingestd::extract::http
