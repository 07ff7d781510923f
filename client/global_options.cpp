#include "client/global_options.hpp"

#include <array>
#include <cmath>
#include <cstdlib>

#include "client/local_files.hpp"

namespace ingestd::client {
namespace {

constexpr std::array kGlobalFlags{
    FlagSpec{"--address", "", "HOST:PORT", "daemon address (env INGESTD_ADDRESS; default 127.0.0.1:50051)"},
    FlagSpec{"--token", "", "TOKEN", "bearer token (env INGESTD_TOKEN)"},
    FlagSpec{"--token-file", "", "PATH", "read the bearer token from PATH"},
    FlagSpec{"--tls", "", "", "connect with TLS (trusting the system's CAs unless --tls-ca)"},
    FlagSpec{"--tls-ca", "", "PATH", "PEM file of the CA(s) to trust; implies --tls"},
    FlagSpec{"--tls-cert", "", "PATH", "PEM client certificate (with --tls-key); implies --tls"},
    FlagSpec{"--tls-key", "", "PATH", "PEM key of the client certificate"},
    FlagSpec{"--output", "-o", "FORMAT", "table (default) or json"},
    FlagSpec{"--timeout", "", "SECONDS", "deadline of each call except streams (default 30; 0: none)"},
};

// gRPC metadata values must be printable ASCII; anything else would fail the
// call with a confusing INTERNAL error instead of a usage error here.
bool IsValidMetadataValue(std::string_view value) {
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::span<const FlagSpec> GlobalFlags() { return kGlobalFlags; }

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<GlobalOptions> ResolveGlobalOptions(const ParsedArgs& args, const EnvLookup& env) {
  GlobalOptions options;
  ConnectionOptions& connection = options.connection;

  if (auto address = args.Value("--address")) {
    if (address->empty()) return InvalidArgument("--address needs HOST:PORT");
    connection.address = *address;
  } else if (auto from_env = env("INGESTD_ADDRESS"); from_env && !from_env->empty()) {
    connection.address = *from_env;
  }

  if (args.Has("--token") && args.Has("--token-file")) {
    return InvalidArgument("--token and --token-file exclude each other");
  }
  std::string token_source = "INGESTD_TOKEN";
  if (auto token = args.Value("--token")) {
    if (token->empty()) return InvalidArgument("--token needs a token");
    connection.token = *token;
    token_source = "--token";
  } else if (auto path = args.Value("--token-file")) {
    auto contents = ReadTextFile(*path);
    if (!contents.ok()) return InvalidArgument("--token-file: " + contents.error().message());
    connection.token = TrimWhitespace(*contents);
    if (connection.token.empty()) return InvalidArgument("--token-file: " + *path + " is empty");
    token_source = "--token-file " + *path;
  } else if (auto from_env = env("INGESTD_TOKEN")) {
    connection.token = TrimWhitespace(*from_env);
  }
  if (!IsValidMetadataValue(connection.token)) {
    // Never echo the token itself: it is a secret.
    return InvalidArgument("the token from " + token_source +
                           " has characters other than printable ASCII");
  }

  connection.tls = args.Has("--tls");
  connection.tls_ca_file = args.Value("--tls-ca").value_or("");
  connection.tls_cert_file = args.Value("--tls-cert").value_or("");
  connection.tls_key_file = args.Value("--tls-key").value_or("");
  if (connection.tls_cert_file.empty() != connection.tls_key_file.empty()) {
    return InvalidArgument("--tls-cert and --tls-key go together (a client certificate and its key)");
  }

  if (auto timeout = args.Value("--timeout")) {
    INGESTD_ASSIGN_OR_RETURN(const double seconds, ParseSecondsFlag("--timeout", *timeout));
    connection.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  }

  if (auto output = args.Value("--output")) {
    auto format = ParseOutputFormat(*output);
    if (!format) return InvalidArgument("-o needs table or json, got '" + *output + "'");
    options.output = *format;
  }
  return options;
}

}  // namespace ingestd::client
