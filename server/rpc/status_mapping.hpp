#pragma once

#include <string_view>

#include <grpcpp/support/status.h>

#include "core/common/error.hpp"

namespace ingestd::rpc {

/// The one switch from our error codes to gRPC's (STYLE.md: the codes are a
/// subset of gRPC's, so the mapping is one-to-one).
grpc::StatusCode ToGrpcCode(ErrorCode code);
grpc::Status ToGrpcStatus(const Error& error);
/// "INVALID_ARGUMENT", "NOT_FOUND", ... (the canonical names, as the API's
/// RunError.code and metrics labels use them).
std::string_view GrpcCodeName(grpc::StatusCode code);
std::string_view CanonicalCodeName(ErrorCode code);

}  // namespace ingestd::rpc
