#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace ingestd {

/// The kinds of failure ingestd reports. A subset of gRPC's canonical codes,
/// so the server maps them to grpc::StatusCode with one switch.
enum class ErrorCode {
  kInvalidArgument,     // the caller's input is wrong (spec, record, request)
  kNotFound,            // a named thing does not exist
  kFailedPrecondition,  // the system is not in a state to do this (contract frozen, run active)
  kResourceExhausted,   // a limit was hit (size, memory, nesting)
  kUnavailable,         // transient; retrying may succeed
  kDeadlineExceeded,
  kCancelled,
  kDataLoss,            // stored data is corrupt or unreadable
  kInternal,            // a bug in ingestd
  kUnauthenticated,     // no valid credentials (the daemon's bearer tokens)
  kPermissionDenied,    // valid credentials without the role the call needs
};

/// Stable lower-case name of a code ("invalid_argument"), used in logs and messages.
std::string_view ErrorCodeName(ErrorCode code);

/// An error: a code and a message a person can act on. Context is added on the
/// way up with WithContext ("table orders: column id: ...").
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// Returns a copy whose message is "<context>: <message>".
  Error WithContext(std::string_view context) const;

  /// "invalid_argument: <message>"
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

/// True for errors that may succeed when tried again (connection loss,
/// throttling, timeouts). The one rule shared by HTTP retries and destination
/// reconnects.
bool IsRetryable(const Error& error);

inline Error InvalidArgument(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}
inline Error NotFound(std::string message) { return Error(ErrorCode::kNotFound, std::move(message)); }
inline Error FailedPrecondition(std::string message) {
  return Error(ErrorCode::kFailedPrecondition, std::move(message));
}
inline Error ResourceExhausted(std::string message) {
  return Error(ErrorCode::kResourceExhausted, std::move(message));
}
inline Error Unauthenticated(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message));
}
inline Error PermissionDenied(std::string message) {
  return Error(ErrorCode::kPermissionDenied, std::move(message));
}
inline Error Internal(std::string message) { return Error(ErrorCode::kInternal, std::move(message)); }
inline Error DataLoss(std::string message) { return Error(ErrorCode::kDataLoss, std::move(message)); }

}  // namespace ingestd
