#include "server/rpc/rpc_call.hpp"

#include <string>

#include "core/common/log.hpp"
#include "server/rpc/status_mapping.hpp"

namespace ingestd::rpc {

Result<auth::Principal> AuthenticateCall(const daemon::DaemonContext& ctx, const grpc::CallbackServerContext& call,
                                         auth::Role role, std::string_view method) {
  std::string_view authorization;
  const auto& metadata = call.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    authorization = std::string_view(it->second.data(), it->second.size());
  }
  INGESTD_ASSIGN_OR_RETURN(auth::Principal principal, ctx.tokens->Authenticate(authorization));
  INGESTD_TRY(auth::TokenStore::Authorize(principal, role, method));
  return principal;
}

void RecordCall(const daemon::DaemonContext& ctx, std::string_view method, const grpc::Status& status,
                std::optional<double> seconds) {
  if (ctx.metrics == nullptr) return;
  if (ctx.metrics->grpc_requests != nullptr) {
    ctx.metrics->grpc_requests->WithLabels({std::string(method), std::string(GrpcCodeName(status.error_code()))})
        .Increment();
  }
  if (seconds && ctx.metrics->grpc_duration != nullptr) {
    ctx.metrics->grpc_duration->WithLabels({std::string(method)}).Observe(*seconds);
  }
}

grpc::Status ToStatusLogged(std::string_view method, const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  if (status.error().code() == ErrorCode::kInternal) {
    log::Error("rpc failed", {{"method", std::string(method)}, {"error", status.error().message()}});
  }
  return ToGrpcStatus(status.error());
}

}  // namespace ingestd::rpc
