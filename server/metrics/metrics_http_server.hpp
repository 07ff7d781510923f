#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/common/result.hpp"
#include "core/metrics/registry.hpp"

namespace ingestd::server_metrics {

/// Limits of MetricsHttpServer; the defaults suit the daemon, tests shorten
/// them.
struct MetricsHttpServerOptions {
  /// Longest silence while reading a request (an idle keep-alive connection
  /// included) or writing a response; then the connection is closed.
  std::chrono::milliseconds io_timeout{std::chrono::seconds(30)};
  /// Connections open at once; further ones are closed right after accept.
  std::size_t max_connections = 64;
  /// Largest request body (413 beyond) and largest header block (431).
  std::size_t max_body_bytes = 8 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
};

/// The daemon's HTTP/1.1 endpoint (Boost.Beast) on the io_context it is
/// given:
///
/// - `GET /metrics`: 200, `Content-Type: text/plain; version=0.0.4;
///   charset=utf-8`, the registry in Prometheus text format;
/// - `GET /healthz`: 200 `ok\n` while the process serves;
/// - `GET /readyz`: 200 `ready\n` when `ready()` is true, else 503
///   `not ready\n`;
/// - HEAD on each of them: the same status and headers without a body;
///   other methods 405 with `Allow: GET, HEAD`; other paths 404. The query
///   string is ignored.
///
/// Connections are kept alive (HTTP/1.1 default, HTTP/1.0 on request) and
/// closed after `io_timeout` of silence. A request that cannot be parsed
/// gets 400 (413, 431 for the limits) and the connection is closed.
///
/// Threading: all of the server's work, the registry's gauge callbacks and
/// `ready` included, runs on one strand of the io_context, which any number
/// of threads may run. Handlers never touch the MetricsHttpServer object
/// itself, only state they share ownership of, so the object may go away
/// while the io_context still runs. It must go away (or be stopped) before
/// the io_context is destroyed.
class MetricsHttpServer {
 private:
  // Only Start() constructs (make_unique needs a public constructor).
  struct Passkey {
    explicit Passkey() = default;
  };

 public:
  /// Binds `listen` (`host:port`, `[v6]:port`; port 0 picks a free one, see
  /// port()) and starts accepting; requests are served once the io_context
  /// runs. `registry` must stay valid, and `ready` callable, until Stop()
  /// returns; `ready` is called for each /readyz request on the io_context
  /// and must not call Stop(). Errors: kInvalidArgument for a malformed
  /// address or one that does not resolve, kUnavailable when the address
  /// cannot be bound ("http listen 127.0.0.1:9464: address already in use;
  /// set --http-listen").
  static Result<std::unique_ptr<MetricsHttpServer>> Start(boost::asio::io_context& io, const std::string& listen,
                                                          const metrics::Registry& registry,
                                                          std::function<bool()> ready,
                                                          MetricsHttpServerOptions options = {});

  /// Stop()s.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  /// The bound port (the one picked when `listen` said 0).
  unsigned short port() const { return port_; }

  /// Closes the listening socket and every open connection; responses being
  /// written are cut off. When it returns, no handler uses the registry or
  /// `ready` any more, and none ever touches this object. A second call does
  /// nothing.
  ///
  /// Any thread may call it. From a thread that does not run the
  /// io_context it waits (at most 5 s) for the io_context to do the closing,
  /// so the port is free when it returns; from a handler on the io_context
  /// the closing happens right after that handler returns. On an io_context
  /// that is stopped, or nobody runs, the sockets close when it runs again
  /// or is destroyed.
  void Stop();

  struct State;  // shared with the handlers; defined in the .cpp

  /// Use Start().
  MetricsHttpServer(Passkey, boost::asio::io_context& io, std::shared_ptr<State> state, unsigned short port);

 private:

  boost::asio::io_context& io_;
  // shared_ptr: the accept loop and every connection's coroutine hold the
  // state too, and the last of them (or this object) frees it.
  std::shared_ptr<State> state_;
  unsigned short port_ = 0;
};

}  // namespace ingestd::server_metrics
