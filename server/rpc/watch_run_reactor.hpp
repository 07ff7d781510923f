#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/support/server_callback.h>

#include "ingestd/v1/control.pb.h"
#include "server/daemon/daemon_context.hpp"

namespace ingestd::rpc {

/// WatchRun's stream. Pull model, so that a reader that stops reading
/// cannot make the daemon buffer: at most one batch of events (kBatchSize)
/// is in memory; the next batch is read (RunManager::ReadEvents, on the
/// blocking pool) only when the previous one is written, and when there is
/// nothing new it waits with RunManager::NotifyWhenNewer. A stalled reader
/// therefore stalls its own stream only (HTTP/2 flow control holds the
/// write), never the run. Progress events within a batch are coalesced
/// (CoalesceProgress). The stream ends with OK after the RunFinished event.
///
/// Concurrency (STYLE.md section 3): the state shared with posted work and
/// run-manager callbacks lives in a shared_ptr with a mutex and the flags
/// write_in_flight, finish_called and cancelled; decisions are made under
/// the lock and StartWrite/Finish are called after unlocking; only whoever
/// sets write_in_flight calls StartWrite; after finish_called nothing
/// touches the reactor. The reactor deletes itself in OnDone.
class WatchRunReactor final : public grpc::ServerWriteReactor<ingestd::v1::RunEvent> {
 public:
  static constexpr std::size_t kBatchSize = 100;

  /// Creates the reactor and starts it: the run is looked up first
  /// (NOT_FOUND when unknown), then events after `after_sequence` stream.
  static WatchRunReactor* Start(const daemon::DaemonContext& ctx, std::string run_id, std::int64_t after_sequence);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  struct State;

 private:
  WatchRunReactor() = default;
  std::shared_ptr<State> state_;
};

}  // namespace ingestd::rpc
