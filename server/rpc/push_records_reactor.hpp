#pragma once

#include <memory>
#include <string>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "ingestd/v1/control.pb.h"
#include "server/daemon/daemon_context.hpp"

namespace ingestd::rpc {

/// PushRecords' stream: stages the records in `<data_dir>/push/` as JSON
/// Lines (one line per record, checked with PushedRecordLine) and, when the
/// client closes its side, starts a push run (RunManager::Start, trigger
/// push, queued behind an active run) and answers when it finished.
///
/// Back-pressure: each message is written on the blocking pool and the
/// next one is read only after that (StartRead follows the write), so the
/// client's stream is held by gRPC flow control and memory does not grow
/// with the stream. A bad record finishes the call at once
/// (INVALID_ARGUMENT naming it) and the staged file is deleted, as it is on
/// cancellation or any failure before the run started. An idempotency key
/// that returns an existing run deletes the staged file and answers with
/// that run once it is finished.
///
/// Concurrency as WatchRunReactor: shared state under a mutex; the flags
/// read_in_flight and step_running (work on the pool) keep the reactor
/// alive, and Finish happens once, never while either is set.
class PushRecordsReactor final : public grpc::ServerReadReactor<ingestd::v1::PushRecordsRequest> {
 public:
  /// Starts reading; `requested_by` is the authenticated principal's name.
  static PushRecordsReactor* Start(const daemon::DaemonContext& ctx, grpc::CallbackServerContext* context,
                                   std::string requested_by, ingestd::v1::PushRecordsResponse* response);

  void OnReadDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  struct State;

 private:
  explicit PushRecordsReactor(grpc::CallbackServerContext* context) : context_(context) {}
  /// Valid until OnDone.
  grpc::CallbackServerContext* context_;
  std::shared_ptr<State> state_;
};

}  // namespace ingestd::rpc
