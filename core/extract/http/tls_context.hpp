#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

#include "core/common/result.hpp"

namespace ingestd::extract::http {

/// The client side OpenSSL context of one HttpClient: TLS 1.2 or newer;
/// with `verify`, peer verification against the system's default CA paths
/// plus the PEM certificates in `ca_file` (when not empty). Errors
/// (kInvalidArgument): an unreadable or invalid `ca_file`.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeTlsClientContext(bool verify, const std::string& ca_file);

/// Sets SNI for `host` (skipped for IP literals, which RFC 6066 forbids in
/// SNI) on a connection before its handshake. kInternal when OpenSSL fails.
Status SetServerNameIndication(SSL* ssl, const std::string& host);

/// The per-connection verify callback: OpenSSL verifies the chain, then the
/// leaf must match `host` (boost::asio::ssl::host_name_verification: DNS
/// names, or IP addresses for IP literals). A mismatch is recorded as
/// X509_V_ERR_HOSTNAME_MISMATCH so the error message can say so.
class HostNameVerifier {
 public:
  explicit HostNameVerifier(std::string host) : host_(std::move(host)) {}
  bool operator()(bool preverified, boost::asio::ssl::verify_context& ctx) const;

 private:
  std::string host_;
};

/// True when a handshake failed because the peer's certificate was not
/// accepted (untrusted, expired, wrong host): retrying cannot help.
bool IsCertificateVerifyError(const boost::system::error_code& ec);

/// "certificate verify failed: self-signed certificate" from a handshake
/// error and SSL_get_verify_result() of the connection.
std::string DescribeTlsError(const boost::system::error_code& ec, long verify_result);

}  // namespace ingestd::extract::http
