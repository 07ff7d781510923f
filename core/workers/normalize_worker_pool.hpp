#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/metrics/registry.hpp"
#include "core/workers/normalize_job.hpp"

namespace ingestd::workers {

/// A finished job: its id (NormalizeJob::id) and its result or error.
struct NormalizeJobOutcome {
  std::uint64_t id = 0;
  Result<NormalizeJobResult> result;
};

/// The pool's metric families (registered by the caller, e.g. the daemon;
/// each may be null). docs/metrics.md lists them.
struct WorkerPoolMetrics {
  /// ingestd_normalize_workers{state="busy"|"idle"}.
  metrics::Family<metrics::Gauge>* workers = nullptr;
  /// ingestd_normalize_jobs_total{outcome="succeeded"|"failed"|"retried"}.
  metrics::Family<metrics::Counter>* jobs = nullptr;
  /// ingestd_normalize_job_duration_seconds (no labels): one job, sent to
  /// answered.
  metrics::Family<metrics::Histogram>* job_duration = nullptr;
  /// ingestd_normalize_worker_restarts_total (no labels): workers replaced
  /// after they died (crash, memory limit, killed by someone else); workers
  /// the pool itself kills to abandon a cancelled job are not counted.
  metrics::Family<metrics::Counter>* restarts = nullptr;
};

struct WorkerPoolOptions {
  /// argv of one worker process; argv[0] is the executable (e.g.
  /// {"/proc/self/exe" resolved, "normalize-worker"}). The pool appends
  /// `--request-fd 3 --reply-fd 4 --liveness-fd 5` and, with a memory limit,
  /// `--memory-limit-bytes N`; the worker runs RunNormalizeWorker on them.
  std::vector<std::string> command;
  /// Worker processes; 0 means std::thread::hardware_concurrency().
  std::size_t size = 0;
  /// Address-space limit per worker (setrlimit RLIMIT_AS) in bytes; 0: none.
  /// A job that exceeds it fails with an error naming the limit and the
  /// input file; the worker is replaced.
  std::uint64_t memory_limit_bytes = 0;
  WorkerPoolMetrics metrics;
};

/// A pool of long-lived normalize worker processes, started once and shared
/// by every run of the process (the daemon's runs, or `ingestd run`).
///
/// Isolation: a worker that crashes, is killed or exceeds its memory limit
/// fails only its job; that job is retried once in a fresh worker, and a
/// second failure is the job's error ("normalize worker died (killed by
/// signal 9) while normalizing <input file>"). Dead workers are replaced.
/// Workers exit when the pool is destroyed and when this process dies (they
/// watch a pipe whose write end only this process holds), so no orphans.
///
/// Thread-safe: several runs may use the pool at once; each Session takes
/// workers while it has jobs and gives them back as it finishes, so
/// concurrent runs share the workers. No threads are started: a Session is
/// driven by the thread that calls Next().
class NormalizeWorkerPool {
 public:
  /// Starts `size` workers and waits until each has said hello. Fails with
  /// a clear error when the command cannot be started.
  static Result<std::unique_ptr<NormalizeWorkerPool>> Create(WorkerPoolOptions options);
  ~NormalizeWorkerPool();
  NormalizeWorkerPool(const NormalizeWorkerPool&) = delete;
  NormalizeWorkerPool& operator=(const NormalizeWorkerPool&) = delete;

  std::size_t size() const;
  /// Process ids of the live workers (tests kill them).
  std::vector<pid_t> worker_pids() const;

  /// Jobs of one run. Submit never blocks; Next waits for any job to finish.
  class Session {
   public:
    ~Session();  // abandons unfinished jobs: their workers are replaced
    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;

    /// Queues a job; it starts as soon as a worker is free.
    void Submit(NormalizeJob job);
    /// Jobs submitted and not yet returned by Next.
    std::size_t pending() const;
    /// Waits for the next finished job (in completion order) and returns
    /// its id and outcome; nullopt when nothing is pending, or, with
    /// `wake_fd` >= 0, as soon as that descriptor is readable (the caller
    /// has new jobs to submit; pending() tells the cases apart). Outer
    /// error: `stop` was requested (kCancelled; unfinished jobs are
    /// abandoned).
    Result<std::optional<NormalizeJobOutcome>> Next(const std::stop_token& stop = {}, int wake_fd = -1);

   private:
    friend class NormalizeWorkerPool;
    struct Impl;
    explicit Session(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  Session OpenSession();

 private:
  struct Impl;
  explicit NormalizeWorkerPool(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

/// The body of a worker process: answers jobs read from `request_fd` on
/// `reply_fd` until EOF, and exits (returns) when `liveness_fd` reports EOF
/// (its parent is gone). Sets RLIMIT_AS to `memory_limit_bytes` (0: none).
/// Returns the process exit code.
int RunNormalizeWorker(int request_fd, int reply_fd, int liveness_fd, std::uint64_t memory_limit_bytes);

}  // namespace ingestd::workers
