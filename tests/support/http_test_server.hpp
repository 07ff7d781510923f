#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ingestd::testing {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

/// One request the test server received.
struct TestHttpRequest {
  std::string method;
  std::string target;  // path and query as received
  std::string path;    // target before '?'
  std::string query;   // after '?', raw
  TestHeaders headers;
  std::string body;
  /// Seconds on a steady clock when the request was complete (compare
  /// differences only: retry timing assertions).
  double received_at = 0;
  /// Which accepted connection carried it (0, 1, ...): keep-alive checks.
  int connection_id = 0;

  std::optional<std::string> Header(std::string_view name) const;     // case-insensitive
  std::optional<std::string> QueryParam(std::string_view name) const;  // percent-decoded
};

/// What the handler wants sent back, including faults to inject.
struct TestHttpResponse {
  int status = 200;
  TestHeaders headers;  // Content-Length / Content-Encoding are set by the server
  std::string body;
  /// Wait this long before sending anything (slow server).
  double delay_seconds = 0;
  /// Send the body gzip-compressed with Content-Encoding: gzip.
  bool gzip = false;
  /// Send the body with Transfer-Encoding: chunked instead of Content-Length.
  bool chunked = false;
  /// Close the connection after this response.
  bool close_connection = false;
  enum class Fault : std::uint8_t {
    kNone,
    kCloseWithoutResponse,  // read the request, close the socket, send nothing
    kResetMidBody,          // headers (full Content-Length) + half the body, then a TCP reset
    kTruncateBody,          // headers (full Content-Length) + half the body, then a clean close
    kStallMidBody,          // headers + half the body, then silence until the client goes away
  };
  Fault fault = Fault::kNone;

  static TestHttpResponse Json(std::string body, int status = 200);
  static TestHttpResponse Status(int status, std::string body = {});
};

/// A self-signed certificate for 127.0.0.1 and localhost (subjectAltName
/// IP:127.0.0.1, DNS:localhost), RSA 2048, valid for a day, made with
/// OpenSSL at test time.
struct SelfSignedCert {
  std::string cert_pem;
  std::string key_pem;
  static SelfSignedCert Generate();
  /// Writes cert_pem to a file (for HttpClientOptions::ca_file); returns its path.
  std::string WriteCertFile(const std::string& dir) const;
};

/// A real HTTP/1.1 server (Boost.Beast, keep-alive, optional TLS) on
/// 127.0.0.1 and a free port, for tests and benchmarks. Each connection is
/// served by its own thread, so slow or stalled responses do not hold up
/// others. The handler is called from those threads: it must be
/// thread-safe. Stops (closing every connection, joining every thread) in
/// the destructor.
class TestHttpServer {
 public:
  using Handler = std::function<TestHttpResponse(const TestHttpRequest&)>;

  /// Starts listening; aborts the test process with a message on failure.
  static std::unique_ptr<TestHttpServer> Start(Handler handler, std::optional<SelfSignedCert> tls = std::nullopt);
  virtual ~TestHttpServer() = default;

  virtual std::uint16_t port() const = 0;
  /// "http://127.0.0.1:<port>" or "https://127.0.0.1:<port>".
  virtual std::string base_url() const = 0;
  /// Every request received so far, in order of arrival.
  virtual std::vector<TestHttpRequest> requests() const = 0;
  virtual std::size_t request_count() const = 0;
  virtual int connections_accepted() const = 0;
  virtual void ClearRequests() = 0;
};

}  // namespace ingestd::testing
