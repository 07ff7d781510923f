#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "client/control_client.hpp"
#include "client/flags.hpp"
#include "client/output_format.hpp"
#include "core/common/result.hpp"

namespace ingestd::client {

/// The flags every command accepts, anywhere on the command line:
/// --address, --token, --token-file, --tls, --tls-ca, --tls-cert,
/// --tls-key, -o/--output, --timeout.
std::span<const FlagSpec> GlobalFlags();

/// What the global flags and the environment decided.
struct GlobalOptions {
  ConnectionOptions connection;
  OutputFormat output = OutputFormat::kTable;
};

/// Reads an environment variable; nullopt when unset. Injected so tests do
/// not depend on (or change) the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment (std::getenv).
EnvLookup ProcessEnvironment();

/// Applies the global flags over the environment over the defaults:
/// address from --address, else INGESTD_ADDRESS, else 127.0.0.1:50051;
/// token from --token, else the contents of --token-file (trimmed), else
/// INGESTD_TOKEN. Reads the token file. Errors (kInvalidArgument, exit 2):
/// --token with --token-file, an unreadable or empty token file, a token
/// with characters that metadata cannot carry, a bad -o or --timeout.
Result<GlobalOptions> ResolveGlobalOptions(const ParsedArgs& args, const EnvLookup& env);

}  // namespace ingestd::client
