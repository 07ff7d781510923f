#include "core/extract/http/connection_pool.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "core/extract/http/tls_context.hpp"

namespace ingestd::extract::http {

Connection::Connection(const boost::asio::any_io_executor& executor)
    : tcp_(std::make_unique<TcpStream>(executor)) {}

Connection::Connection(const boost::asio::any_io_executor& executor, boost::asio::ssl::context& tls)
    : tls_(std::make_unique<TlsStream>(executor, tls)) {}

Status Connection::PrepareTls(const std::string& host, bool verify) {
  INGESTD_CHECK(tls_ != nullptr);
  INGESTD_TRY(SetServerNameIndication(tls_->native_handle(), host));
  if (verify) {
    boost::system::error_code ec;
    tls_->set_verify_callback(HostNameVerifier(host), ec);
    if (ec) return Internal("OpenSSL: cannot set the verify callback: " + ec.message());
  }
  return OkStatus();
}

bool Connection::LooksClosed() {
  auto& socket = tcp().socket();
  if (!socket.is_open()) return true;
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;  // orderly shutdown by the peer
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
  // Unread bytes on an idle connection: over TLS these may be session
  // tickets or a close_notify (a failed reuse is retried on a fresh
  // connection); over plain HTTP a response nobody asked for.
  return !is_tls();
}

void Connection::Close() {
  boost::system::error_code ignored;
  tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  tcp().close();
}

std::unique_ptr<Connection> ConnectionPool::Take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& idle = it->second;
  while (!idle.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle.back());
    idle.pop_back();
    if (!connection->LooksClosed()) return connection;
    connection->Close();
  }
  idle_.erase(it);
  return nullptr;
}

void ConnectionPool::Put(const std::string& key, std::unique_ptr<Connection> connection) {
  if (max_idle_per_key_ == 0) {
    connection->Close();
    return;
  }
  auto& idle = idle_[key];
  while (idle.size() >= max_idle_per_key_) {
    idle.front()->Close();
    idle.pop_front();
  }
  idle.push_back(std::move(connection));
}

void ConnectionPool::Clear() {
  for (auto& [key, idle] : idle_) {
    for (auto& connection : idle) connection->Close();
  }
  idle_.clear();
}

std::size_t ConnectionPool::idle_count() const {
  std::size_t n = 0;
  for (const auto& [key, idle] : idle_) n += idle.size();
  return n;
}

}  // namespace ingestd::extract::http
