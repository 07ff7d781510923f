// HttpClient against a real HTTP/1.1 server (tests/support/http_test_server):
// keep-alive, compression, redirects, retries with their timing, faults,
// timeouts, TLS, the per-host limiter, Cancel(), events and metrics.

#include "core/extract/http/http_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "core/metrics/registry.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::extract::http {
namespace {

using testing::SelfSignedCert;
using testing::TestHttpRequest;
using testing::TestHttpResponse;
using testing::TestHttpServer;
using Fault = TestHttpResponse::Fault;

// Small waits keep the file fast: 50 ms backoff, 200 ms Retry-After floor.
HttpClientOptions FastOptions() {
  HttpClientOptions options;
  options.connect_timeout_seconds = 2;
  options.read_timeout_seconds = 2;
  options.total_timeout_seconds = 5;
  options.retry.max_attempts = 4;
  options.retry.backoff_base_seconds = 0.05;
  options.retry.backoff_factor = 2;
  options.retry.jitter = 0;
  options.retry.min_retry_after_seconds = 0.2;
  options.retry.max_delay_seconds = 5;
  return options;
}

// A client on a private io_context, with its events and metrics recorded.
class Harness {
 public:
  explicit Harness(HttpClientOptions options = FastOptions()) {
    auto metrics = HttpMetrics::Register(registry_);
    INGESTD_CHECK(metrics.ok());
    metrics_ = *metrics;
    auto client = HttpClient::Create(
        io_, std::move(options), &metrics_, [this](const HttpEvent& event) { OnEvent(event); }, /*random_seed=*/42);
    EXPECT_TRUE(client.ok()) << client.error().ToString();
    client_ = std::move(client).value();
  }

  Result<HttpResponse> Get(const std::string& url, HeaderList headers = {}) {
    HttpRequest request;
    request.url = url;
    request.headers = std::move(headers);
    return client_->Send(std::move(request));
  }

  HttpClient& client() { return *client_; }
  boost::asio::io_context& io() { return io_; }
  const HttpMetrics& metrics() const { return metrics_; }
  std::vector<HttpEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t CountEvents(HttpEvent::Kind kind) const {
    const auto all = events();
    return static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [&](const HttpEvent& e) { return e.kind == kind; }));
  }
  void set_on_event(std::function<void(const HttpEvent&)> f) { extra_ = std::move(f); }

 private:
  void OnEvent(const HttpEvent& event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
    }
    if (extra_) extra_(event);
  }

  boost::asio::io_context io_;
  metrics::Registry registry_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpClient> client_;
  mutable std::mutex mutex_;
  std::vector<HttpEvent> events_;
  std::function<void(const HttpEvent&)> extra_;
};

std::string Host(const TestHttpServer& server) { return "127.0.0.1:" + std::to_string(server.port()); }

// Gaps between consecutive requests' arrival, in seconds.
std::vector<double> Gaps(const std::vector<TestHttpRequest>& requests) {
  std::vector<double> gaps;
  for (std::size_t i = 1; i < requests.size(); ++i) gaps.push_back(requests[i].received_at - requests[i - 1].received_at);
  return gaps;
}

std::string HttpDate(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// A port nothing listens on: bound once, then released.
std::uint16_t UnusedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

TEST(HttpClientTest, GetAndPost) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& r) {
    auto response = TestHttpResponse::Json("{\"method\":\"" + r.method + "\",\"body\":\"" + r.body + "\"}");
    response.headers.emplace_back("X-Reply", "yes");
    return response;
  });
  Harness h;
  auto get = h.Get(server->base_url() + "/items?page=1", {{"X-Trace", "abc"}});
  ASSERT_TRUE(get.ok()) << get.error().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->reason, "OK");
  EXPECT_EQ(get->body, "{\"method\":\"GET\",\"body\":\"\"}");
  EXPECT_EQ(get->Header("x-reply"), "yes");
  EXPECT_EQ(get->final_url, server->base_url() + "/items?page=1");
  EXPECT_EQ(get->attempts, 1);

  HttpRequest post;
  post.method = "POST";
  post.url = server->base_url() + "/items";
  post.headers = {{"Content-Type", "application/json"}};
  post.body = "hello";
  auto posted = h.client().Send(post);
  ASSERT_TRUE(posted.ok()) << posted.error().ToString();
  EXPECT_EQ(posted->body, "{\"method\":\"POST\",\"body\":\"hello\"}");

  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/items?page=1");
  EXPECT_EQ(requests[0].QueryParam("page"), "1");
  EXPECT_EQ(requests[0].Header("Host"), Host(*server));
  EXPECT_EQ(requests[0].Header("User-Agent"), "ingestd");
  EXPECT_EQ(requests[0].Header("Accept-Encoding"), "gzip, deflate");
  EXPECT_EQ(requests[0].Header("X-Trace"), "abc");
  EXPECT_EQ(requests[1].Header("Content-Length"), "5");
  EXPECT_EQ(requests[1].Header("Content-Type"), "application/json");
  EXPECT_TRUE(h.events().empty());
}

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{}"); });
  Harness h;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(h.Get(server->base_url() + "/k").ok());
  EXPECT_EQ(server->request_count(), 4u);
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(HttpClientTest, ReusedConnectionClosedByServerIsRetriedFreshWithoutCountingAnAttempt) {
  std::atomic<int> n{0};
  auto server = TestHttpServer::Start([&n](const TestHttpRequest&) {
    auto response = TestHttpResponse::Json("{}");
    if (n++ == 1) response.fault = Fault::kCloseWithoutResponse;  // the second request, on the reused connection
    return response;
  });
  Harness h;
  ASSERT_TRUE(h.Get(server->base_url() + "/a").ok());
  auto second = h.Get(server->base_url() + "/b");
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->attempts, 1);
  EXPECT_EQ(server->request_count(), 3u);
  EXPECT_EQ(server->connections_accepted(), 2);
  EXPECT_TRUE(h.events().empty());
}

TEST(HttpClientTest, GzipAndChunkedBodies) {
  const std::string big(50000, 'x');
  auto server = TestHttpServer::Start([&big](const TestHttpRequest& r) {
    auto response = TestHttpResponse::Json(big);
    response.gzip = r.path == "/gzip" || r.path == "/both";
    response.chunked = r.path == "/chunked" || r.path == "/both";
    return response;
  });
  Harness h;
  for (const char* path : {"/gzip", "/chunked", "/both"}) {
    auto response = h.Get(server->base_url() + path);
    ASSERT_TRUE(response.ok()) << path << ": " << response.error().ToString();
    EXPECT_EQ(response->body, big) << path;
  }
  EXPECT_EQ(server->connections_accepted(), 1);
  EXPECT_EQ(h.metrics().response_bytes->WithLabels({Host(*server)}).value(), 3.0 * big.size());
}

TEST(HttpClientTest, ResponseSizeLimitOnWireAndDecodedSizes) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& r) {
    auto response = TestHttpResponse::Json(std::string(r.path == "/bomb" ? 2'000'000 : 5000, '0'));
    response.gzip = r.path == "/bomb";  // about 2 KB on the wire
    response.chunked = r.path == "/chunked";
    return response;
  });
  HttpClientOptions options = FastOptions();
  options.max_response_bytes = 1000;
  Harness h(options);
  for (const char* path : {"/plain", "/chunked", "/bomb"}) {
    auto response = h.Get(server->base_url() + path);
    ASSERT_FALSE(response.ok()) << path;
    EXPECT_EQ(response.error().code(), ErrorCode::kResourceExhausted) << path;
    EXPECT_NE(response.error().message().find("max_response_bytes"), std::string::npos);
  }
  EXPECT_EQ(server->request_count(), 3u);  // not retried
}

TEST(HttpClientTest, FollowsRedirectChain) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& r) {
    auto redirect = [](int status, std::string location) {
      auto response = TestHttpResponse::Status(status);
      response.headers.emplace_back("Location", std::move(location));
      return response;
    };
    if (r.path == "/r1") return redirect(302, "/r2?x=1");
    if (r.path == "/r2") return redirect(301, "sub/r3");
    if (r.path == "/sub/r3") return redirect(307, "../final");
    if (r.path == "/post") return redirect(303, "/final");
    if (r.path == "/post307") return redirect(307, "/final");
    return TestHttpResponse::Json("{\"method\":\"" + r.method + "\",\"body\":\"" + r.body + "\"}");
  });
  Harness h;
  auto response = h.Get(server->base_url() + "/r1");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->final_url, server->base_url() + "/final");
  EXPECT_EQ(response->attempts, 1);
  auto requests = server->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1].target, "/r2?x=1");

  HttpRequest post;
  post.method = "POST";
  post.url = server->base_url() + "/post";
  post.body = "payload";
  post.headers = {{"Content-Type", "text/plain"}};
  auto see_other = h.client().Send(post);
  ASSERT_TRUE(see_other.ok()) << see_other.error().ToString();
  EXPECT_EQ(see_other->body, "{\"method\":\"GET\",\"body\":\"\"}");  // 303: GET without body
  post.url = server->base_url() + "/post307";
  auto temporary = h.client().Send(post);
  ASSERT_TRUE(temporary.ok()) << temporary.error().ToString();
  EXPECT_EQ(temporary->body, "{\"method\":\"POST\",\"body\":\"payload\"}");  // 307 keeps both

  HttpClientOptions options = FastOptions();
  options.max_redirects = 2;
  Harness limited(options);
  auto too_many = limited.Get(server->base_url() + "/r1");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(too_many.error().message().find("more than 2 redirects"), std::string::npos) << too_many.error().message();
}

TEST(HttpClientTest, CrossHostRedirectDropsAuthorization) {
  auto other = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{}"); });
  const std::string target = other->base_url() + "/landing";
  auto origin = TestHttpServer::Start([&target](const TestHttpRequest& r) {
    if (r.path == "/same") {
      auto response = TestHttpResponse::Status(302);
      response.headers.emplace_back("Location", "/same-landing");
      return response;
    }
    if (r.path == "/same-landing") return TestHttpResponse::Json("{}");
    auto response = TestHttpResponse::Status(302);
    response.headers.emplace_back("Location", target);
    return response;
  });
  Harness h;
  const HeaderList headers = {{"Authorization", "Bearer s3cret"}, {"X-Keep", "1"}};
  ASSERT_TRUE(h.Get(origin->base_url() + "/same", headers).ok());
  auto response = h.Get(origin->base_url() + "/away", headers);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->final_url, target);

  const auto at_origin = origin->requests();
  ASSERT_EQ(at_origin.size(), 3u);
  EXPECT_EQ(at_origin[1].Header("Authorization"), "Bearer s3cret");  // same host keeps it
  EXPECT_EQ(at_origin[2].Header("Authorization"), "Bearer s3cret");
  const auto at_other = other->requests();
  ASSERT_EQ(at_other.size(), 1u);
  EXPECT_EQ(at_other[0].Header("Authorization"), std::nullopt);
  EXPECT_EQ(at_other[0].Header("X-Keep"), "1");
  EXPECT_EQ(at_other[0].Header("Host"), Host(*other));
}

// 429 then 200, with the given Retry-After; returns the gap between the two.
double RetryAfterGap(const std::string& retry_after, Harness& h) {
  std::atomic<int> n{0};
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    if (n++ > 0) return TestHttpResponse::Json("{}");
    auto response = TestHttpResponse::Status(429, "slow down");
    response.headers.emplace_back("Retry-After", retry_after);
    return response;
  });
  auto response = h.Get(server->base_url() + "/limited?api_key=k3y");
  EXPECT_TRUE(response.ok());
  if (!response.ok()) return -1;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 2);
  const auto requests = server->requests();
  EXPECT_EQ(requests.size(), 2u);
  if (requests.size() != 2) return -1;
  return Gaps(requests)[0];
}

TEST(HttpClientTest, RetryAfterSeconds) {
  Harness h;
  const double gap = RetryAfterGap("1", h);
  EXPECT_GE(gap, 0.95);
  EXPECT_LT(gap, 1.5);
  const auto events = h.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, HttpEvent::Kind::kRetry);
  EXPECT_EQ(events[0].status, 429);
  EXPECT_EQ(events[0].attempt, 1);
  EXPECT_DOUBLE_EQ(events[0].delay_seconds, 1.0);
  EXPECT_NE(events[0].reason.find("Retry-After 1 s"), std::string::npos) << events[0].reason;
  EXPECT_EQ(events[0].url.find("k3y"), std::string::npos);  // no query in events
  EXPECT_EQ(events[0].url.find('?'), std::string::npos);
}

TEST(HttpClientTest, RetryAfterHttpDate) {
  Harness h;
  // Two seconds ahead, at whole-second resolution: a wait of 1 to 2 s.
  const double gap = RetryAfterGap(HttpDate(std::time(nullptr) + 2), h);
  EXPECT_GE(gap, 0.9);
  EXPECT_LT(gap, 2.5);
  ASSERT_EQ(h.events().size(), 1u);
  EXPECT_NE(h.events()[0].reason.find("Retry-After"), std::string::npos) << h.events()[0].reason;
}

TEST(HttpClientTest, RetryAfterZeroAndPastDateAreFloored) {
  for (const std::string& value : {std::string("0"), HttpDate(std::time(nullptr) - 3600)}) {
    Harness h;
    const double gap = RetryAfterGap(value, h);
    EXPECT_GE(gap, 0.19) << value;  // min_retry_after_seconds, not the 0.05 s backoff
    EXPECT_LT(gap, 0.6) << value;
    ASSERT_EQ(h.events().size(), 1u);
    EXPECT_DOUBLE_EQ(h.events()[0].delay_seconds, 0.2);
  }
}

TEST(HttpClientTest, ServerErrorsThenSuccess) {
  std::atomic<int> n{0};
  auto server = TestHttpServer::Start([&n](const TestHttpRequest&) {
    const int i = n++;
    if (i < 3) return TestHttpResponse::Status(i == 0 ? 503 : i == 1 ? 502 : 500, "oops");
    return TestHttpResponse::Json("{\"ok\":true}");
  });
  HttpClientOptions options = FastOptions();
  options.retry.max_attempts = 5;
  Harness h(options);
  auto response = h.Get(server->base_url() + "/flaky");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->attempts, 4);
  EXPECT_EQ(server->request_count(), 4u);
  // Backoff 0.05, 0.1, 0.2 s (no jitter).
  const auto gaps = Gaps(server->requests());
  ASSERT_EQ(gaps.size(), 3u);
  EXPECT_GE(gaps[0], 0.045);
  EXPECT_GE(gaps[1], 0.095);
  EXPECT_GE(gaps[2], 0.195);
  EXPECT_LT(gaps[2], 0.6);

  const auto events = h.events();
  ASSERT_EQ(events.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].kind, HttpEvent::Kind::kRetry);
    EXPECT_EQ(events[i].attempt, i + 1);
    EXPECT_EQ(events[i].method, "GET");
    EXPECT_EQ(events[i].host, Host(*server));
    EXPECT_EQ(events[i].url, server->base_url() + "/flaky");
  }
  EXPECT_EQ(events[0].status, 503);
  EXPECT_NE(events[0].reason.find("503 Service Unavailable"), std::string::npos) << events[0].reason;

  const auto& m = h.metrics();
  const std::string host = Host(*server);
  EXPECT_EQ(m.requests->WithLabels({host, "503"}).value(), 1);
  EXPECT_EQ(m.requests->WithLabels({host, "502"}).value(), 1);
  EXPECT_EQ(m.requests->WithLabels({host, "200"}).value(), 1);
  EXPECT_EQ(m.retries->WithLabels({host, "status_503"}).value(), 1);
  EXPECT_EQ(m.retries->WithLabels({host, "status_500"}).value(), 1);
  EXPECT_NEAR(m.retry_wait_seconds->WithLabels({host}).value(), 0.35, 1e-9);
  EXPECT_EQ(m.request_duration->WithLabels({host}).Snapshot().count(), 4u);
  EXPECT_EQ(m.rate_limit_wait_seconds->WithLabels({host}).value(), 0);
}

TEST(HttpClientTest, RetryableStatusExhaustedReturnsLastResponse) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Status(503, "down"); });
  HttpClientOptions options = FastOptions();
  options.retry.max_attempts = 3;
  Harness h(options);
  auto response = h.Get(server->base_url() + "/down");
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "down");
  EXPECT_EQ(response->attempts, 3);
  EXPECT_EQ(server->request_count(), 3u);
  EXPECT_EQ(h.CountEvents(HttpEvent::Kind::kRetry), 2u);
  ASSERT_EQ(h.CountEvents(HttpEvent::Kind::kGaveUp), 1u);
  EXPECT_NE(h.events().back().reason.find("giving up after 3 attempts"), std::string::npos);
}

TEST(HttpClientTest, NotFoundIsNotRetried) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Status(404, "no"); });
  Harness h;
  auto response = h.Get(server->base_url() + "/missing");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->attempts, 1);
  EXPECT_EQ(server->request_count(), 1u);
  EXPECT_TRUE(h.events().empty());
}

TEST(HttpClientTest, ResetAndTruncatedBodiesAreRetried) {
  for (const Fault fault : {Fault::kResetMidBody, Fault::kTruncateBody, Fault::kCloseWithoutResponse}) {
    std::atomic<int> n{0};
    auto server = TestHttpServer::Start([&n, fault](const TestHttpRequest&) {
      auto response = TestHttpResponse::Json(std::string(20000, 'z'));
      if (n++ == 0) response.fault = fault;
      return response;
    });
    Harness h;
    auto response = h.Get(server->base_url() + "/body");
    ASSERT_TRUE(response.ok()) << static_cast<int>(fault) << ": " << response.error().ToString();
    EXPECT_EQ(response->body, std::string(20000, 'z'));
    EXPECT_EQ(response->attempts, 2);
    EXPECT_EQ(server->request_count(), 2u);
    ASSERT_EQ(h.CountEvents(HttpEvent::Kind::kRetry), 1u);
    EXPECT_EQ(h.events()[0].status, 0);
    EXPECT_EQ(h.metrics().requests->WithLabels({Host(*server), "error"}).value(), 1);
    EXPECT_EQ(h.metrics().retries->WithLabels({Host(*server), "connection"}).value(), 1);
  }
}

TEST(HttpClientTest, AlwaysTruncatedBodyIsDataLoss) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) {
    auto response = TestHttpResponse::Json(std::string(1000, 'z'));
    response.fault = Fault::kTruncateBody;
    return response;
  });
  HttpClientOptions options = FastOptions();
  options.retry.max_attempts = 2;
  Harness h(options);
  auto response = h.Get(server->base_url() + "/cut?token=k3y");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kDataLoss);
  EXPECT_NE(response.error().message().find("ended early"), std::string::npos) << response.error().message();
  EXPECT_NE(response.error().message().find("after 2 attempts"), std::string::npos) << response.error().message();
  EXPECT_EQ(response.error().message().find("k3y"), std::string::npos);
  EXPECT_EQ(server->request_count(), 2u);
  EXPECT_EQ(h.CountEvents(HttpEvent::Kind::kGaveUp), 1u);
}

TEST(HttpClientTest, StalledBodyHitsReadTimeout) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) {
    auto response = TestHttpResponse::Json(std::string(1000, 's'));
    response.fault = Fault::kStallMidBody;
    return response;
  });
  HttpClientOptions options = FastOptions();
  options.read_timeout_seconds = 0.3;
  options.retry.max_attempts = 2;
  Harness h(options);
  const auto start = std::chrono::steady_clock::now();
  auto response = h.Get(server->base_url() + "/stall");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find("read timeout"), std::string::npos) << response.error().message();
  EXPECT_NE(response.error().message().find("after 2 attempts"), std::string::npos) << response.error().message();
  EXPECT_GE(elapsed, 0.6);
  EXPECT_LT(elapsed, 2.0);
  EXPECT_EQ(h.metrics().requests->WithLabels({Host(*server), "timeout"}).value(), 2);
  EXPECT_EQ(h.metrics().retries->WithLabels({Host(*server), "timeout"}).value(), 1);
}

TEST(HttpClientTest, TotalTimeoutBoundsASlowServer) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) {
    auto response = TestHttpResponse::Json("{}");
    response.delay_seconds = 2;
    return response;
  });
  HttpClientOptions options = FastOptions();
  options.total_timeout_seconds = 0.3;
  options.retry.max_attempts = 1;
  Harness h(options);
  auto response = h.Get(server->base_url() + "/slow");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find("total timeout"), std::string::npos) << response.error().message();
}

TEST(HttpClientTest, ConnectionRefusedAfterAllAttempts) {
  const std::uint16_t port = UnusedPort();
  HttpClientOptions options = FastOptions();
  options.retry.max_attempts = 3;
  Harness h(options);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x?api_key=k3y";
  auto response = h.Get(url);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().message(),
            "GET http://127.0.0.1:" + std::to_string(port) + "/x: connection refused after 3 attempts");
  const std::string host = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(h.metrics().requests->WithLabels({host, "error"}).value(), 3);
  EXPECT_EQ(h.metrics().retries->WithLabels({host, "connection"}).value(), 2);
  EXPECT_EQ(h.CountEvents(HttpEvent::Kind::kRetry), 2u);
  EXPECT_EQ(h.CountEvents(HttpEvent::Kind::kGaveUp), 1u);
}

TEST(HttpClientTest, BadUrlIsInvalidArgument) {
  Harness h;
  auto response = h.Get("ftp://127.0.0.1/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kInvalidArgument);
  auto header = h.Get("http://127.0.0.1:1/x", {{"X-Bad", "a\r\nInjected: 1"}});
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(header.error().message().find("Injected"), std::string::npos);  // values are not quoted
}

TEST(HttpClientTest, TlsWithCaFileAndVerificationFailure) {
  const SelfSignedCert cert = SelfSignedCert::Generate();
  testing::TempDir dir("http_tls");
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{\"tls\":1}"); },
                                      cert);
  ASSERT_EQ(server->base_url().rfind("https://", 0), 0u);

  HttpClientOptions trusted = FastOptions();
  trusted.ca_file = cert.WriteCertFile(dir.path());
  Harness ok(trusted);
  for (int i = 0; i < 2; ++i) {
    auto response = ok.Get(server->base_url() + "/secure");
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->body, "{\"tls\":1}");
  }
  EXPECT_EQ(server->connections_accepted(), 1);  // keep-alive over TLS too

  const int accepted_before = server->connections_accepted();
  Harness untrusted;  // system CAs only
  auto response = untrusted.Get(server->base_url() + "/secure");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(response.error().message().find("certificate verification failed"), std::string::npos)
      << response.error().message();
  EXPECT_NE(response.error().message().find("self-signed"), std::string::npos) << response.error().message();
  EXPECT_NE(response.error().message().find("ca_file"), std::string::npos) << response.error().message();
  EXPECT_EQ(server->connections_accepted(), accepted_before + 1);  // one handshake, no retries
  EXPECT_TRUE(untrusted.events().empty());

  HttpClientOptions insecure = FastOptions();
  insecure.verify_tls = false;
  Harness no_verify(insecure);
  EXPECT_TRUE(no_verify.Get(server->base_url() + "/secure").ok());

  // A DNS name (resolver, SNI, DNS subjectAltName): the certificate names localhost.
  Harness by_name(trusted);
  auto named = by_name.Get("https://localhost:" + std::to_string(server->port()) + "/secure");
  ASSERT_TRUE(named.ok()) << named.error().ToString();
  EXPECT_EQ(named->body, "{\"tls\":1}");

  HttpClientOptions missing_ca = FastOptions();
  missing_ca.ca_file = dir.path() + "/missing.pem";
  boost::asio::io_context io;
  auto created = HttpClient::Create(io, missing_ca);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpClientTest, HostLimiterCapsConcurrency) {
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    const int now = ++in_flight;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    --in_flight;
    return TestHttpResponse::Json("{}");
  });
  HttpClientOptions options = FastOptions();
  options.host_limits.max_concurrent = 2;
  Harness h(options);
  int ok = 0;
  int done = 0;
  for (int i = 0; i < 6; ++i) {
    HttpRequest request;
    request.url = server->base_url() + "/slow/" + std::to_string(i);
    h.client().AsyncSend(std::move(request), [&](Result<HttpResponse> r) {
      ++done;
      if (r.ok() && r->status == 200) ++ok;
    });
  }
  const auto start = std::chrono::steady_clock::now();
  h.io().run();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(done, 6);
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(max_in_flight.load(), 2);
  EXPECT_GE(elapsed, 0.44);  // three waves of 150 ms
  EXPECT_LT(elapsed, 1.5);
  EXPECT_EQ(h.CountEvents(HttpEvent::Kind::kRateLimited), 4u);
  for (const auto& event : h.events()) {
    EXPECT_GT(event.delay_seconds, 0);
    EXPECT_EQ(event.reason, "per-host limit: 2 concurrent");
  }
  EXPECT_GT(h.metrics().rate_limit_wait_seconds->WithLabels({Host(*server)}).value(), 0.5);
  EXPECT_LE(server->connections_accepted(), 2);  // waiters reuse the freed connections
}

TEST(HttpClientTest, CancelDuringBackoff) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Status(503); });
  HttpClientOptions options = FastOptions();
  options.retry.backoff_base_seconds = 5;
  options.retry.max_delay_seconds = 10;
  Harness h(options);
  h.set_on_event([&h](const HttpEvent& event) {
    if (event.kind == HttpEvent::Kind::kRetry) h.client().Cancel();
  });
  std::optional<Result<HttpResponse>> result;
  HttpRequest request;
  request.url = server->base_url() + "/down";
  h.client().AsyncSend(request, [&](Result<HttpResponse> r) { result.emplace(std::move(r)); });
  const auto start = std::chrono::steady_clock::now();
  h.io().run();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().code(), ErrorCode::kCancelled);
  EXPECT_LT(elapsed, 1.0);
  EXPECT_EQ(server->request_count(), 1u);

  // Afterwards every request fails at once.
  auto after = h.client().Send(request);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(server->request_count(), 1u);
}

TEST(HttpClientTest, CallbacksRunOnTheClientStrand) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{}"); });
  Harness h;
  bool on_strand = false;
  HttpRequest request;
  request.url = server->base_url() + "/";
  h.client().AsyncSend(request, [&](Result<HttpResponse>) {
    on_strand = h.client().executor().target<boost::asio::strand<boost::asio::io_context::executor_type>>()
                    ->running_in_this_thread();
  });
  h.io().run();
  EXPECT_TRUE(on_strand);
}

TEST(HttpClientTest, InvalidOptions) {
  boost::asio::io_context io;
  HttpClientOptions options;
  options.read_timeout_seconds = -1;
  auto client = HttpClient::Create(io, options);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message().find("read_timeout_seconds"), std::string::npos);
  options = {};
  options.retry.max_attempts = 0;
  EXPECT_FALSE(HttpClient::Create(io, options).ok());
  options = {};
  options.host_limits.max_concurrent = 0;
  EXPECT_FALSE(HttpClient::Create(io, options).ok());
}

}  // namespace
}  // namespace ingestd::extract::http
