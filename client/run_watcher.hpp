#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

#include "client/control_client.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::client {

/// How WatchUntilFinished rides out dropped streams.
struct WatchOptions {
  /// Reconnections in a row without an event in between, before giving up.
  int max_reconnects = 5;
  /// Wait before the first reconnection; doubled each time up to the maximum.
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  /// Injected so tests do not sleep.
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// Follows the run's events (WatchRun) until RunFinished and stores the
/// finished run (with summary and error) in `final_run`.
///
/// Events reach `on_event` once each, in sequence order. When the stream
/// drops (UNAVAILABLE: a daemon restart, a proxy, the network) it
/// reconnects with `after_sequence` = the last sequence seen, after a
/// growing backoff, telling `on_notice` each time; a stream that closes
/// without RunFinished is checked with GetRun and resumed the same way.
/// Returns OK, or the error that ended the watch (the last one after the
/// reconnections ran out).
grpc::Status WatchUntilFinished(const ControlClient& client, const std::string& run_id,
                                const std::function<void(const v1::RunEvent&)>& on_event,
                                const std::function<void(std::string_view)>& on_notice,
                                v1::Run& final_run, const WatchOptions& options = {});

}  // namespace ingestd::client
