#include "server/metrics/metrics_http_server.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "core/common/log.hpp"
#include "core/metrics/text_exposition.hpp"

namespace ingestd::server_metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

/// What the accept loop and the connections share. Everything but the
/// fields under `use_mutex` is used on `strand` only.
struct MetricsHttpServer::State {
  State(asio::io_context& io, const metrics::Registry& registry_ref, std::function<bool()> ready_fn,
        MetricsHttpServerOptions opts)
      : strand(asio::make_strand(io)),
        acceptor(strand),
        options(opts),
        registry(&registry_ref),
        ready(std::move(ready_fn)) {}

  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  const MetricsHttpServerOptions options;
  /// Open connections' streams (each lives in its coroutine's frame), so
  /// Close can close them.
  std::set<beast::tcp_stream*> streams;
  /// Accepted connections whose coroutine has not finished.
  std::size_t open_connections = 0;
  /// Close ran: handlers stop at their next step.
  bool closed = false;

  /// Guards the three fields below, and is held while the registry or
  /// `ready` is used, so that Stop() can promise neither is used after it
  /// returns (Stop may run on any thread; the rest runs on the strand).
  std::mutex use_mutex;
  bool stopped = false;
  const metrics::Registry* registry;
  std::function<bool()> ready;
};

namespace {

struct Reply {
  http::status status = http::status::ok;
  std::string body;
  std::string_view content_type = "text/plain; charset=utf-8";
  bool allow_header = false;  // 405: Allow: GET, HEAD
  bool close = false;         // Connection: close regardless of the request
};

Reply TextReply(http::status status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

/// The reply to `method target`, or nothing once the server is stopping.
/// Runs the registry's callbacks and `ready`, under `use_mutex`.
std::optional<Reply> Route(MetricsHttpServer::State& state, http::verb method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != "/metrics" && path != "/healthz" && path != "/readyz") {
    return TextReply(http::status::not_found, "not found\n");
  }
  if (method != http::verb::get && method != http::verb::head) {
    Reply reply = TextReply(http::status::method_not_allowed, "method not allowed\n");
    reply.allow_header = true;
    return reply;
  }
  std::lock_guard lock(state.use_mutex);
  if (state.stopped) return std::nullopt;
  if (path == "/metrics") {
    Reply reply = TextReply(http::status::ok, metrics::RenderText(*state.registry));
    reply.content_type = metrics::kContentType;
    return reply;
  }
  if (path == "/healthz") return TextReply(http::status::ok, "ok\n");
  if (state.ready && state.ready()) return TextReply(http::status::ok, "ready\n");
  return TextReply(http::status::service_unavailable, "not ready\n");
}

/// Writes `reply` (headers only for HEAD); the error, if any.
asio::awaitable<error_code> WriteReply(beast::tcp_stream& stream, const MetricsHttpServerOptions& options,
                                       const Reply& reply, unsigned version, bool head, bool keep_alive) {
  auto fill = [&](auto& response) {
    response.set(http::field::server, "ingestd");
    response.set(http::field::content_type, reply.content_type);
    response.set(http::field::cache_control, "no-store");
    if (reply.allow_header) response.set(http::field::allow, "GET, HEAD");
    response.content_length(reply.body.size());
    response.keep_alive(keep_alive);
  };
  stream.expires_after(options.io_timeout);
  if (head) {
    // Content-Length is the GET body's, as RFC 9110 asks; empty_body sends
    // no payload and keeps the header as set.
    http::response<http::empty_body> response{reply.status, version};
    fill(response);
    auto [ec, n] = co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    co_return ec;
  }
  http::response<http::string_body> response{reply.status, version, reply.body};
  fill(response);
  auto [ec, n] = co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

/// A request that did not parse: the status to answer with, or nothing
/// when the peer went away or timed out (then the connection just closes).
std::optional<http::status> ParseFailureStatus(const error_code& ec) {
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) return http::status::bad_request;
  return std::nullopt;
}

/// After an error response the client may still be sending (the rest of an
/// oversized request). Closing a socket with unread data sends a reset,
/// which can destroy the response before the client reads it, so stop
/// sending and drop what arrives for a moment first (Apache's lingering
/// close).
asio::awaitable<void> LingeringClose(MetricsHttpServer::State& state, beast::tcp_stream& stream) {
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(std::chrono::seconds(1));
  char drain[4096];
  for (std::size_t total = 0; total < 64 * 1024;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(drain), asio::as_tuple(asio::use_awaitable));
    if (ec || state.closed) break;
    total += n;
  }
}

/// Removes a connection from the state when its coroutine ends.
class ConnectionGuard {
 public:
  ConnectionGuard(MetricsHttpServer::State& state, beast::tcp_stream& stream) : state_(state), stream_(stream) {
    state_.streams.insert(&stream_);
  }
  ~ConnectionGuard() {
    state_.streams.erase(&stream_);
    --state_.open_connections;
  }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

 private:
  MetricsHttpServer::State& state_;
  beast::tcp_stream& stream_;
};

/// Serves one connection: requests in order until the peer closes, stays
/// silent for io_timeout, asks to close, or the server closes.
asio::awaitable<void> Serve(std::shared_ptr<MetricsHttpServer::State> state, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  if (state->closed) {
    --state->open_connections;
    co_return;
  }
  ConnectionGuard guard(*state, stream);
  const MetricsHttpServerOptions& options = state->options;
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    stream.expires_after(options.io_timeout);
    auto [read_error, read_bytes] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (state->closed) break;
    if (read_error) {
      if (std::optional<http::status> status = ParseFailureStatus(read_error)) {
        Reply reply = TextReply(*status, std::string(http::obsolete_reason(*status)) + "\n");
        const error_code write_error =
            co_await WriteReply(stream, options, reply, 11, /*head=*/false, /*keep_alive=*/false);
        if (!write_error && !state->closed) co_await LingeringClose(*state, stream);
      }
      break;
    }
    const http::request<http::string_body>& request = parser.get();
    std::optional<Reply> reply;
    try {
      reply = Route(*state, request.method(), request.target());
    } catch (const std::exception& e) {
      log::Error("metrics http: request failed", {{"target", std::string(request.target())}, {"error", e.what()}});
      reply = TextReply(http::status::internal_server_error, "internal error\n");
      reply->close = true;
    }
    if (!reply || state->closed) break;
    const bool keep_alive = request.keep_alive() && !reply->close;
    const error_code write_error = co_await WriteReply(stream, options, *reply, request.version(),
                                                       request.method() == http::verb::head, keep_alive);
    if (write_error || !keep_alive || state->closed) break;
  }
  if (!state->closed) {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

/// Accepts until the acceptor is closed.
asio::awaitable<void> AcceptLoop(std::shared_ptr<MetricsHttpServer::State> state);

/// co_spawn's completion handler: logs what escaped a coroutine, so no
/// exception reaches the io_context's threads.
auto LogEscaped(std::string_view what) {
  return [what](std::exception_ptr escaped) {
    if (!escaped) return;
    try {
      std::rethrow_exception(escaped);
    } catch (const std::exception& e) {
      log::Error("metrics http: exception", {{"in", std::string(what)}, {"error", e.what()}});
    } catch (...) {
      log::Error("metrics http: exception", {{"in", std::string(what)}, {"error", "unknown"}});
    }
  };
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<MetricsHttpServer::State> state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (state->closed || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors and the like: wait a little instead of spinning.
      log::Warn("metrics http: accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(state->strand, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      if (state->closed) co_return;
      continue;
    }
    if (state->open_connections >= state->options.max_connections) {
      error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++state->open_connections;
    asio::co_spawn(state->strand, Serve(state, std::move(socket)), LogEscaped("connection"));
  }
}

/// Closes the acceptor and every connection. On the strand.
void Close(MetricsHttpServer::State& state) {
  if (state.closed) return;
  state.closed = true;
  error_code ignored;
  state.acceptor.close(ignored);
  for (beast::tcp_stream* stream : state.streams) {
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->close();
  }
}

std::string LowerFirst(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

/// `host:port` or `[v6]:port` → an endpoint; names are resolved.
Result<tcp::endpoint> ParseListen(asio::io_context& io, const std::string& listen) {
  const auto invalid = [&listen](const std::string& why) {
    return InvalidArgument("http listen " + listen + ": " + why + "; set --http-listen");
  };
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return invalid("expected host:port");
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return invalid("expected host:port");
  unsigned port = 0;
  const auto [end, parse_error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || parse_error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return invalid("port \"" + port_text + "\" is not a number from 0 to 65535");
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, static_cast<unsigned short>(port));
  tcp::resolver resolver(io);
  const tcp::resolver::results_type results = resolver.resolve(host, port_text, ec);
  if (ec || results.empty()) {
    return invalid("cannot resolve \"" + host + "\": " + (ec ? LowerFirst(ec.message()) : "no address"));
  }
  return results.begin()->endpoint();
}

}  // namespace

Result<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(boost::asio::io_context& io,
                                                                     const std::string& listen,
                                                                     const metrics::Registry& registry,
                                                                     std::function<bool()> ready,
                                                                     MetricsHttpServerOptions options) {
  INGESTD_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, ParseListen(io, listen));
  auto state = std::make_shared<State>(io, registry, std::move(ready), options);
  error_code ec;
  const auto failed = [&listen, &ec] {
    return Error(ErrorCode::kUnavailable, "http listen " + listen + ": " + LowerFirst(ec.message()) +
                                              "; set --http-listen");
  };
  if (state->acceptor.open(endpoint.protocol(), ec)) return failed();
  if (state->acceptor.set_option(asio::socket_base::reuse_address(true), ec)) return failed();
  if (state->acceptor.bind(endpoint, ec)) return failed();
  if (state->acceptor.listen(asio::socket_base::max_listen_connections, ec)) return failed();
  const tcp::endpoint bound = state->acceptor.local_endpoint(ec);
  if (ec) return failed();
  asio::co_spawn(state->strand, AcceptLoop(state), LogEscaped("accept loop"));
  return std::make_unique<MetricsHttpServer>(Passkey(), io, std::move(state), bound.port());
}

MetricsHttpServer::MetricsHttpServer(Passkey, boost::asio::io_context& io, std::shared_ptr<State> state,
                                     unsigned short port)
    : io_(io), state_(std::move(state)), port_(port) {}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

void MetricsHttpServer::Stop() {
  std::function<bool()> ready;  // destroyed here, on the caller's thread, after the lock
  {
    std::lock_guard lock(state_->use_mutex);
    if (state_->stopped) return;
    state_->stopped = true;
    state_->registry = nullptr;
    ready = std::move(state_->ready);
    state_->ready = nullptr;
  }
  if (state_->strand.running_in_this_thread()) {
    Close(*state_);
    return;
  }
  auto closed = std::make_shared<std::promise<void>>();
  std::future<void> done = closed->get_future();
  asio::post(state_->strand, [state = state_, closed] {
    Close(*state);
    closed->set_value();
  });
  // A handler on another strand of this io_context must not wait: with one
  // io thread, the close could never run. It runs once that handler returns.
  if (io_.get_executor().running_in_this_thread()) return;
  // Wait so the port is free and connections are gone when Stop returns;
  // but not forever, and not for an io_context nobody runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (done.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready && !io_.stopped() &&
         std::chrono::steady_clock::now() < deadline) {
  }
}

}  // namespace ingestd::server_metrics
