#include "server/metrics/metrics_http_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/extract/http/http_client.hpp"
#include "core/metrics/registry.hpp"
#include "core/metrics/text_exposition.hpp"

namespace ingestd::server_metrics {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// An io_context run by its own thread, as the daemon runs it.
class IoThread {
 public:
  IoThread() : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

/// The project's HTTP client on a private io_context; no retries, so a 503
/// comes back as it is.
class Client {
 public:
  Client() {
    extract::http::HttpClientOptions options;
    options.connect_timeout_seconds = 2;
    options.read_timeout_seconds = 5;
    options.total_timeout_seconds = 10;
    options.retry.max_attempts = 1;
    options.accept_compressed = false;
    auto client = extract::http::HttpClient::Create(io_, options);
    INGESTD_CHECK(client.ok());
    client_ = std::move(client).value();
  }
  Result<extract::http::HttpResponse> Send(const std::string& method, unsigned short port,
                                           const std::string& path) {
    extract::http::HttpRequest request;
    request.method = method;
    request.url = "http://127.0.0.1:" + std::to_string(port) + path;
    return client_->Send(std::move(request));
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<extract::http::HttpClient> client_;
};

/// A plain blocking TCP connection, for what the HTTP client will not do:
/// send nothing, send half a request, pipeline requests.
class RawConnection {
 public:
  explicit RawConnection(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  /// Reads until the peer closes (true) or `timeout` passes (false);
  /// what arrived is appended to received().
  bool ReadUntilClosed(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return true;  // EOF or reset
      received_.append(buffer, static_cast<std::size_t>(n));
    }
  }
  /// Reads until `needle` has arrived `count` times in total, or `timeout`.
  bool ReadUntil(const std::string& needle, int count, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Occurrences(needle) < count) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  int Occurrences(const std::string& needle) const {
    int count = 0;
    for (std::size_t at = received_.find(needle); at != std::string::npos; at = received_.find(needle, at + 1)) {
      ++count;
    }
    return count;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto family = registry_.AddCounter("ingestd_test_requests_total", "Requests \"served\".", {"path"});
    ASSERT_TRUE(family.ok());
    (*family)->WithLabels({"/a\\b"}).Increment(3);
    auto gauge = registry_.AddGauge("ingestd_test_depth", "Depth.", {});
    ASSERT_TRUE(gauge.ok());
    (*gauge)->WithLabels({}).SetCallback([] { return 2.5; });
  }

  std::unique_ptr<MetricsHttpServer> StartServer(MetricsHttpServerOptions options = {}) {
    auto server = MetricsHttpServer::Start(io_.io(), "127.0.0.1:0", registry_, [this] { return ready_.load(); },
                                           options);
    EXPECT_TRUE(server.ok()) << server.error().ToString();
    if (!server.ok()) return nullptr;
    EXPECT_NE((*server)->port(), 0);
    return std::move(server).value();
  }

  metrics::Registry registry_;
  std::atomic<bool> ready_{false};
  IoThread io_;  // after what the server's handlers use, so it stops first
  Client client_;
};

TEST_F(MetricsHttpServerTest, ServesMetricsWithTheExactContentType) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto response = client_.Send("GET", server->port(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response->Header("Content-Type").value_or(""), metrics::kContentType);
  EXPECT_EQ(response->body, metrics::RenderText(registry_));
  EXPECT_EQ(response->body,
            "# HELP ingestd_test_depth Depth.\n"
            "# TYPE ingestd_test_depth gauge\n"
            "ingestd_test_depth 2.5\n"
            "# HELP ingestd_test_requests_total Requests \"served\".\n"
            "# TYPE ingestd_test_requests_total counter\n"
            "ingestd_test_requests_total{path=\"/a\\\\b\"} 3\n");

  // A query string is ignored.
  auto with_query = client_.Send("GET", server->port(), "/metrics?name[]=x");
  ASSERT_TRUE(with_query.ok());
  EXPECT_EQ(with_query->status, 200);
  EXPECT_EQ(with_query->body, response->body);
}

TEST_F(MetricsHttpServerTest, HealthzAndReadyzFollowTheCallback) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto health = client_.Send("GET", server->port(), "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok\n");
  EXPECT_EQ(health->Header("Content-Type").value_or(""), "text/plain; charset=utf-8");

  auto not_ready = client_.Send("GET", server->port(), "/readyz");
  ASSERT_TRUE(not_ready.ok()) << not_ready.error().ToString();
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "not ready\n");

  ready_ = true;
  auto ready = client_.Send("GET", server->port(), "/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ready\n");

  ready_ = false;
  auto again = client_.Send("GET", server->port(), "/readyz");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 503);
}

TEST_F(MetricsHttpServerTest, UnknownPathIs404AndOtherMethodsAre405) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  for (const std::string path : {"/", "/metrics/", "/metricsx", "/favicon.ico"}) {
    auto response = client_.Send("GET", server->port(), path);
    ASSERT_TRUE(response.ok()) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
  for (const std::string method : {"POST", "PUT", "DELETE"}) {
    auto response = client_.Send(method, server->port(), "/metrics");
    ASSERT_TRUE(response.ok()) << method;
    EXPECT_EQ(response->status, 405) << method;
    EXPECT_EQ(response->Header("Allow").value_or(""), "GET, HEAD") << method;
  }
}

TEST_F(MetricsHttpServerTest, HeadHasTheHeadersWithoutTheBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  auto head = client_.Send("HEAD", server->port(), "/metrics");
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("Content-Type").value_or(""), metrics::kContentType);
  EXPECT_EQ(head->Header("Content-Length").value_or(""), std::to_string(metrics::RenderText(registry_).size()));

  auto head_ready = client_.Send("HEAD", server->port(), "/readyz");
  ASSERT_TRUE(head_ready.ok());
  EXPECT_EQ(head_ready->status, 503);
  EXPECT_EQ(head_ready->body, "");

  // The connection stays usable after a HEAD (no body was expected or sent).
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntil("HTTP/1.1 200 OK", 2, milliseconds(5000))) << raw.received();
  ASSERT_TRUE(raw.ReadUntil("\r\n\r\nok\n", 1, milliseconds(5000))) << raw.received();
}

TEST_F(MetricsHttpServerTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntilClosed(milliseconds(5000))) << raw.received();
  const std::string& got = raw.received();
  const std::size_t ok = got.find("HTTP/1.1 200 OK");
  const std::size_t not_found = got.find("HTTP/1.1 404 Not Found");
  const std::size_t metrics = got.find("HTTP/1.1 200 OK", ok + 1);
  ASSERT_NE(ok, std::string::npos) << got;
  ASSERT_NE(not_found, std::string::npos) << got;
  ASSERT_NE(metrics, std::string::npos) << got;
  EXPECT_LT(ok, not_found);
  EXPECT_LT(not_found, metrics);
  EXPECT_NE(got.find("ingestd_test_depth 2.5\n"), std::string::npos);
}

TEST_F(MetricsHttpServerTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /healthz HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntilClosed(milliseconds(5000)));
  EXPECT_EQ(raw.received().rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << raw.received();
  EXPECT_TRUE(raw.received().ends_with("\r\n\r\nok\n")) << raw.received();
}

TEST_F(MetricsHttpServerTest, OversizedAndMalformedRequestsAreRefused) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  {
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.Send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"));
    ASSERT_TRUE(raw.ReadUntilClosed(milliseconds(5000)));
    EXPECT_EQ(raw.received().rfind("HTTP/1.1 413 ", 0), 0u) << raw.received();
  }
  {
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.Send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
    ASSERT_TRUE(raw.ReadUntilClosed(milliseconds(5000)));
    EXPECT_EQ(raw.received().rfind("HTTP/1.1 431 ", 0), 0u) << raw.received();
  }
  {
    RawConnection raw(server->port());
    ASSERT_TRUE(raw.Send("THIS IS NOT HTTP\r\n\r\n"));
    ASSERT_TRUE(raw.ReadUntilClosed(milliseconds(5000)));
    EXPECT_EQ(raw.received().rfind("HTTP/1.1 400 ", 0), 0u) << raw.received();
  }
  // A small body is fine (and ignored).
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"));
  ASSERT_TRUE(raw.ReadUntilClosed(milliseconds(5000)));
  EXPECT_EQ(raw.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw.received();
}

TEST_F(MetricsHttpServerTest, SlowClientsDoNotBlockOthers) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection silent(server->port());
  RawConnection half(server->port());
  ASSERT_TRUE(silent.connected() && half.connected());
  ASSERT_TRUE(half.Send("GET /metr"));
  const auto started = Clock::now();
  for (int i = 0; i < 3; ++i) {
    auto response = client_.Send("GET", server->port(), "/metrics");
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->status, 200);
  }
  EXPECT_LT(Clock::now() - started, milliseconds(2000));
}

TEST_F(MetricsHttpServerTest, IdleConnectionsAreClosedAfterTheTimeout) {
  MetricsHttpServerOptions options;
  options.io_timeout = milliseconds(300);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  RawConnection silent(server->port());
  ASSERT_TRUE(silent.connected());
  const auto started = Clock::now();
  EXPECT_TRUE(silent.ReadUntilClosed(milliseconds(5000)));
  EXPECT_GE(Clock::now() - started, milliseconds(200));
  EXPECT_EQ(silent.received(), "");  // a timeout is not answered

  // Kept alive after a response, then idle: closed too.
  RawConnection kept(server->port());
  ASSERT_TRUE(kept.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(kept.ReadUntilClosed(milliseconds(5000)));
  EXPECT_NE(kept.received().find("ok\n"), std::string::npos);
}

TEST_F(MetricsHttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  MetricsHttpServerOptions options;
  options.max_connections = 2;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto first = std::make_unique<RawConnection>(server->port());
  RawConnection second(server->port());
  // A response proves each was accepted and counted.
  for (RawConnection* c : {first.get(), &second}) {
    ASSERT_TRUE(c->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c->ReadUntil("ok\n", 1, milliseconds(5000)));
  }
  RawConnection third(server->port());
  third.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(third.ReadUntilClosed(milliseconds(5000)));
  EXPECT_EQ(third.received(), "");

  // A slot frees up when a connection goes away.
  first.reset();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    auto response = client_.Send("GET", server->port(), "/healthz");
    served = response.ok() && response->status == 200;
    if (!served) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST_F(MetricsHttpServerTest, StopIsPromptClosesConnectionsAndFreesThePort) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const unsigned short port = server->port();
  RawConnection idle(port);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.ReadUntil("ok\n", 1, milliseconds(5000)));

  const auto started = Clock::now();
  server->Stop();
  EXPECT_LT(Clock::now() - started, milliseconds(500));
  EXPECT_TRUE(idle.ReadUntilClosed(milliseconds(1000)));  // closed by Stop, not by the 30 s timeout
  RawConnection after(port);
  EXPECT_FALSE(after.connected());
  server->Stop();  // twice is fine
  server.reset();

  // The port can be bound again at once.
  auto again = MetricsHttpServer::Start(io_.io(), "127.0.0.1:" + std::to_string(port), registry_,
                                        [] { return true; });
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  auto response = client_.Send("GET", port, "/readyz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
}

TEST_F(MetricsHttpServerTest, StopFromAHandlerOnTheIoContext) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection idle(server->port());
  ASSERT_TRUE(idle.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.ReadUntil("ok\n", 1, milliseconds(5000)));
  std::promise<std::chrono::nanoseconds> took;
  boost::asio::post(io_.io(), [&server, &took] {
    const auto started = Clock::now();
    server->Stop();
    took.set_value(Clock::now() - started);
  });
  EXPECT_LT(took.get_future().get(), milliseconds(100));  // does not wait for itself
  EXPECT_TRUE(idle.ReadUntilClosed(milliseconds(1000)));
}

TEST_F(MetricsHttpServerTest, DestroyingTheServerWhileRequestsAreInFlightIsSafe) {
  // The registry's callback is slow, so scrapes are mid-render when the
  // server goes away; nothing may touch the server, the registry or the
  // ready callback after Stop.
  auto slow = registry_.AddGauge("ingestd_test_slow", "Slow.", {});
  ASSERT_TRUE(slow.ok());
  (*slow)->WithLabels({}).SetCallback([] {
    std::this_thread::sleep_for(milliseconds(20));
    return 1.0;
  });
  for (int round = 0; round < 5; ++round) {
    auto server = StartServer();
    ASSERT_NE(server, nullptr);
    std::vector<std::unique_ptr<RawConnection>> clients;
    for (int i = 0; i < 8; ++i) {
      clients.push_back(std::make_unique<RawConnection>(server->port()));
      clients.back()->Send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    std::this_thread::sleep_for(milliseconds(10 * round));
    server.reset();
    for (auto& c : clients) EXPECT_TRUE(c->ReadUntilClosed(milliseconds(2000)));
  }
}

TEST_F(MetricsHttpServerTest, AddressInUseNamesTheAddressAndTheFlag) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string listen = "127.0.0.1:" + std::to_string(server->port());
  auto second = MetricsHttpServer::Start(io_.io(), listen, registry_, [] { return true; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(second.error().message(), "http listen " + listen + ": address already in use; set --http-listen");
}

TEST_F(MetricsHttpServerTest, MalformedListenAddressesAreInvalidArguments) {
  for (const std::string listen : {"9464", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:http", ":9464"}) {
    auto server = MetricsHttpServer::Start(io_.io(), listen, registry_, [] { return true; });
    ASSERT_FALSE(server.ok()) << listen;
    EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument) << listen;
    EXPECT_NE(server.error().message().find("http listen " + listen + ": "), std::string::npos)
        << server.error().message();
  }
  auto v6 = MetricsHttpServer::Start(io_.io(), "[::1]:0", registry_, [] { return true; });
  if (v6.ok()) {  // hosts without IPv6 fail to bind, which is fine
    EXPECT_NE((*v6)->port(), 0);
  }
  auto named = MetricsHttpServer::Start(io_.io(), "localhost:0", registry_, [] { return true; });
  ASSERT_TRUE(named.ok()) << named.error().ToString();
}

}  // namespace
}  // namespace ingestd::server_metrics
