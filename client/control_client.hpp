#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "core/common/result.hpp"
#include "ingestd/v1/control.grpc.pb.h"

namespace ingestd::client {

/// Where and how to reach the daemon.
struct ConnectionOptions {
  /// "host:port" or any gRPC target ("unix:/run/ingestd.sock").
  std::string address = "127.0.0.1:50051";
  /// Sent as `authorization: Bearer <token>` on every call; empty: none.
  std::string token;
  /// TLS instead of plaintext. Implied by any of the files below.
  bool tls = false;
  /// PEM file of the CA(s) to trust; empty: the system's roots.
  std::string tls_ca_file;
  /// PEM files of a client certificate and its key (both or neither).
  std::string tls_cert_file;
  std::string tls_key_file;
  /// Deadline of each unary call; zero: none. Streams (WatchRun,
  /// PushRecords) never get one: they last as long as the run.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

/// The Control API over one channel, with the caller's credentials.
///
/// Every call goes through a ClientContext that Prepare() filled: the bearer
/// token as metadata (an insecure channel cannot carry gRPC call
/// credentials, so the metadata is added by hand, which works on both) and,
/// for unary calls, the deadline. Thread-compatible, like the stub.
class ControlClient {
 public:
  enum class CallKind { kUnary, kStream };

  /// Creates the channel (connecting lazily, on the first call). Reads the
  /// TLS files now, so a missing one is an error here (kInvalidArgument
  /// naming the file) rather than a confusing handshake failure later.
  static Result<std::unique_ptr<ControlClient>> Connect(const ConnectionOptions& options);

  /// Over a given stub (tests: an in-process server's channel).
  ControlClient(std::unique_ptr<v1::Control::StubInterface> stub, std::string token,
                std::chrono::milliseconds timeout);

  /// Adds the authorization metadata, and the deadline for unary calls.
  void Prepare(grpc::ClientContext& context, CallKind kind) const;

  /// One unary call with a prepared context:
  /// `client.Call(&v1::Control::StubInterface::GetRun, request, run)`.
  template <class Request, class Response>
  grpc::Status Call(grpc::Status (v1::Control::StubInterface::*method)(grpc::ClientContext*,
                                                                          const Request&, Response*),
                    const Request& request, Response& response) const {
    grpc::ClientContext context;
    Prepare(context, CallKind::kUnary);
    return (stub_.get()->*method)(&context, request, &response);
  }

  /// For the streaming calls (prepare their context with kStream).
  v1::Control::StubInterface& stub() const { return *stub_; }

 private:
  std::unique_ptr<v1::Control::StubInterface> stub_;
  std::string authorization_;  // "Bearer <token>", or empty
  std::chrono::milliseconds timeout_;
};

}  // namespace ingestd::client
