#include "client/exit_codes.hpp"

#include <gtest/gtest.h>

namespace ingestd::client {
namespace {

TEST(ExitCodesTest, MapsEveryCanonicalCode) {
  using grpc::StatusCode;
  EXPECT_EQ(ExitCodeFor(StatusCode::OK), 0);
  EXPECT_EQ(ExitCodeFor(StatusCode::NOT_FOUND), 3);
  EXPECT_EQ(ExitCodeFor(StatusCode::UNAUTHENTICATED), 4);
  EXPECT_EQ(ExitCodeFor(StatusCode::PERMISSION_DENIED), 4);
  EXPECT_EQ(ExitCodeFor(StatusCode::FAILED_PRECONDITION), 5);
  EXPECT_EQ(ExitCodeFor(StatusCode::UNAVAILABLE), 6);
  EXPECT_EQ(ExitCodeFor(StatusCode::DEADLINE_EXCEEDED), 6);
  for (const StatusCode other :
       {StatusCode::CANCELLED, StatusCode::UNKNOWN, StatusCode::INVALID_ARGUMENT, StatusCode::ALREADY_EXISTS,
        StatusCode::RESOURCE_EXHAUSTED, StatusCode::ABORTED, StatusCode::OUT_OF_RANGE, StatusCode::UNIMPLEMENTED,
        StatusCode::INTERNAL, StatusCode::DATA_LOSS}) {
    EXPECT_EQ(ExitCodeFor(other), 7) << StatusCodeName(other);
  }
}

TEST(ExitCodesTest, ConstantsAreTheDocumentedNumbers) {
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitRunFailed, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitNotFound, 3);
  EXPECT_EQ(kExitAuth, 4);
  EXPECT_EQ(kExitFailedPrecondition, 5);
  EXPECT_EQ(kExitUnavailable, 6);
  EXPECT_EQ(kExitRpcError, 7);
}

TEST(ExitCodesTest, ErrorLineIsOneLineWithCanonicalName) {
  EXPECT_EQ(FormatRpcError(grpc::Status(grpc::StatusCode::NOT_FOUND, "pipeline \"x\" not found")),
            "ingestctl: NOT_FOUND: pipeline \"x\" not found");
  EXPECT_EQ(FormatRpcError(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a\nb\r\n")),
            "ingestctl: INVALID_ARGUMENT: a b");
  EXPECT_EQ(FormatRpcError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")), "ingestctl: UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::FAILED_PRECONDITION), "FAILED_PRECONDITION");
}

}  // namespace
}  // namespace ingestd::client
