#include "core/extract/http/tls_context.hpp"

#include <fstream>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace ingestd::extract::http {

namespace ssl = boost::asio::ssl;

Result<std::unique_ptr<ssl::context>> MakeTlsClientContext(bool verify, const std::string& ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Internal("OpenSSL: cannot require TLS 1.2");
  }
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  if (!verify) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  // A missing system store is not an error here: ca_file may be all there is,
  // and a server nothing vouches for fails its handshake with a clear message.
  ctx->set_default_verify_paths(ec);
  if (!ca_file.empty()) {
    if (!std::ifstream(ca_file).good()) {
      return InvalidArgument("ca_file " + ca_file + ": cannot be read");
    }
    ctx->load_verify_file(ca_file, ec);
    if (ec) return InvalidArgument("ca_file " + ca_file + ": not a PEM certificate file (" + ec.message() + ")");
  }
  return ctx;
}

Status SetServerNameIndication(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) return OkStatus();  // an IP literal
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Internal("OpenSSL: cannot set the TLS server name");
  }
  return OkStatus();
}

bool HostNameVerifier::operator()(bool preverified, ssl::verify_context& ctx) const {
  if (!preverified) return false;
  if (ssl::host_name_verification(host_)(preverified, ctx)) return true;
  X509_STORE_CTX_set_error(ctx.native_handle(), X509_V_ERR_HOSTNAME_MISMATCH);
  return false;
}

bool IsCertificateVerifyError(const boost::system::error_code& ec) {
  return ec.category() == boost::asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

std::string DescribeTlsError(const boost::system::error_code& ec, long verify_result) {
  if (IsCertificateVerifyError(ec)) {
    std::string out = "TLS certificate verification failed";
    if (verify_result != X509_V_OK) {
      out += ": ";
      out += X509_verify_cert_error_string(verify_result);
    }
    if (verify_result != X509_V_ERR_HOSTNAME_MISMATCH) {
      out += " (a private CA can be trusted with the ca_file option)";
    }
    return out;
  }
  return "TLS handshake failed: " + ec.message();
}

}  // namespace ingestd::extract::http
