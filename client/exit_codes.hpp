#pragma once

#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

namespace ingestd::client {

/// ingestctl's exit codes. Scripts depend on them (docs/cli.md lists them):
/// never renumber, only add.
enum ExitCode : int {
  kExitOk = 0,
  /// The run failed or was cancelled (run --wait, watch, push).
  kExitRunFailed = 1,
  /// Bad flags or arguments, or a local file that cannot be read.
  kExitUsage = 2,
  kExitNotFound = 3,
  /// UNAUTHENTICATED or PERMISSION_DENIED.
  kExitAuth = 4,
  /// FAILED_PRECONDITION: a run is already active, the pipeline is paused...
  kExitFailedPrecondition = 5,
  /// UNAVAILABLE or DEADLINE_EXCEEDED: the daemon is down, unreachable or slow.
  kExitUnavailable = 6,
  /// Any other RPC error.
  kExitRpcError = 7,
};

/// The exit code for a failed call (kExitOk for OK).
int ExitCodeFor(grpc::StatusCode code);

/// The canonical name: "NOT_FOUND", "UNAVAILABLE", ...
std::string_view StatusCodeName(grpc::StatusCode code);

/// "NOT_FOUND: pipeline x not found" (just the code when there is no
/// message), on one line: line breaks in the message become spaces.
std::string DescribeStatus(const grpc::Status& status);

/// The one-line error ingestctl prints for a failed call, without newline:
/// "ingestctl: NOT_FOUND: pipeline x not found".
std::string FormatRpcError(const grpc::Status& status);

}  // namespace ingestd::client
