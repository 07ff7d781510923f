#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/post.hpp>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>
#include <grpcpp/support/status.h>

#include "core/common/result.hpp"
#include "server/auth/token_store.hpp"
#include "server/daemon/daemon_context.hpp"

namespace ingestd::rpc {

/// Plumbing shared by the Control handlers (not part of the API).

/// The caller's principal from the `authorization` metadata, authorized
/// for `role`: kUnauthenticated or kPermissionDenied otherwise.
Result<auth::Principal> AuthenticateCall(const daemon::DaemonContext& ctx, const grpc::CallbackServerContext& call,
                                         auth::Role role, std::string_view method);

/// Counts a finished call in grpc_requests{method, code} and, for unary
/// calls (`seconds` set), its duration in grpc_duration. No-op without
/// metrics.
void RecordCall(const daemon::DaemonContext& ctx, std::string_view method, const grpc::Status& status,
                std::optional<double> seconds);

/// The status for an error, logging the INTERNAL ones (a bug: the log line
/// is what gets reported).
grpc::Status ToStatusLogged(std::string_view method, const Status& status);

/// Runs `fn` (returning Status), turning an escaping std::exception into
/// kInternal plus a log line: nothing may throw into an Asio or gRPC thread.
template <class Fn>
Status RunGuarded(std::string_view method, Fn&& fn) noexcept {
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    return Internal(std::string(method) + ": unexpected exception: " + e.what() +
                    " (a bug in ingestd: please report it with the daemon's log)");
  } catch (...) {
    return Internal(std::string(method) + ": unexpected exception (a bug in ingestd: please report it)");
  }
}

/// One unary call: authenticate, finish with metrics, or post the work to
/// the blocking pool and finish from there (STYLE.md section 3). A small
/// value: Post copies it into the posted work. The request and response
/// stay valid until the reactor's OnDone, which follows Finish.
class UnaryCall {
 public:
  /// `method` must be a string literal (it outlives the call).
  UnaryCall(const daemon::DaemonContext& ctx, grpc::CallbackServerContext* call, std::string_view method)
      : ctx_(&ctx),
        call_(call),
        reactor_(call->DefaultReactor()),
        method_(method),
        start_(std::chrono::steady_clock::now()) {}

  /// Authenticates and authorizes the caller for `role`.
  Result<auth::Principal> Authenticate(auth::Role role) const {
    return AuthenticateCall(*ctx_, *call_, role, method_);
  }

  /// Finishes the call (exactly once per call) and returns its reactor, so
  /// a handler can `return call.Finish(...)`.
  grpc::ServerUnaryReactor* Finish(const Status& status) const {
    const grpc::Status out = status.ok() ? grpc::Status::OK : ToStatusLogged(method_, status);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    RecordCall(*ctx_, method_, out, elapsed.count());
    reactor_->Finish(out);
    return reactor_;
  }

  /// Runs `fn()` -> Status on the blocking pool and finishes with its
  /// result (OK: the handler filled the response). Returns the reactor.
  template <class Fn>
  grpc::ServerUnaryReactor* Post(Fn fn) const {
    boost::asio::post(*ctx_->blocking, [call = *this, fn = std::move(fn)]() mutable {
      call.Finish(RunGuarded(call.method_, fn));
    });
    return reactor_;
  }

  const daemon::DaemonContext& ctx() const { return *ctx_; }

 private:
  const daemon::DaemonContext* ctx_;
  grpc::CallbackServerContext* call_;
  grpc::ServerUnaryReactor* reactor_;
  std::string_view method_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ingestd::rpc
