#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"
#include "core/workers/normalize_worker_pool.hpp"
#include "server/metrics/daemon_metrics.hpp"

namespace ingestd::runs {

struct RunManagerOptions {
  /// The data directory (pipelines' files, push staging under `push/`).
  std::string data_dir;
  /// This daemon instance (catalog run owner).
  std::string owner;
  /// Runs executing at once, over all pipelines.
  std::size_t max_concurrent_runs = 2;
  /// StartRun beyond this many queued runs is RESOURCE_EXHAUSTED.
  std::size_t max_queued_runs = 100;
  /// Progress events at most this often per run.
  double progress_interval_seconds = 1.0;
  /// Unix seconds now (injected for tests); default the system clock.
  std::function<double()> now;
  /// Normalize worker processes shared by the runs (outlives the manager);
  /// null: runs normalize in this process.
  workers::NormalizeWorkerPool* normalize_pool = nullptr;
};

struct StartRunRequest {
  std::string pipeline;
  /// Empty: none.
  std::string idempotency_key;
  /// 0: the spec's schedule.timeout_seconds, or no deadline.
  double timeout_seconds = 0;
  /// A run of the pipeline already active: queue behind it (true) or
  /// refuse with kFailedPrecondition naming it (false).
  bool queue_if_active = false;
  catalog::RunTrigger trigger = catalog::RunTrigger::kManual;
  /// Token name, or "scheduler".
  std::string requested_by;
  /// Push runs: the resource and the staged JSON Lines file (the run
  /// deletes it when it ends).
  std::string push_resource;
  std::string push_file;
};

/// Owns the execution of runs: the queue, the global concurrency limit, at
/// most one active run per pipeline, deadlines, cancellation, events
/// (stored in the catalog and announced to watchers), metrics, and
/// recovery at start-up.
///
/// Threads: methods marked blocking do catalog I/O and must be called from
/// the blocking pool (never from a gRPC or io_context thread). Runs execute
/// on the blocking pool; deadlines use timers on the io_context.
class RunManager {
 public:
  /// `metrics` may be null. Everything referenced must outlive the manager.
  RunManager(catalog::Catalog& catalog, boost::asio::io_context& io, boost::asio::thread_pool& blocking,
             const server_metrics::DaemonMetrics* metrics, RunManagerOptions options);
  ~RunManager();
  RunManager(const RunManager&) = delete;
  RunManager& operator=(const RunManager&) = delete;

  /// Creates a run (or returns the one with the same idempotency key) and
  /// starts it when a slot is free, else queues it. kNotFound for an
  /// unknown pipeline, kFailedPrecondition when paused or (without
  /// queue_if_active) when a run is active, kResourceExhausted when the
  /// queue is full, kUnavailable while shutting down. Blocking.
  Result<catalog::Catalog::CreateRunResult> Start(const StartRunRequest& request);

  /// Requests a stop: a queued run is cancelled at once, a running one at
  /// its next safe point. A finished run is returned unchanged. Blocking.
  Result<catalog::RunRecord> Cancel(std::string_view run_id);

  /// Runs `action` while no run of `pipeline` is queued or running, and
  /// none can start until it returns (Start waits): DeletePipeline and
  /// ResetState must not race a scheduled run starting between their check
  /// and their change. kFailedPrecondition naming the active run otherwise.
  /// Blocking (as long as `action`).
  Status WithNoActiveRun(std::string_view pipeline, const std::function<Status()>& action);

  /// Events of the run with sequence > after_sequence, at most `limit`, in
  /// order (recent events of active runs come from memory). Blocking.
  Result<std::vector<catalog::StoredEvent>> ReadEvents(std::string_view run_id, std::int64_t after_sequence,
                                                       std::size_t limit);

  /// Calls `callback` exactly once, from a blocking-pool thread, as soon as
  /// the run has an event with a sequence above `after_sequence`, or is
  /// finished (its last event is RunFinished), or the manager shuts down.
  /// At once (posted) when that is already true or the run is unknown.
  void NotifyWhenNewer(std::string_view run_id, std::int64_t after_sequence, std::function<void()> callback);

  /// Calls `callback` exactly once, from a blocking-pool thread, with the
  /// run's final record when it is finished (or an error at shutdown).
  void NotifyWhenFinished(std::string_view run_id, std::function<void(Result<catalog::RunRecord>)> callback);

  /// Start-up, before serving: runs a previous process left running are
  /// failed (UNAVAILABLE: "the daemon stopped while it ran"), queued runs
  /// are queued again, and every pipeline with pending packages and no
  /// queued run gets a resume run. Blocking.
  Status Recover();

  /// Stops taking work (Start becomes kUnavailable), cancels queued runs'
  /// start (they stay queued in the catalog for the next start) and asks
  /// running runs to stop at their next safe point. Not blocking.
  void BeginShutdown();
  /// Waits until no run executes, at most `timeout_seconds`; true when idle.
  bool WaitIdle(double timeout_seconds);

  std::size_t running_count() const;
  std::size_t queued_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingestd::runs
