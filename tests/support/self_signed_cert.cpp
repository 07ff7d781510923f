// SelfSignedCert: an RSA 2048 key and an X.509 v3 certificate for
// 127.0.0.1 / localhost, made with OpenSSL 3 at test time.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/support/http_test_server.hpp"

namespace ingestd::testing {
namespace {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct X509ExtensionDeleter {
  void operator()(X509_EXTENSION* e) const noexcept { X509_EXTENSION_free(e); }
};
struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, X509ExtensionDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// These are tests: a certificate we cannot make is a broken environment.
[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "SelfSignedCert: %s failed\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

void Require(bool ok, const char* what) {
  if (!ok) Fail(what);
}

void AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);  // self-signed: issuer == subject
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  Require(ext != nullptr, "X509V3_EXT_conf_nid");
  Require(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

SelfSignedCert SelfSignedCert::Generate() {
  EvpPkeyPtr key(EVP_RSA_gen(2048));
  Require(key != nullptr, "EVP_RSA_gen");

  X509Ptr cert(X509_new());
  Require(cert != nullptr, "X509_new");
  Require(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  // A random serial, so two certificates made in one run never look alike
  // to a client that caches by issuer and serial.
  std::random_device random;
  const long serial = static_cast<long>(random() & 0x7fffffffU) + 1;
  Require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) == 1, "ASN1_INTEGER_set");
  // Backdated a minute so a clock step between here and the check does not matter.
  Require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) != nullptr, "X509_gmtime_adj");
  Require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 60 * 60) != nullptr, "X509_gmtime_adj");
  Require(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

  X509_NAME* name = X509_get_subject_name(cert.get());
  Require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0) == 1,
          "X509_NAME_add_entry_by_txt");
  Require(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");

  // CA:TRUE lets the same certificate be its own trust anchor in a ca_file.
  AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign");
  AddExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");  // also a client certificate (gRPC mTLS tests)
  AddExtension(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  AddExtension(cert.get(), NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), NID_authority_key_identifier, "keyid:always");

  Require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  SelfSignedCert result;
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  Require(cert_bio != nullptr && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  result.cert_pem = BioContents(cert_bio.get());
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  Require(key_bio != nullptr &&
              PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  result.key_pem = BioContents(key_bio.get());
  return result;
}

std::string SelfSignedCert::WriteCertFile(const std::string& dir) const {
  // A counter in the name, so two certificates written into one directory
  // do not overwrite each other.
  static std::atomic<int> counter{0};
  const std::string path = dir + "/test_server_cert_" + std::to_string(counter++) + ".pem";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << cert_pem;
  out.close();
  if (!out) {
    std::fprintf(stderr, "SelfSignedCert: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace ingestd::testing
