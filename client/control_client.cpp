#include "client/control_client.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "client/local_files.hpp"

namespace ingestd::client {
namespace {

// Schemas and spec documents can be large; the default of 4 MiB would turn
// a big GetSchema into RESOURCE_EXHAUSTED on the client side.
constexpr int kMaxReceiveMessageBytes = 64 * 1024 * 1024;

Result<std::string> ReadPem(const std::string& flag, const std::string& path) {
  auto pem = ReadTextFile(path);
  if (!pem.ok()) return InvalidArgument(flag + ": " + pem.error().message());
  return std::move(*pem);
}

}  // namespace

Result<std::unique_ptr<ControlClient>> ControlClient::Connect(const ConnectionOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgument("--tls-cert and --tls-key go together (a client certificate and its key)");
  }
  const bool tls = options.tls || !options.tls_ca_file.empty() || !options.tls_cert_file.empty();
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca_file.empty()) {
      INGESTD_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem("--tls-ca", options.tls_ca_file));
    }
    if (!options.tls_cert_file.empty()) {
      INGESTD_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem("--tls-cert", options.tls_cert_file));
      INGESTD_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem("--tls-key", options.tls_key_file));
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  arguments.SetUserAgentPrefix("ingestctl/" INGESTD_VERSION);
  auto channel = grpc::CreateCustomChannel(options.address, credentials, arguments);
  return std::make_unique<ControlClient>(v1::Control::NewStub(channel), options.token, options.timeout);
}

ControlClient::ControlClient(std::unique_ptr<v1::Control::StubInterface> stub, std::string token,
                             std::chrono::milliseconds timeout)
    : stub_(std::move(stub)),
      authorization_(token.empty() ? std::string() : "Bearer " + token),
      timeout_(timeout) {}

void ControlClient::Prepare(grpc::ClientContext& context, CallKind kind) const {
  if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
  if (kind == CallKind::kUnary && timeout_.count() > 0) {
    context.set_deadline(std::chrono::system_clock::now() + timeout_);
  }
}

}  // namespace ingestd::client
