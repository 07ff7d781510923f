#include "tests/support/http_test_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "tests/support/compression.hpp"

namespace ingestd::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Large enough for benchmark uploads; a test server has no need to defend itself.
constexpr std::uint64_t kMaxRequestBody = std::uint64_t{1} << 30;
constexpr std::uint32_t kMaxRequestHeader = 1 << 20;

// These are tests: a server that cannot start is a broken environment.
[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "TestHttpServer: %s\n", message.c_str());
  std::abort();
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: %XX and '+' as space. A
// malformed escape is kept as it is.
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
               HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string StatusLine(int status) {
  std::string reason(http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status))));
  if (http::int_to_status(static_cast<unsigned>(status)) == http::status::unknown) reason = "Unknown";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
}

// The bytes on the wire for one response: `head` (status line and headers,
// ending in the blank line) and `body` (framed: chunked or raw). Faults cut
// into `body`.
struct WireResponse {
  std::string head;
  std::string body;
  bool keep_alive = true;
};

WireResponse Serialize(const TestHttpResponse& response, bool request_keep_alive, bool head_request) {
  WireResponse wire;
  const bool no_body_status =
      (response.status >= 100 && response.status < 200) || response.status == 204 || response.status == 304;
  std::string body = response.gzip ? Gzip(response.body) : response.body;
  bool close = response.close_connection || !request_keep_alive;

  wire.head = StatusLine(response.status);
  for (const auto& [name, value] : response.headers) {
    // Framing is the server's job; a handler's value would contradict it.
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding")) continue;
    if (response.gzip && EqualsIgnoreCase(name, "Content-Encoding")) continue;
    if (EqualsIgnoreCase(name, "Connection")) {
      if (EqualsIgnoreCase(value, "close")) close = true;
      continue;
    }
    wire.head += name + ": " + value + "\r\n";
  }
  if (response.gzip) wire.head += "Content-Encoding: gzip\r\n";
  if (!no_body_status) {
    if (response.chunked) {
      wire.head += "Transfer-Encoding: chunked\r\n";
      // Three chunks or so, so that clients really reassemble.
      const std::size_t chunk = std::max<std::size_t>(1, (body.size() + 2) / 3);
      for (std::size_t at = 0; at < body.size(); at += chunk) {
        const std::size_t n = std::min(chunk, body.size() - at);
        char size_line[32];
        std::snprintf(size_line, sizeof(size_line), "%zx\r\n", n);
        wire.body += size_line;
        wire.body.append(body, at, n);
        wire.body += "\r\n";
      }
      wire.body += "0\r\n\r\n";
    } else {
      wire.head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
      wire.body = std::move(body);
    }
  }
  if (close) wire.head += "Connection: close\r\n";
  wire.head += "\r\n";
  if (head_request || no_body_status) wire.body.clear();
  wire.keep_alive = !close;
  return wire;
}

class Server final : public TestHttpServer {
 public:
  Server(Handler handler, std::optional<SelfSignedCert> tls) : handler_(std::move(handler)), acceptor_(io_) {
    if (tls) {
      tls_.emplace(ssl::context::tls_server);
      ErrorCode ec;
      tls_->use_certificate_chain(asio::buffer(tls->cert_pem), ec);
      if (ec) Fail("TLS certificate rejected: " + ec.message());
      tls_->use_private_key(asio::buffer(tls->key_pem), ssl::context::pem, ec);
      if (ec) Fail("TLS private key rejected: " + ec.message());
    }
    ErrorCode ec;
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) Fail("cannot listen on 127.0.0.1: " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~Server() override { Stop(); }

  std::uint16_t port() const override { return port_; }

  std::string base_url() const override {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }

  std::vector<TestHttpRequest> requests() const override {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::size_t request_count() const override {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

  int connections_accepted() const override {
    std::lock_guard lock(mutex_);
    return connections_accepted_;
  }

  void ClearRequests() override {
    std::lock_guard lock(mutex_);
    requests_.clear();
  }

 private:
  // One accepted connection. The list node never moves, so its thread may
  // hold a reference to it. `closed` and the socket's close happen under
  // mutex_, which makes the stopper's shutdown() of `fd` safe: the
  // descriptor cannot be closed and reused while the stopper touches it.
  struct Connection {
    int id = 0;
    int fd = -1;
    bool closed = false;
    bool done = false;
    std::thread thread;
  };

  enum class CloseKind : std::uint8_t { kGraceful, kReset };

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      // Wakes every thread blocked in a read or write on its socket.
      for (Connection& connection : connections_) {
        if (!connection.closed) ::shutdown(connection.fd, SHUT_RDWR);
      }
    }
    stop_cv_.notify_all();
    // A blocked accept() is not woken by closing the acceptor from another
    // thread; a connection of our own is, and AcceptLoop then sees stopping_.
    {
      tcp::socket wake(io_);
      ErrorCode ec;
      wake.connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port_), ec);
      accept_thread_.join();
    }
    ErrorCode ec;
    acceptor_.close(ec);
    // No thread adds connections any more; each one ends on its own.
    for (Connection& connection : connections_) {
      if (connection.thread.joinable()) connection.thread.join();
    }
  }

  void AcceptLoop() {
    for (;;) {
      tcp::socket socket(io_);
      ErrorCode ec;
      acceptor_.accept(socket, ec);
      if (ec) {
        // Out of descriptors or an aborted handshake: keep serving.
        if (Stopping()) return;
        std::fprintf(stderr, "TestHttpServer: accept failed: %s\n", ec.message().c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      ReapFinishedLocked();
      Connection& connection = connections_.emplace_back();
      connection.id = connections_accepted_++;
      connection.fd = socket.native_handle();
      connection.thread = std::thread(
          [this, &connection, s = std::move(socket)]() mutable { ServeConnection(connection, std::move(s)); });
    }
  }

  bool Stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  // Joins the threads of connections that ended, so a long benchmark does
  // not pile up finished threads.
  void ReapFinishedLocked() {
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->done) {
        it->thread.join();  // the thread only has to return: it sets `done` last
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void ServeConnection(Connection& connection, tcp::socket socket) {
    try {
      if (tls_) {
        ssl::stream<tcp::socket&> stream(socket, *tls_);
        ErrorCode ec;
        stream.handshake(ssl::stream_base::server, ec);
        if (!ec) ServeRequests(stream, socket, connection);
      } else {
        ServeRequests(socket, socket, connection);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "TestHttpServer: connection %d: %s\n", connection.id, e.what());
    }
    Close(connection, socket, CloseKind::kGraceful);
    std::lock_guard lock(mutex_);
    connection.done = true;
  }

  template <class Stream>
  void ServeRequests(Stream& stream, tcp::socket& socket, Connection& connection) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxRequestBody);
      parser.header_limit(kMaxRequestHeader);
      ErrorCode ec;
      http::read_header(stream, buffer, parser, ec);
      if (ec) return;  // the client closed, or the server is stopping
      if (EqualsIgnoreCase(std::string(parser.get()[http::field::expect]), "100-continue")) {
        asio::write(stream, asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), ec);
        if (ec) return;
      }
      http::read(stream, buffer, parser, ec);
      if (ec) return;
      const http::request<http::string_body>& message = parser.get();

      TestHttpRequest request = ToTestRequest(message, connection.id);
      {
        // Recorded before the handler runs: a client that saw the response
        // always finds the request in requests().
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      const TestHttpResponse response = CallHandler(request);
      if (response.delay_seconds > 0 && !WaitUnlessStopping(response.delay_seconds)) return;

      using Fault = TestHttpResponse::Fault;
      if (response.fault == Fault::kCloseWithoutResponse) return;  // closed gracefully by the caller
      const WireResponse wire = Serialize(response, message.keep_alive(), message.method() == http::verb::head);
      if (response.fault == Fault::kNone) {
        const std::array<asio::const_buffer, 2> buffers{asio::buffer(wire.head), asio::buffer(wire.body)};
        asio::write(stream, buffers, ec);
        if (ec || !wire.keep_alive) {
          if (!ec) SendCloseNotify(stream, socket);
          return;
        }
        continue;
      }

      // The faults: the full head, then half the body.
      const std::string partial = wire.head + wire.body.substr(0, wire.body.size() / 2);
      asio::write(stream, asio::buffer(partial), ec);
      if (ec) return;
      switch (response.fault) {
        case Fault::kResetMidBody:
          Close(connection, socket, CloseKind::kReset);
          return;
        case Fault::kTruncateBody:
          SendCloseNotify(stream, socket);
          return;
        case Fault::kStallMidBody:
          WaitForClientToLeave(stream);
          return;
        default:
          return;
      }
    }
  }

  static TestHttpRequest ToTestRequest(const http::request<http::string_body>& message, int connection_id) {
    TestHttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    const std::size_t question = request.target.find('?');
    request.path = request.target.substr(0, question);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = message.body();
    request.received_at = SteadySeconds();
    request.connection_id = connection_id;
    return request;
  }

  TestHttpResponse CallHandler(const TestHttpRequest& request) {
    try {
      return handler_(request);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "TestHttpServer: handler threw for %s %s: %s\n", request.method.c_str(),
                   request.target.c_str(), e.what());
      return TestHttpResponse::Status(500, std::string("handler threw: ") + e.what());
    }
  }

  // False when the server began stopping during the wait.
  bool WaitUnlessStopping(double seconds) {
    std::unique_lock lock(mutex_);
    return !stop_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_; });
  }

  // Reads (and drops) whatever comes until the client closes or the server
  // stops (Stop() shuts the socket down, which ends the read).
  template <class Stream>
  static void WaitForClientToLeave(Stream& stream) {
    std::array<char, 4096> sink;
    ErrorCode ec;
    while (!ec) stream.read_some(asio::buffer(sink), ec);
  }

  // Ends a TLS session cleanly (close_notify) without waiting for the
  // client's reply: the socket goes non-blocking, so the read half of the
  // TLS shutdown returns at once. A plain stream needs nothing here.
  template <class Stream>
  static void SendCloseNotify(Stream& stream, tcp::socket& socket) {
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      ErrorCode ec;
      socket.non_blocking(true, ec);
      stream.shutdown(ec);
    }
  }

  void Close(Connection& connection, tcp::socket& socket, CloseKind kind) {
    std::lock_guard lock(mutex_);
    if (connection.closed) return;
    connection.closed = true;
    ErrorCode ec;
    if (kind == CloseKind::kReset) {
      // Linger 0: close() sends a RST instead of a FIN.
      socket.set_option(asio::socket_base::linger(true, 0), ec);
    } else {
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
    socket.close(ec);
  }

  const Handler handler_;
  std::optional<ssl::context> tls_;
  asio::io_context io_;  // sockets only: every operation here is synchronous
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread accept_thread_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;  // wakes delayed responses on Stop()
  bool stopping_ = false;
  int connections_accepted_ = 0;
  std::list<Connection> connections_;
  std::vector<TestHttpRequest> requests_;
};

}  // namespace

std::optional<std::string> TestHttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> TestHttpRequest::QueryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

TestHttpResponse TestHttpResponse::Json(std::string body, int status) {
  TestHttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

TestHttpResponse TestHttpResponse::Status(int status, std::string body) {
  TestHttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::unique_ptr<TestHttpServer> TestHttpServer::Start(Handler handler, std::optional<SelfSignedCert> tls) {
  if (!handler) Fail("Start() needs a handler");
  return std::make_unique<Server>(std::move(handler), std::move(tls));
}

}  // namespace ingestd::testing
