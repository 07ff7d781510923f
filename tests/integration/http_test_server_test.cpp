// Checks the test HTTP server itself, through a small synchronous Beast
// client: what other tests rely on (framing, keep-alive, faults, TLS,
// prompt shutdown) must hold before they can trust it.

#include "tests/support/http_test_server.hpp"

#include <poll.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace ingestd::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Fault = TestHttpResponse::Fault;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One client connection to the server under test, plain or TLS.
class Client {
 public:
  Client(std::uint16_t port, ssl::context* tls = nullptr) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port));
    if (tls != nullptr) tls_stream_.emplace(socket_, *tls);
  }

  ErrorCode Handshake(const std::string& host) {
    tls_stream_->set_verify_callback(ssl::host_name_verification(host));
    ErrorCode ec;
    tls_stream_->handshake(ssl::stream_base::client, ec);
    return ec;
  }

  ErrorCode Send(http::request<http::string_body> request) {
    request.set(http::field::host, "127.0.0.1");
    ErrorCode ec;
    if (tls_stream_) {
      http::write(*tls_stream_, request, ec);
    } else {
      http::write(socket_, request, ec);
    }
    return ec;
  }

  ErrorCode Read(http::response<http::string_body>& response) {
    ErrorCode ec;
    if (tls_stream_) {
      http::read(*tls_stream_, buffer_, response, ec);
    } else {
      http::read(socket_, buffer_, response, ec);
    }
    return ec;
  }

  // Sends `request` and reads the response; fails the test on any error.
  http::response<http::string_body> RoundTrip(http::request<http::string_body> request) {
    http::response<http::string_body> response;
    EXPECT_FALSE(Send(std::move(request)));
    const ErrorCode ec = Read(response);
    EXPECT_FALSE(ec) << ec.message();
    return response;
  }

  std::size_t ReadSome(asio::mutable_buffer buffer, ErrorCode& ec) {
    if (tls_stream_) return tls_stream_->read_some(buffer, ec);
    return socket_.read_some(buffer, ec);
  }

  // Reads the response into `parser`, which keeps what arrived before an error.
  ErrorCode Read(http::response_parser<http::string_body>& parser) {
    ErrorCode ec;
    if (tls_stream_) {
      http::read(*tls_stream_, buffer_, parser, ec);
    } else {
      http::read(socket_, buffer_, parser, ec);
    }
    return ec;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  std::optional<ssl::stream<tcp::socket&>> tls_stream_;
  beast::flat_buffer buffer_;
};

http::request<http::string_body> Get(const std::string& target) {
  return http::request<http::string_body>(http::verb::get, target, 11);
}

std::string Gunzip(const std::string& input) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(64 * 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  EXPECT_EQ(rc, Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

// Waits (up to 2 s) until the server has seen `count` requests.
bool WaitForRequests(const TestHttpServer& server, std::size_t count) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (server.request_count() < count) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

const SelfSignedCert& Cert() {
  static const SelfSignedCert cert = SelfSignedCert::Generate();
  return cert;
}

TEST(HttpTestServerTest, ServesGetAndRecordsTheRequest) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& request) {
    TestHttpResponse response = TestHttpResponse::Json(R"({"ok":true})", 201);
    response.headers.emplace_back("X-Served-Path", request.path);
    return response;
  });
  EXPECT_EQ(server->base_url(), "http://127.0.0.1:" + std::to_string(server->port()));

  Client client(server->port());
  auto request = Get("/items?q=a%20b+c&flag&page=2");
  request.set("X-Trace", "abc");
  const auto response = client.RoundTrip(std::move(request));
  EXPECT_EQ(response.result_int(), 201);
  EXPECT_EQ(response.body(), R"({"ok":true})");
  EXPECT_EQ(response[http::field::content_type], "application/json");
  EXPECT_EQ(response[http::field::content_length], "11");
  EXPECT_EQ(response["X-Served-Path"], "/items");

  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 1U);
  const TestHttpRequest& seen = requests[0];
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/items?q=a%20b+c&flag&page=2");
  EXPECT_EQ(seen.path, "/items");
  EXPECT_EQ(seen.query, "q=a%20b+c&flag&page=2");
  EXPECT_EQ(seen.QueryParam("q"), "a b c");
  EXPECT_EQ(seen.QueryParam("flag"), "");
  EXPECT_EQ(seen.QueryParam("page"), "2");
  EXPECT_EQ(seen.QueryParam("missing"), std::nullopt);
  EXPECT_EQ(seen.Header("x-trace"), "abc");
  EXPECT_EQ(seen.Header("X-Missing"), std::nullopt);
  EXPECT_EQ(seen.connection_id, 0);
  EXPECT_GT(seen.received_at, 0);

  server->ClearRequests();
  EXPECT_EQ(server->request_count(), 0U);
}

TEST(HttpTestServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& request) { return TestHttpResponse::Json(request.path); });
  {
    Client client(server->port());
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(client.RoundTrip(Get("/r" + std::to_string(i))).body(), "/r" + std::to_string(i));
    }
    EXPECT_EQ(server->connections_accepted(), 1);
  }
  Client second(server->port());
  second.RoundTrip(Get("/again"));
  EXPECT_EQ(server->connections_accepted(), 2);
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 4U);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(requests[i].connection_id, 0);
  EXPECT_EQ(requests[3].connection_id, 1);
  EXPECT_LE(requests[0].received_at, requests[2].received_at);
}

TEST(HttpTestServerTest, CloseConnectionEndsTheConnectionAfterTheResponse) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) {
    TestHttpResponse response = TestHttpResponse::Status(503, "busy");
    response.headers.emplace_back("Retry-After", "1");
    response.close_connection = true;
    return response;
  });
  Client client(server->port());
  const auto response = client.RoundTrip(Get("/"));
  EXPECT_EQ(response.result_int(), 503);
  EXPECT_EQ(response.body(), "busy");
  EXPECT_EQ(response["Retry-After"], "1");
  EXPECT_FALSE(response.keep_alive());
  // The server closed its side: the next read sees the end of the stream.
  http::response<http::string_body> next;
  EXPECT_EQ(client.Read(next), http::error::end_of_stream);
}

TEST(HttpTestServerTest, AcceptsChunkedRequestBodies) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& request) { return TestHttpResponse::Json(request.body); });
  Client client(server->port());
  http::request<http::string_body> request(http::verb::post, "/upload", 11);
  request.body() = std::string(10000, 'a') + "end";
  request.chunked(true);
  const auto response = client.RoundTrip(std::move(request));
  EXPECT_EQ(response.body(), std::string(10000, 'a') + "end");
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(requests[0].body, std::string(10000, 'a') + "end");
}

TEST(HttpTestServerTest, GzipAndChunkedResponses) {
  const std::string body = R"([{"id":1},{"id":2},{"id":3}])";
  auto server = TestHttpServer::Start([&body](const TestHttpRequest& request) {
    TestHttpResponse response = TestHttpResponse::Json(body);
    response.gzip = request.path.find("gzip") != std::string::npos;
    response.chunked = request.path.find("chunked") != std::string::npos;
    return response;
  });
  Client client(server->port());

  const auto gzipped = client.RoundTrip(Get("/gzip"));
  EXPECT_EQ(gzipped[http::field::content_encoding], "gzip");
  EXPECT_EQ(gzipped[http::field::content_length], std::to_string(gzipped.body().size()));
  EXPECT_EQ(Gunzip(gzipped.body()), body);

  const auto chunked = client.RoundTrip(Get("/chunked"));
  EXPECT_TRUE(chunked.chunked());
  EXPECT_EQ(chunked.count(http::field::content_length), 0U);
  EXPECT_EQ(chunked.body(), body);

  const auto both = client.RoundTrip(Get("/gzip-chunked"));
  EXPECT_TRUE(both.chunked());
  EXPECT_EQ(both[http::field::content_encoding], "gzip");
  EXPECT_EQ(Gunzip(both.body()), body);
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(HttpTestServerTest, DelaysTheResponse) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) {
    TestHttpResponse response = TestHttpResponse::Status(200);
    response.delay_seconds = 0.2;
    return response;
  });
  Client client(server->port());
  const auto start = Clock::now();
  EXPECT_EQ(client.RoundTrip(Get("/")).result_int(), 200);
  EXPECT_GE(SecondsSince(start), 0.2);
}

// Each fault as a client sees it, over plain TCP and over TLS.
class HttpTestServerFaultTest : public ::testing::TestWithParam<bool> {
 protected:
  bool tls() const { return GetParam(); }

  void StartWith(Fault fault) {
    std::optional<SelfSignedCert> cert;
    if (tls()) {
      cert = Cert();
      client_tls_.add_certificate_authority(asio::buffer(Cert().cert_pem));
      client_tls_.set_verify_mode(ssl::verify_peer);
    }
    server_ = TestHttpServer::Start(
        [fault](const TestHttpRequest&) {
          TestHttpResponse response = TestHttpResponse::Json(std::string(100, 'x'));
          response.fault = fault;
          return response;
        },
        cert);
    client_.emplace(server_->port(), tls() ? &client_tls_ : nullptr);
    if (tls()) {
      ASSERT_FALSE(client_->Handshake("127.0.0.1"));
    }
    ASSERT_FALSE(client_->Send(Get("/")));
  }

  ssl::context client_tls_{ssl::context::tls_client};
  std::unique_ptr<TestHttpServer> server_;
  std::optional<Client> client_;
};

INSTANTIATE_TEST_SUITE_P(HttpTestServer, HttpTestServerFaultTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) { return param_info.param ? "Tls" : "Plain"; });

TEST_P(HttpTestServerFaultTest, CloseWithoutResponse) {
  StartWith(Fault::kCloseWithoutResponse);
  http::response<http::string_body> response;
  const ErrorCode ec = client_->Read(response);
  // No close_notify either: TLS reports the bare TCP close as a truncation.
  EXPECT_EQ(ec, tls() ? ErrorCode(ssl::error::stream_truncated) : ErrorCode(http::error::end_of_stream))
      << ec.message();
  EXPECT_EQ(server_->request_count(), 1U);
}

TEST_P(HttpTestServerFaultTest, ResetMidBody) {
  StartWith(Fault::kResetMidBody);
  http::response_parser<http::string_body> parser;
  const ErrorCode ec = client_->Read(parser);
  EXPECT_EQ(ec, asio::error::connection_reset) << ec.message();
}

TEST_P(HttpTestServerFaultTest, TruncateBody) {
  StartWith(Fault::kTruncateBody);
  http::response_parser<http::string_body> parser;
  const ErrorCode ec = client_->Read(parser);
  EXPECT_EQ(ec, http::error::partial_message) << ec.message();
  EXPECT_EQ(parser.content_length_remaining().value_or(0), 50U);
  EXPECT_EQ(parser.get().body(), std::string(50, 'x'));
}

TEST_P(HttpTestServerFaultTest, StallMidBodyThenStopPromptly) {
  StartWith(Fault::kStallMidBody);
  // Read until the head and half of the 100-byte body are in.
  std::string received;
  const auto body_bytes = [&received] { return received.size() - received.find("\r\n\r\n") - 4; };
  while (received.find("\r\n\r\n") == std::string::npos || body_bytes() < 50) {
    char chunk[512];
    ErrorCode ec;
    const std::size_t n = client_->ReadSome(asio::buffer(chunk), ec);
    ASSERT_FALSE(ec) << ec.message();
    received.append(chunk, n);
  }
  EXPECT_NE(received.find("Content-Length: 100\r\n"), std::string::npos);
  EXPECT_EQ(body_bytes(), 50U);
  // Then nothing more.
  pollfd fd{client_->socket().native_handle(), POLLIN, 0};
  EXPECT_EQ(::poll(&fd, 1, 200), 0);

  const auto start = Clock::now();
  server_.reset();
  EXPECT_LT(SecondsSince(start), 1.0);
  char chunk[16];
  ErrorCode ec;
  client_->ReadSome(asio::buffer(chunk), ec);
  EXPECT_EQ(ec, tls() ? ErrorCode(ssl::error::stream_truncated) : ErrorCode(asio::error::eof)) << ec.message();
}

TEST(HttpTestServerTest, DestructorReturnsPromptlyWithIdleDelayedAndStalledClients) {
  auto server = TestHttpServer::Start([](const TestHttpRequest& request) {
    TestHttpResponse response = TestHttpResponse::Json(std::string(100, 'x'));
    if (request.path == "/delay") response.delay_seconds = 30;
    if (request.path == "/stall") response.fault = Fault::kStallMidBody;
    return response;
  });
  Client idle(server->port());
  idle.RoundTrip(Get("/"));
  Client delayed(server->port());
  ASSERT_FALSE(delayed.Send(Get("/delay")));
  Client stalled(server->port());
  ASSERT_FALSE(stalled.Send(Get("/stall")));
  Client silent(server->port());  // connected, never sends anything
  ASSERT_TRUE(WaitForRequests(*server, 3));

  const auto start = Clock::now();
  server.reset();
  EXPECT_LT(SecondsSince(start), 1.0);
}

TEST(HttpTestServerTest, TlsHandshakeSucceedsWhenTheClientTrustsTheCert) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{}"); }, Cert());
  EXPECT_EQ(server->base_url(), "https://127.0.0.1:" + std::to_string(server->port()));

  // Trust through a ca_file, as HttpClientOptions::ca_file will.
  TempDir dir("http_test_server");
  const std::string ca_file = Cert().WriteCertFile(dir.path());
  EXPECT_EQ(ReadAll(ca_file), Cert().cert_pem);
  ssl::context tls(ssl::context::tls_client);
  tls.load_verify_file(ca_file);
  tls.set_verify_mode(ssl::verify_peer);

  for (const std::string host : {"127.0.0.1", "localhost"}) {
    Client client(server->port(), &tls);
    const ErrorCode ec = client.Handshake(host);
    ASSERT_FALSE(ec) << host << ": " << ec.message();
    const auto response = client.RoundTrip(Get("/secure"));
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "{}");
    // Keep-alive works inside TLS too.
    EXPECT_EQ(client.RoundTrip(Get("/secure")).body(), "{}");
  }
  EXPECT_EQ(server->connections_accepted(), 2);
  EXPECT_EQ(server->request_count(), 4U);
}

TEST(HttpTestServerTest, TlsHandshakeFailsWhenTheClientDoesNotTrustTheCert) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{}"); }, Cert());
  ssl::context tls(ssl::context::tls_client);  // no trusted CAs at all
  tls.set_verify_mode(ssl::verify_peer);
  Client client(server->port(), &tls);
  const ErrorCode ec = client.Handshake("127.0.0.1");
  EXPECT_TRUE(ec);
  EXPECT_EQ(server->request_count(), 0U);
}

TEST(HttpTestServerTest, TlsHandshakeFailsForAnotherHostName) {
  auto server = TestHttpServer::Start([](const TestHttpRequest&) { return TestHttpResponse::Json("{}"); }, Cert());
  ssl::context tls(ssl::context::tls_client);
  tls.add_certificate_authority(asio::buffer(Cert().cert_pem));
  tls.set_verify_mode(ssl::verify_peer);
  Client client(server->port(), &tls);
  EXPECT_TRUE(client.Handshake("example.com"));
}

}  // namespace
}  // namespace ingestd::testing
