#include "core/workers/normalize_worker_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "core/package/file_io.hpp"
#include "core/workers/worker_process.hpp"
#include "core/workers/worker_protocol.hpp"

namespace ingestd::workers {
namespace {

using Clock = std::chrono::steady_clock;

// How long a new worker may take to exec and say hello (the binary loads its
// shared libraries first; a loaded machine can take a while).
constexpr std::chrono::milliseconds kHelloTimeout{10'000};
// How often a waiting Next looks at its stop token.
constexpr int kPollMillis = 100;
constexpr std::chrono::milliseconds kCheckoutWait{kPollMillis};
// A worker that closed its socket gets this long to finish exiting before
// SIGKILL (it is normally already gone).
constexpr std::chrono::milliseconds kExitGrace{1'000};
// Pool shutdown: how long idle workers get to exit after end of file.
constexpr std::chrono::milliseconds kShutdownGrace{2'000};
// Descriptors handed to workers are kept at or above this number (see
// worker_process.cpp: a dup2 source must not be a target descriptor).
constexpr int kFirstHighFd = 16;

std::string MiB(std::uint64_t bytes) {
  const std::uint64_t mib = bytes >> 20;
  if (mib << 20 == bytes) return std::to_string(mib);
  return std::to_string(static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

// ---------------------------------------------------------------------------
// The pool's shared state. Sessions hold a shared_ptr to it: a session may
// return its workers after the pool handle is gone (they are then ended).

struct NormalizeWorkerPool::Impl {
  WorkerPoolOptions options;
  std::size_t size = 0;
  package::FileDescriptor liveness_read;   // given to every worker; CLOEXEC here
  package::FileDescriptor liveness_write;  // held only by this process, never written

  // Series (null when the caller gave no family).
  metrics::Gauge* busy_gauge = nullptr;
  metrics::Gauge* idle_gauge = nullptr;
  metrics::Counter* jobs_succeeded = nullptr;
  metrics::Counter* jobs_failed = nullptr;
  metrics::Counter* jobs_retried = nullptr;
  metrics::Histogram* job_duration = nullptr;
  metrics::Counter* restarts = nullptr;

  mutable std::mutex mu;
  std::condition_variable idle_available;
  std::vector<std::unique_ptr<WorkerProcess>> idle;  // guarded by mu
  std::vector<pid_t> pids;                           // guarded: every worker process in existence
  std::size_t reserved = 0;  // guarded: workers in existence plus spawns under way (at most size)
  std::size_t busy = 0;      // guarded: workers running a job
  bool shutting_down = false;

  Result<std::unique_ptr<WorkerProcess>> Spawn() const {
    return WorkerProcess::Spawn(options.command, liveness_read.get(), options.memory_limit_bytes, kHelloTimeout);
  }

  void UpdateGaugesLocked() const {
    if (busy_gauge) busy_gauge->Set(static_cast<double>(busy));
    if (idle_gauge) idle_gauge->Set(static_cast<double>(pids.size() - std::min(busy, pids.size())));
  }

  void AddBusy(int delta) {
    std::lock_guard lock(mu);
    busy = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(busy) + delta);
    UpdateGaugesLocked();
  }

  // Spawns a worker into a slot reserved by the caller (reserved already
  // counts it); on failure the reservation is released.
  Result<std::unique_ptr<WorkerProcess>> SpawnReserved() {
    auto spawned = Spawn();
    std::lock_guard lock(mu);
    if (!spawned.ok()) {
      --reserved;
      return spawned;
    }
    pids.push_back((*spawned)->pid());
    UpdateGaugesLocked();
    return spawned;
  }

  // Up to `want` idle workers for a session. With `must_get_one`, waits
  // until one is free (or can be started), unless `stop` is requested
  // (then returns none). An error only when no worker exists and none can
  // be started.
  Result<std::vector<std::unique_ptr<WorkerProcess>>> Checkout(std::size_t want, bool must_get_one,
                                                               const std::stop_token& stop) {
    std::vector<std::unique_ptr<WorkerProcess>> out;
    std::unique_lock lock(mu);
    while (true) {
      while (!idle.empty() && out.size() < want) {
        out.push_back(std::move(idle.back()));
        idle.pop_back();
      }
      if (!out.empty() || !must_get_one || stop.stop_requested()) return out;
      if (reserved < size && !shutting_down) {
        // A worker died and its replacement could not be started then: try now.
        ++reserved;
        lock.unlock();
        auto spawned = SpawnReserved();
        if (spawned.ok()) {
          out.push_back(std::move(spawned).value());
          return out;
        }
        lock.lock();
        if (reserved == 0) return std::move(spawned).error();
        continue;
      }
      idle_available.wait_for(lock, kCheckoutWait);
    }
  }

  // Takes back a healthy idle worker.
  void Return(std::unique_ptr<WorkerProcess> worker) {
    {
      std::lock_guard lock(mu);
      if (!shutting_down) {
        idle.push_back(std::move(worker));
        idle_available.notify_one();
        return;
      }
    }
    worker->CloseRequests();
    (void)worker->Reap(kExitGrace);
    Forget(*worker);
  }

  // Drops a reaped (or about to be destroyed) worker from the books.
  void Forget(const WorkerProcess& worker) {
    std::lock_guard lock(mu);
    pids.erase(std::remove(pids.begin(), pids.end(), worker.pid()), pids.end());
    --reserved;
    UpdateGaugesLocked();
  }

  // Ends `worker` (already dead, or killed here) and starts its
  // replacement, which the caller then owns; null when the pool is shutting
  // down or the replacement could not be started (a later Checkout tries
  // again). `count_restart`: the worker died on its own (not cancelled).
  std::unique_ptr<WorkerProcess> Replace(std::unique_ptr<WorkerProcess> worker, bool count_restart) {
    if (!worker->wait_status()) worker->Kill();
    {
      std::lock_guard lock(mu);
      pids.erase(std::remove(pids.begin(), pids.end(), worker->pid()), pids.end());
      UpdateGaugesLocked();
      if (shutting_down) {
        --reserved;
        return nullptr;
      }
      // The dead worker's reservation passes to its replacement.
    }
    worker.reset();
    if (count_restart && restarts) restarts->Increment();
    auto spawned = SpawnReserved();
    if (!spawned.ok()) return nullptr;
    return std::move(spawned).value();
  }

  void Shutdown() {
    std::vector<std::unique_ptr<WorkerProcess>> ending;
    {
      std::lock_guard lock(mu);
      shutting_down = true;
      ending = std::move(idle);
      idle.clear();
    }
    // End of file on the requests ends a worker normally; closing the
    // liveness pipe ends any worker still held by a session as well.
    for (auto& w : ending) w->CloseRequests();
    liveness_write.Reset();
    const auto deadline = Clock::now() + kShutdownGrace;
    for (auto& w : ending) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      (void)w->Reap(std::max(left, std::chrono::milliseconds(0)));
      Forget(*w);
    }
  }
};

// ---------------------------------------------------------------------------
// Session

struct NormalizeWorkerPool::Session::Impl {
  struct Job {
    NormalizeJob job;
    int failures = 0;           // worker deaths while running it
    std::string first_failure;  // how the first one ended
  };
  struct Slot {
    std::unique_ptr<WorkerProcess> worker;
    std::optional<Job> running;
    Clock::time_point sent_at;
    bool out_of_memory = false;  // the worker said so before exiting
  };

  std::shared_ptr<NormalizeWorkerPool::Impl> pool;
  std::deque<Job> queue;
  std::vector<Slot> slots;  // checked-out workers
  std::deque<NormalizeJobOutcome> finished;
  std::size_t pending = 0;

  ~Impl() { Abandon(); }

  std::size_t IdleSlots() const {
    return static_cast<std::size_t>(std::count_if(slots.begin(), slots.end(), [](const Slot& s) { return !s.running; }));
  }

  void ReturnIdleWorkers() {
    std::vector<Slot> kept;
    for (Slot& s : slots) {
      if (s.running) {
        kept.push_back(std::move(s));
      } else {
        pool->Return(std::move(s.worker));
      }
    }
    slots = std::move(kept);
  }

  // Kills the workers running this session's jobs (they would be busy for
  // nobody) and replaces them; returns the idle ones; forgets every job.
  void Abandon() {
    if (!pool) return;
    for (Slot& s : slots) {
      if (s.running) {
        pool->AddBusy(-1);
        auto replacement = pool->Replace(std::move(s.worker), /*count_restart=*/false);
        if (replacement) pool->Return(std::move(replacement));
      } else {
        pool->Return(std::move(s.worker));
      }
    }
    slots.clear();
    queue.clear();
    finished.clear();
    pending = 0;
  }

  void Finish(std::uint64_t id, Result<NormalizeJobResult> outcome) {
    if (outcome.ok()) {
      if (pool->jobs_succeeded) pool->jobs_succeeded->Increment();
    } else {
      if (pool->jobs_failed) pool->jobs_failed->Increment();
    }
    finished.push_back(NormalizeJobOutcome{id, std::move(outcome)});
  }

  Error DeathError(const Job& job, const std::string& cause, bool out_of_memory) const {
    const std::string& path = job.job.input_path;
    if (out_of_memory) {
      if (pool->options.memory_limit_bytes > 0) {
        return ResourceExhausted("normalizing " + path + ": exceeded the worker memory limit of " +
                                 MiB(pool->options.memory_limit_bytes) + " MiB (normalize.memory_limit_mb)");
      }
      return ResourceExhausted("normalizing " + path + ": the normalize worker ran out of memory");
    }
    std::string message = "normalize worker died (" + cause + ") while normalizing " + path;
    if (job.first_failure != cause) message += " (first attempt: " + job.first_failure + ")";
    message += "; the job was tried twice";
    return Internal(std::move(message));
  }

  // The worker of `slot` is gone (or broke the protocol): reap it, replace
  // it, and retry its job once or fail it.
  void HandleDeath(Slot& slot, std::string_view why) {
    Job job = std::move(*slot.running);
    slot.running.reset();
    pool->AddBusy(-1);
    const std::string how = slot.worker->Reap(kExitGrace);
    const int status = slot.worker->wait_status().value_or(0);
    const bool out_of_memory =
        slot.out_of_memory || (WIFEXITED(status) && WEXITSTATUS(status) == protocol::kExitOutOfMemory);
    slot.out_of_memory = false;
    std::string cause = out_of_memory ? "ran out of memory" : how;
    if (!why.empty()) cause += ", " + std::string(why);
    slot.worker = pool->Replace(std::move(slot.worker), /*count_restart=*/true);
    if (++job.failures == 1) {
      job.first_failure = cause;
      if (pool->jobs_retried) pool->jobs_retried->Increment();
      queue.push_front(std::move(job));
      return;
    }
    Finish(job.job.id, DeathError(job, cause, out_of_memory));
  }

  // Handles one reply frame of the busy `slot`.
  void HandleFrame(Slot& slot, const std::string& frame) {
    if (protocol::IsOutOfMemory(frame)) {
      slot.out_of_memory = true;  // the worker exits next; end of file follows
      return;
    }
    auto outcome = NormalizeJobOutcomeFromJson(frame);
    if (outcome.ok() && outcome->ok() && (*outcome)->id != slot.running->job.id) {
      outcome = Internal("reply for job " + std::to_string((*outcome)->id) + " while job " +
                         std::to_string(slot.running->job.id) + " was running");
    }
    if (!outcome.ok()) {
      // A worker that breaks the protocol cannot be trusted with more jobs.
      slot.worker->Kill();
      HandleDeath(slot, "it sent a malformed reply: " + outcome.error().message());
      return;
    }
    if (pool->job_duration) {
      pool->job_duration->Observe(std::chrono::duration<double>(Clock::now() - slot.sent_at).count());
    }
    const std::uint64_t id = slot.running->job.id;
    slot.running.reset();
    pool->AddBusy(-1);
    Finish(id, std::move(outcome).value());
  }

  // Gets workers for queued jobs: blocks for one when this session holds
  // none. An error when no worker can be started at all.
  Status AcquireWorkers(const std::stop_token& stop) {
    const std::size_t idle_slots = IdleSlots();
    if (queue.empty() || idle_slots >= queue.size()) return OkStatus();
    const bool must_get_one = slots.empty();
    INGESTD_ASSIGN_OR_RETURN(auto got, pool->Checkout(queue.size() - idle_slots, must_get_one, stop));
    for (auto& w : got) slots.push_back(Slot{std::move(w), std::nullopt, {}, false});
    return OkStatus();
  }

  void Dispatch() {
    for (Slot& s : slots) {
      if (queue.empty()) break;
      if (s.running || !s.worker) continue;
      s.running = std::move(queue.front());
      queue.pop_front();
      pool->AddBusy(1);
      s.sent_at = Clock::now();
      Status sent = s.worker->Send(NormalizeJobToJson(s.running->job));
      if (!sent.ok()) {
        // Died while idle: not the job's fault, so it keeps its attempts.
        Job job = std::move(*s.running);
        s.running.reset();
        pool->AddBusy(-1);
        (void)s.worker->Reap(kExitGrace);
        s.worker = pool->Replace(std::move(s.worker), /*count_restart=*/true);
        queue.push_front(std::move(job));
      }
    }
    // Slots whose replacement could not be started.
    std::erase_if(slots, [](const Slot& s) { return !s.worker; });
  }

  // Waits up to kPollMillis for replies from busy workers and handles them.
  // True when `wake_fd` (if >= 0) became readable instead.
  bool PollBusy(int wake_fd) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (!slots[i].running) continue;
      fds.push_back(pollfd{slots[i].worker->fd(), POLLIN, 0});
      index.push_back(i);
    }
    if (fds.empty()) return false;
    if (wake_fd >= 0) fds.push_back(pollfd{wake_fd, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), kPollMillis);
    if (ready <= 0) return false;  // timeout, or EINTR: the caller loops
    const bool woken = wake_fd >= 0 && fds.back().revents != 0;
    for (std::size_t k = 0; k < index.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Slot& slot = slots[index[k]];
      auto open = slot.worker->ReadAvailable();
      while (slot.running) {
        auto frame = slot.worker->NextFrame();
        if (!frame.ok()) {
          slot.worker->Kill();
          HandleDeath(slot, "it sent a malformed frame: " + frame.error().message());
          break;
        }
        if (!*frame) break;
        HandleFrame(slot, **frame);
      }
      if (slot.running && (!open.ok() || !*open)) HandleDeath(slot, "");
    }
    std::erase_if(slots, [](const Slot& s) { return !s.worker; });
    return woken;
  }
};

NormalizeWorkerPool::Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NormalizeWorkerPool::Session::~Session() = default;
NormalizeWorkerPool::Session::Session(Session&&) noexcept = default;
NormalizeWorkerPool::Session& NormalizeWorkerPool::Session::operator=(Session&&) noexcept = default;

void NormalizeWorkerPool::Session::Submit(NormalizeJob job) {
  INGESTD_CHECK(impl_ != nullptr);  // not a moved-from session
  impl_->queue.push_back(Impl::Job{std::move(job), 0, {}});
  ++impl_->pending;
}

std::size_t NormalizeWorkerPool::Session::pending() const { return impl_ ? impl_->pending : 0; }

Result<std::optional<NormalizeJobOutcome>> NormalizeWorkerPool::Session::Next(const std::stop_token& stop,
                                                                             int wake_fd) {
  INGESTD_CHECK(impl_ != nullptr);
  Impl& s = *impl_;
  using Outcome = std::optional<NormalizeJobOutcome>;
  while (true) {
    if (!s.finished.empty()) {
      NormalizeJobOutcome outcome = std::move(s.finished.front());
      s.finished.pop_front();
      --s.pending;
      // Idle workers go back now: the caller may take a while to merge.
      if (s.queue.empty()) s.ReturnIdleWorkers();
      return Outcome(std::move(outcome));
    }
    if (s.pending == 0) return Outcome();
    if (stop.stop_requested()) {
      s.Abandon();
      return Error(ErrorCode::kCancelled, "normalize cancelled");
    }
    Status acquired = s.AcquireWorkers(stop);
    if (!acquired.ok()) {
      // No worker can run: the job at the front fails with the reason.
      Impl::Job job = std::move(s.queue.front());
      s.queue.pop_front();
      s.Finish(job.job.id, std::move(acquired).error().WithContext("normalizing " + job.job.input_path));
      continue;
    }
    s.Dispatch();
    if (s.queue.empty()) s.ReturnIdleWorkers();
    if (s.PollBusy(wake_fd) && s.finished.empty()) return Outcome();
  }
}

// ---------------------------------------------------------------------------
// Pool

NormalizeWorkerPool::NormalizeWorkerPool(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

NormalizeWorkerPool::~NormalizeWorkerPool() {
  if (impl_) impl_->Shutdown();
}

Result<std::unique_ptr<NormalizeWorkerPool>> NormalizeWorkerPool::Create(WorkerPoolOptions options) {
  if (options.command.empty()) return InvalidArgument("normalize worker pool: the worker command is empty");
  auto impl = std::make_shared<Impl>();
  impl->size = options.size > 0 ? options.size : std::max(1u, std::thread::hardware_concurrency());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Internal(std::string("normalize worker pool: pipe2: ") + std::strerror(errno));
  }
  package::FileDescriptor read_low(pipe_fds[0]);
  impl->liveness_write = package::FileDescriptor(pipe_fds[1]);
  impl->liveness_read = package::FileDescriptor(::fcntl(read_low.get(), F_DUPFD_CLOEXEC, kFirstHighFd));
  if (!impl->liveness_read.valid()) {
    return Internal(std::string("normalize worker pool: fcntl: ") + std::strerror(errno));
  }
  const WorkerPoolMetrics& m = options.metrics;
  if (m.workers) {
    impl->busy_gauge = &m.workers->WithLabels({"busy"});
    impl->idle_gauge = &m.workers->WithLabels({"idle"});
  }
  if (m.jobs) {
    impl->jobs_succeeded = &m.jobs->WithLabels({"succeeded"});
    impl->jobs_failed = &m.jobs->WithLabels({"failed"});
    impl->jobs_retried = &m.jobs->WithLabels({"retried"});
  }
  if (m.job_duration) impl->job_duration = &m.job_duration->WithLabels({});
  if (m.restarts) impl->restarts = &m.restarts->WithLabels({});
  impl->options = std::move(options);

  // The constructor is private, which make_unique cannot reach; owned at once.
  auto pool = std::unique_ptr<NormalizeWorkerPool>(new NormalizeWorkerPool(impl));
  for (std::size_t i = 0; i < impl->size; ++i) {
    {
      std::lock_guard lock(impl->mu);
      ++impl->reserved;
    }
    INGESTD_ASSIGN_OR_RETURN(auto worker, impl->SpawnReserved());
    impl->Return(std::move(worker));
  }
  return pool;
}

std::size_t NormalizeWorkerPool::size() const { return impl_->size; }

std::vector<pid_t> NormalizeWorkerPool::worker_pids() const {
  std::lock_guard lock(impl_->mu);
  return impl_->pids;
}

NormalizeWorkerPool::Session NormalizeWorkerPool::OpenSession() {
  auto session = std::make_unique<Session::Impl>();
  session->pool = impl_;
  return Session(std::move(session));
}

}  // namespace ingestd::workers
