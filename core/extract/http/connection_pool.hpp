#pragma once

// Private to extract/http: Beast types stay out of the public headers.

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/common/result.hpp"

namespace ingestd::extract::http {

/// One HTTP/1.1 connection: plain TCP, or TLS over TCP. Its I/O objects run
/// on the executor it was made with (the client's strand).
class Connection {
 public:
  using TcpStream = boost::beast::tcp_stream;
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  /// A plain connection.
  explicit Connection(const boost::asio::any_io_executor& executor);
  /// A TLS connection; `tls` must outlive it (the client's context).
  Connection(const boost::asio::any_io_executor& executor, boost::asio::ssl::context& tls);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool is_tls() const { return tls_ != nullptr; }
  /// The TCP layer: connect, timeouts (expires_after), close.
  TcpStream& tcp() { return tls_ ? tls_->next_layer() : *tcp_; }
  /// The TLS stream; only when is_tls().
  TlsStream& tls() { return *tls_; }

  /// Calls `f` with the stream HTTP is read from and written to.
  template <class F>
  decltype(auto) Visit(F&& f) {
    if (tls_) return f(*tls_);
    return f(*tcp_);
  }

  /// Before the handshake of a TLS connection: SNI for `host` and, with
  /// `verify`, certificate and host name verification.
  Status PrepareTls(const std::string& host, bool verify);

  /// For an idle connection about to be reused: true when the peer has
  /// closed it (or it is otherwise unusable). Does not block.
  bool LooksClosed();

  /// Closes the socket; pending operations complete with operation_aborted.
  void Close();

 private:
  std::unique_ptr<TcpStream> tcp_;  // plain connections
  std::unique_ptr<TlsStream> tls_;  // TLS connections
};

/// Idle keep-alive connections by key (scheme and authority), newest used
/// first. Not thread-safe: the client uses it on its strand only.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::size_t max_idle_per_key) : max_idle_per_key_(max_idle_per_key) {}

  /// A live idle connection for `key`, or null. Dead ones are dropped.
  std::unique_ptr<Connection> Take(const std::string& key);
  /// Keeps `connection` for reuse; the oldest idle one goes when `key`
  /// already has max_idle_per_key.
  void Put(const std::string& key, std::unique_ptr<Connection> connection);
  /// Closes every idle connection.
  void Clear();

  std::size_t idle_count() const;

 private:
  std::size_t max_idle_per_key_;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;
};

}  // namespace ingestd::extract::http
