#include "server/runs/run_manager.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <stop_token>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/common/log.hpp"
#include "core/pipeline/contract_overrides.hpp"
#include "core/pipeline/pipeline_admin.hpp"
#include "core/pipeline/pipeline_runner.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/schema/schema_json.hpp"
#include "server/rpc/status_mapping.hpp"
#include "server/runs/contract_history.hpp"
#include "server/runs/run_proto.hpp"

namespace ingestd::runs {
namespace {

namespace asio = boost::asio;
namespace v1 = ingestd::v1;

// Recent events of an active run kept in memory for watchers; older ones
// are read from the catalog.
constexpr std::size_t kRecentEvents = 2000;

double SystemNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double Monotonic() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string NewRunId() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard lock(mu);
  char buf[32];
  std::snprintf(buf, sizeof buf, "run-%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

std::uint64_t RandomSeed() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}());
  std::lock_guard lock(mu);
  return rng();
}

// The oneof field name of an event: the catalog's `kind` column.
std::string EventKind(const v1::RunEvent& event) {
  const auto* descriptor = event.GetDescriptor();
  const auto* oneof = descriptor->FindOneofByName("event");
  const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field != nullptr ? field->name() : "unknown";
}

}  // namespace

struct RunManager::Impl {
  struct ActiveRun {
    catalog::RunRecord record;
    std::stop_source stop;
    bool running = false;
    bool deadline_exceeded = false;
    std::deque<catalog::StoredEvent> recent;
    std::int64_t last_sequence = 0;
    std::vector<std::pair<std::int64_t, std::function<void()>>> newer_waiters;
    std::vector<std::function<void(Result<catalog::RunRecord>)>> finish_waiters;
    std::unique_ptr<asio::steady_timer> deadline_timer;
    // Progress throttling and stage timing, touched by the run's event
    // callback only (the runner calls it one event at a time). Per stage:
    // stages overlap, and each one's progress is throttled and its rate
    // computed on its own.
    struct StageProgress {
      double at = 0;
      std::uint64_t rows = 0;
    };
    std::map<std::string, StageProgress> last_progress;
    std::map<std::string, double> stage_started_at;
  };

  Impl(catalog::Catalog& c, asio::io_context& i, asio::thread_pool& b, const server_metrics::DaemonMetrics* m,
       RunManagerOptions o)
      : catalog(c), io(i), blocking(b), metrics(m), options(std::move(o)) {
    if (!options.now) options.now = SystemNow;
  }

  catalog::Catalog& catalog;
  asio::io_context& io;
  asio::thread_pool& blocking;
  const server_metrics::DaemonMetrics* metrics;
  RunManagerOptions options;

  // Serializes Start() (the idempotency and one-active-run checks span a
  // catalog write) without holding `mu` during catalog I/O.
  std::mutex start_mu;
  mutable std::mutex mu;
  std::condition_variable idle_cv;
  bool shutting_down = false;
  std::map<std::string, std::shared_ptr<ActiveRun>, std::less<>> active;  // queued or running
  std::deque<std::string> queue;                                          // queued run ids, FIFO
  std::map<std::string, std::string, std::less<>> running_by_pipeline;
  std::size_t running = 0;

  double Now() const { return options.now(); }

  void UpdateGauges() {
    if (metrics == nullptr) return;
    metrics->active_runs->WithLabels({}).Set(static_cast<double>(running));
    metrics->queued_runs->WithLabels({}).Set(static_cast<double>(queue.size()));
  }

  std::shared_ptr<ActiveRun> Find(std::string_view run_id) const {
    std::lock_guard lock(mu);
    auto it = active.find(run_id);
    return it == active.end() ? nullptr : it->second;
  }

  // Stores an event and wakes watchers. Any thread.
  void Emit(const std::shared_ptr<ActiveRun>& run, v1::RunEvent event) {
    const double now = Now();
    const std::string kind = EventKind(event);
    const std::string payload = MessageToJson(event);
    auto seq = catalog.AppendEvent(run->record.run_id, now, kind, payload);
    if (!seq.ok()) {
      log::Warn("run event not stored", {{"run", run->record.run_id}, {"error", seq.error().ToString()}});
      return;
    }
    std::vector<std::function<void()>> wake;
    {
      std::lock_guard lock(mu);
      run->last_sequence = *seq;
      run->recent.push_back({run->record.run_id, *seq, now, kind, payload});
      if (run->recent.size() > kRecentEvents) run->recent.pop_front();
      auto& waiters = run->newer_waiters;
      for (auto it = waiters.begin(); it != waiters.end();) {
        if (*seq > it->first) {
          wake.push_back(std::move(it->second));
          it = waiters.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& w : wake) asio::post(blocking, std::move(w));
  }

  void ArmDeadline(const std::shared_ptr<ActiveRun>& run) {
    if (run->record.deadline_at <= 0) return;
    run->deadline_timer = std::make_unique<asio::steady_timer>(io);
    const double wait = std::max(0.0, run->record.deadline_at - Now());
    run->deadline_timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(wait)));
    std::weak_ptr<ActiveRun> weak = run;
    run->deadline_timer->async_wait([this, weak](const boost::system::error_code& ec) {
      if (ec) return;
      auto r = weak.lock();
      if (!r) return;
      asio::post(blocking, [this, r] { OnDeadline(r); });
    });
  }

  void OnDeadline(const std::shared_ptr<ActiveRun>& run) {
    bool was_queued = false;
    {
      std::lock_guard lock(mu);
      if (active.find(run->record.run_id) == active.end()) return;
      run->deadline_exceeded = true;
      if (!run->running) {
        was_queued = true;
        std::erase(queue, run->record.run_id);
        UpdateGauges();
      }
    }
    if (was_queued) {
      Complete(run, catalog::RunStatus::kFailed, "DEADLINE_EXCEEDED",
               "the run did not finish within its timeout (it was still queued)", "");
    } else {
      log::Info("run deadline exceeded, stopping it", {{"run", run->record.run_id}});
      run->stop.request_stop();
    }
  }

  // Starts queued runs while slots are free. Call with `mu` held.
  void DispatchLocked() {
    if (shutting_down) return;
    for (auto it = queue.begin(); it != queue.end() && running < options.max_concurrent_runs;) {
      auto run_it = active.find(*it);
      if (run_it == active.end()) {
        it = queue.erase(it);
        continue;
      }
      const std::shared_ptr<ActiveRun>& run = run_it->second;
      if (running_by_pipeline.count(run->record.pipeline) > 0) {
        ++it;
        continue;
      }
      run->running = true;
      ++running;
      running_by_pipeline[run->record.pipeline] = run->record.run_id;
      it = queue.erase(it);
      asio::post(blocking, [this, run] { Execute(run); });
    }
    UpdateGauges();
  }

  void Dispatch() {
    std::lock_guard lock(mu);
    DispatchLocked();
  }

  void Execute(const std::shared_ptr<ActiveRun>& run) {
    try {
      ExecuteUnguarded(run);
    } catch (const std::exception& e) {
      log::Error("run crashed with an exception", {{"run", run->record.run_id}, {"error", e.what()}});
      Complete(run, catalog::RunStatus::kFailed, "INTERNAL", std::string("internal error: ") + e.what(), "");
    }
  }

  void ExecuteUnguarded(const std::shared_ptr<ActiveRun>& run) {
    const std::string& run_id = run->record.run_id;
    auto claimed = catalog.ClaimRun(run_id, options.owner, Now());
    if (!claimed.ok() || !*claimed) {
      // Cancelled meanwhile, or another daemon on a shared catalog took it.
      Release(run);
      return;
    }
    run->record.status = catalog::RunStatus::kRunning;
    {
      v1::RunEvent e;
      e.mutable_started()->set_owner(options.owner);
      Emit(run, std::move(e));
    }
    const double started = Monotonic();
    Result<pipeline::RunSummary> result = RunOnce(run);
    const double duration = Monotonic() - started;
    Finish(run, std::move(result), duration);
  }

  Result<pipeline::RunSummary> RunOnce(const std::shared_ptr<ActiveRun>& run) {
    INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord record, catalog.GetPipeline(run->record.pipeline));
    INGESTD_ASSIGN_OR_RETURN(pipeline::PipelineSpec spec, pipeline::ParsePipelineSpec(record.spec_json));
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::ContractChange> history,
                             catalog.ListContractChanges(run->record.pipeline));
    INGESTD_ASSIGN_OR_RETURN(pipeline::ContractOverrides overrides, ContractOverridesFromHistory(history));
    // AlterContract checked the table when the override was set; a spec
    // applied later may have dropped it. Such an override is ignored (with
    // a log line) rather than failing every run until it is cleared.
    for (auto it = overrides.tables.begin(); it != overrides.tables.end();) {
      const bool known = std::any_of(spec.resources.begin(), spec.resources.end(),
                                     [&](const pipeline::ResourceSpec& r) { return r.table_name == it->first; });
      if (known) {
        ++it;
        continue;
      }
      log::Warn("contract override for a table the spec no longer has is ignored",
                {{"pipeline", spec.name}, {"table", it->first}});
      it = overrides.tables.erase(it);
    }
    INGESTD_TRY(pipeline::ApplyContractOverrides(spec, overrides, !history.empty()));

    pipeline::RunOptions ro;
    ro.data_dir = options.data_dir;
    ro.now = Now();
    ro.clock = Monotonic;
    ro.row_id_seed = RandomSeed();
    ro.random_seed = RandomSeed();
    ro.stop = run->stop.get_token();
    ro.http_metrics = metrics != nullptr ? &metrics->http : nullptr;
    ro.normalize_pool = options.normalize_pool;
    ro.on_event = [this, run](const pipeline::RunEvent& event) { OnRunEvent(run, event); };
    // Crash-test hook, as `ingestd run` has: INGESTD_CRASH_AT=<checkpoint>
    // kills the daemon at that point of a run (tests of restart recovery).
    if (const char* crash = std::getenv("INGESTD_CRASH_AT"); crash != nullptr && *crash != '\0') {
      ro.checkpoint = [point = std::string(crash)](std::string_view at) {
        if (at == point) ::kill(::getpid(), SIGKILL);
      };
    }
    if (!run->record.push_file.empty()) {
      ro.push = pipeline::RunOptions::PushInput{PushResourceOf(run->record), run->record.push_file};
    }
    return pipeline::RunPipeline(spec, ro);
  }

  // The catalog keeps only the staged file's path; the resource name of a
  // push run lives in memory (a restart fails queued push runs).
  std::string PushResourceOf(const catalog::RunRecord& record) {
    std::lock_guard lock(mu);
    auto it = push_resources.find(record.run_id);
    return it == push_resources.end() ? std::string() : it->second;
  }
  std::map<std::string, std::string, std::less<>> push_resources;

  void OnRunEvent(const std::shared_ptr<ActiveRun>& run, const pipeline::RunEvent& event) {
    using Kind = pipeline::RunEvent::Kind;
    v1::RunEvent out;
    const std::string& pipeline_name = run->record.pipeline;
    switch (event.kind) {
      case Kind::kStageStarted:
        run->stage_started_at[event.stage] = Monotonic();
        run->last_progress.erase(event.stage);
        out.mutable_stage_started()->set_stage(event.stage);
        break;
      case Kind::kStageFinished: {
        auto* f = out.mutable_stage_finished();
        f->set_stage(event.stage);
        f->set_message(event.message);
        auto it = run->stage_started_at.find(event.stage);
        if (it != run->stage_started_at.end()) {
          const double seconds = Monotonic() - it->second;
          f->set_seconds(seconds);
          if (metrics != nullptr) metrics->stage_duration->WithLabels({pipeline_name, event.stage}).Observe(seconds);
        }
        break;
      }
      case Kind::kProgress: {
        const double now = Monotonic();
        ActiveRun::StageProgress& last = run->last_progress[event.stage];
        if (last.at > 0 && now - last.at < options.progress_interval_seconds) return;
        auto* p = out.mutable_progress();
        p->set_stage(event.stage);
        p->set_rows(event.rows);
        p->set_bytes(event.bytes);
        if (last.at > 0 && now > last.at && event.rows >= last.rows) {
          p->set_rows_per_second(static_cast<double>(event.rows - last.rows) / (now - last.at));
        }
        last.at = now;
        last.rows = event.rows;
        break;
      }
      case Kind::kSchemaChanged: {
        auto* s = out.mutable_schema_changed();
        s->set_version(event.schema_version);
        for (const auto& t : event.new_tables) s->add_new_tables(t);
        for (const auto& c : event.new_columns) s->add_new_columns(c);
        break;
      }
      case Kind::kContractViolation: {
        auto* v = out.mutable_contract_violation();
        v->set_table(event.table);
        v->set_column(event.column);
        v->set_entity(event.entity);
        v->set_mode(event.mode);
        v->set_message(event.message);
        break;
      }
      case Kind::kHttpRetry:
      case Kind::kHttpGaveUp: {
        auto* h = out.mutable_http_retry();
        h->set_resource(event.resource);
        h->set_url(event.url);
        h->set_host(event.host);
        h->set_attempt(event.attempt);
        h->set_http_status(event.http_status);
        h->set_delay_seconds(event.delay_seconds);
        h->set_gave_up(event.kind == Kind::kHttpGaveUp);
        h->set_message(event.message);
        break;
      }
      case Kind::kHttpRateLimited: {
        auto* h = out.mutable_http_rate_limited();
        h->set_host(event.host);
        h->set_delay_seconds(event.delay_seconds);
        break;
      }
      case Kind::kResourceFinished:
      case Kind::kPaginatorDetected:
      case Kind::kResponseIgnored:
      case Kind::kPackageResumed: {
        auto* n = out.mutable_notice();
        n->set_kind(std::string(pipeline::RunEventKindName(event.kind)));
        n->set_resource(event.resource);
        n->set_message(event.message);
        break;
      }
    }
    Emit(run, std::move(out));
  }

  void RecordMetrics(const catalog::RunRecord& run, const pipeline::RunSummary* summary, double duration,
                     std::string_view outcome) {
    if (metrics == nullptr) return;
    const std::string& p = run.pipeline;
    metrics->runs->WithLabels({p, std::string(outcome)}).Increment();
    metrics->run_duration->WithLabels({p}).Observe(duration);
    if (summary == nullptr) return;
    for (const pipeline::PackageSummary& pkg : summary->packages) {
      metrics->extracted_items->WithLabels({p}).Increment(static_cast<double>(pkg.items_extracted));
      metrics->extracted_bytes->WithLabels({p}).Increment(static_cast<double>(pkg.bytes_extracted));
      for (const auto& [table, rows] : pkg.rows_per_table) {
        metrics->normalized_rows->WithLabels({p, table}).Increment(static_cast<double>(rows));
        if (!pkg.already_loaded) metrics->loaded_rows->WithLabels({p, table}).Increment(static_cast<double>(rows));
      }
      if (!pkg.new_tables.empty() || !pkg.new_columns.empty()) metrics->schema_changes->WithLabels({p}).Increment();
      std::uint64_t detailed = 0;
      for (const auto& v : pkg.violations) {
        metrics->contract_violations
            ->WithLabels({p, std::string(schema::ContractEntityName(v.entity)), std::string(schema::ContractModeName(v.mode))})
            .Increment();
        ++detailed;
      }
      if (pkg.violation_total > detailed) {
        metrics->contract_violations->WithLabels({p, "other", "other"})
            .Increment(static_cast<double>(pkg.violation_total - detailed));
      }
    }
  }

  void RecordSchemaVersion(const catalog::RunRecord& run) {
    auto json = pipeline::ReadLocalSchemaJson(options.data_dir, run.pipeline);
    if (!json.ok() || !json->has_value()) return;
    auto parsed = schema::SchemaFromJson(**json);
    if (!parsed.ok()) return;
    catalog::SchemaVersionRecord record;
    record.pipeline = run.pipeline;
    record.version = parsed->version();
    record.version_hash = parsed->version_hash();
    record.schema_json = **json;
    record.created_at = Now();
    record.run_id = run.run_id;
    Status s = catalog.PutSchemaVersion(record);
    if (!s.ok()) log::Warn("schema version not recorded", {{"pipeline", run.pipeline}, {"error", s.error().ToString()}});
  }

  void UpdatePending(std::string_view pipeline_name) {
    if (metrics == nullptr) return;
    auto pending = pipeline::CountPendingPackages(options.data_dir, pipeline_name);
    if (pending.ok()) {
      metrics->pending_packages->WithLabels({std::string(pipeline_name)}).Set(static_cast<double>(*pending));
    }
  }

  void Finish(const std::shared_ptr<ActiveRun>& run, Result<pipeline::RunSummary> result, double duration) {
    catalog::RunStatus status = catalog::RunStatus::kSucceeded;
    std::string code;
    std::string message;
    std::string summary_json;
    if (result.ok()) {
      summary_json = MessageToJson(SummaryToProto(*result, duration));
      RecordSchemaVersion(run->record);
    } else {
      const Error& error = result.error();
      bool deadline = false;
      bool shutdown = false;
      {
        std::lock_guard lock(mu);
        deadline = run->deadline_exceeded;
        shutdown = shutting_down;
      }
      if (error.code() == ErrorCode::kCancelled && deadline) {
        status = catalog::RunStatus::kFailed;
        code = "DEADLINE_EXCEEDED";
        message = "the run did not finish within its timeout and was stopped at a safe point (" + error.message() +
                  "); a pending package is resumed by the next run";
      } else if (error.code() == ErrorCode::kCancelled && shutdown) {
        status = catalog::RunStatus::kFailed;
        code = "UNAVAILABLE";
        message = "the daemon shut down during the run (" + error.message() +
                  "); a pending package is resumed when it starts again";
      } else if (error.code() == ErrorCode::kCancelled) {
        status = catalog::RunStatus::kCancelled;
        code = "CANCELLED";
        message = error.message();
      } else {
        status = catalog::RunStatus::kFailed;
        code = std::string(rpc::CanonicalCodeName(error.code()));
        message = error.message();
      }
    }
    const std::string_view outcome = status == catalog::RunStatus::kSucceeded ? "succeeded"
                                     : status == catalog::RunStatus::kCancelled ? "cancelled"
                                                                                : "failed";
    RecordMetrics(run->record, result.ok() ? &*result : nullptr, duration, outcome);
    if (status == catalog::RunStatus::kSucceeded && metrics != nullptr) {
      metrics->last_success->WithLabels({run->record.pipeline}).Set(Now());
    }
    UpdatePending(run->record.pipeline);
    log::Info("run finished", {{"run", run->record.run_id},
                               {"pipeline", run->record.pipeline},
                               {"status", std::string(catalog::RunStatusName(status))},
                               {"seconds", std::to_string(duration)},
                               {"error", message}});
    Complete(run, status, code, message, summary_json);
  }

  // Records the terminal status, emits RunFinished, wakes everyone, frees
  // the slot. Exactly once per active run.
  void Complete(const std::shared_ptr<ActiveRun>& run, catalog::RunStatus status, const std::string& code,
                const std::string& message, const std::string& summary_json) {
    const std::string run_id = run->record.run_id;
    auto finished = catalog.FinishRun(run_id, status, code, message, summary_json, Now());
    if (!finished.ok()) {
      log::Error("run status not stored", {{"run", run_id}, {"error", finished.error().ToString()}});
    }
    Result<catalog::RunRecord> record = catalog.GetRun(run_id);
    // The slot is free before anyone can see RunFinished: a client that
    // starts the next run the moment it reads the event is not refused.
    {
      std::lock_guard lock(mu);
      FreeSlotLocked(run);
    }
    if (record.ok()) {
      v1::RunEvent e;
      *e.mutable_finished()->mutable_run() = RunToProto(*record, true);
      Emit(run, std::move(e));
    }
    if (!run->record.push_file.empty()) std::remove(run->record.push_file.c_str());
    Release(run, &record);
  }

  // Takes the run out of the queue and the running set and lets the next
  // queued run start. Idempotent.
  void FreeSlotLocked(const std::shared_ptr<ActiveRun>& run) {
    std::erase(queue, run->record.run_id);
    if (run->running) {
      run->running = false;
      --running;
      running_by_pipeline.erase(run->record.pipeline);
    }
    DispatchLocked();
  }

  // Removes the run from memory and wakes its waiters.
  void Release(const std::shared_ptr<ActiveRun>& run, const Result<catalog::RunRecord>* record = nullptr) {
    std::vector<std::function<void()>> newer;
    std::vector<std::function<void(Result<catalog::RunRecord>)>> finished;
    {
      std::lock_guard lock(mu);
      active.erase(run->record.run_id);
      push_resources.erase(run->record.run_id);
      FreeSlotLocked(run);
      for (auto& w : run->newer_waiters) newer.push_back(std::move(w.second));
      run->newer_waiters.clear();
      finished = std::move(run->finish_waiters);
      run->finish_waiters.clear();
      if (run->deadline_timer) run->deadline_timer->cancel();
    }
    idle_cv.notify_all();
    for (auto& w : newer) asio::post(blocking, std::move(w));
    if (!finished.empty()) {
      Result<catalog::RunRecord> final_record =
          record != nullptr ? *record : catalog.GetRun(run->record.run_id);
      for (auto& w : finished) {
        asio::post(blocking, [w = std::move(w), final_record]() mutable { w(final_record); });
      }
    }
  }

  Result<catalog::Catalog::CreateRunResult> Start(const StartRunRequest& request);
  Status Recover();
};

Result<catalog::Catalog::CreateRunResult> RunManager::Impl::Start(const StartRunRequest& request) {
  std::lock_guard start_lock(start_mu);
  {
    std::lock_guard lock(mu);
    if (shutting_down) return Error(ErrorCode::kUnavailable, "the daemon is shutting down; retry on another instance");
  }
  // A key used before names its run, active or finished: an orchestrator's
  // retry re-attaches even while another run of the pipeline is active.
  if (!request.idempotency_key.empty()) {
    INGESTD_ASSIGN_OR_RETURN(std::optional<catalog::RunRecord> earlier,
                             catalog.FindRunByIdempotencyKey(request.pipeline, request.idempotency_key));
    if (earlier) return catalog::Catalog::CreateRunResult{std::move(*earlier), false};
  }
  INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord pipeline_record, catalog.GetPipeline(request.pipeline));
  INGESTD_ASSIGN_OR_RETURN(pipeline::PipelineSpec spec, pipeline::ParsePipelineSpec(pipeline_record.spec_json));
  if (!request.push_file.empty()) {
    bool found = false;
    for (const auto& r : spec.resources) {
      found = found || (r.name == request.push_resource && std::holds_alternative<pipeline::PushConfig>(r.source));
    }
    if (!found) return InvalidArgument("resource: \"" + request.push_resource + "\" is not a push resource of pipeline " + request.pipeline);
  }
  catalog::RunRecord run;
  run.run_id = NewRunId();
  run.pipeline = request.pipeline;
  run.pipeline_version = pipeline_record.version;
  run.trigger = request.trigger;
  run.idempotency_key = request.idempotency_key;
  run.requested_by = request.requested_by;
  run.created_at = Now();
  const double timeout = request.timeout_seconds > 0 ? request.timeout_seconds
                         : spec.schedule                 ? spec.schedule->timeout_seconds
                                                         : 0;
  if (timeout > 0) run.deadline_at = run.created_at + timeout;
  run.push_file = request.push_file;

  std::string queued_reason;
  {
    std::lock_guard lock(mu);
    auto busy = running_by_pipeline.find(request.pipeline);
    std::string active_id;
    if (busy != running_by_pipeline.end()) active_id = busy->second;
    for (const auto& id : queue) {
      if (active_id.empty() && active.at(id)->record.pipeline == request.pipeline) active_id = id;
    }
    if (!active_id.empty() && !request.queue_if_active) {
      return FailedPrecondition("pipeline " + request.pipeline + " already has an active run " + active_id +
                                "; wait for it, cancel it, or start with on_active QUEUE");
    }
    if (pipeline_record.paused && request.trigger != catalog::RunTrigger::kResume) {
      return FailedPrecondition("pipeline " + request.pipeline + " is paused; ResumePipeline first");
    }
    if (queue.size() >= options.max_queued_runs) {
      return ResourceExhausted("the run queue is full (" + std::to_string(options.max_queued_runs) +
                               " queued runs; max_queued_runs); try again later");
    }
    queued_reason = !active_id.empty() ? "run " + active_id + " of this pipeline is active"
                    : running >= options.max_concurrent_runs
                        ? "global limit of " + std::to_string(options.max_concurrent_runs) + " concurrent runs"
                        : "";
  }
  INGESTD_ASSIGN_OR_RETURN(catalog::Catalog::CreateRunResult created, catalog.CreateRun(run));
  if (!created.created) return created;

  auto active_run = std::make_shared<ActiveRun>();
  active_run->record = created.run;
  {
    std::lock_guard lock(mu);
    active.emplace(created.run.run_id, active_run);
    if (!request.push_resource.empty()) push_resources[created.run.run_id] = request.push_resource;
    queue.push_back(created.run.run_id);
    UpdateGauges();
  }
  {
    v1::RunEvent e;
    e.mutable_queued()->set_reason(queued_reason.empty() ? "starting" : queued_reason);
    Emit(active_run, std::move(e));
  }
  ArmDeadline(active_run);
  Dispatch();
  return created;
}

Status RunManager::Impl::Recover() {
  INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::RunRecord> left, catalog.ListActiveRuns());
  std::map<std::string, bool, std::less<>> has_queued;
  for (const catalog::RunRecord& r : left) {
    if (r.status == catalog::RunStatus::kRunning) {
      (void)catalog.FinishRun(r.run_id, catalog::RunStatus::kFailed, "UNAVAILABLE",
                              "the daemon stopped while the run was active; its pending package is resumed by "
                              "the next run",
                              "", Now());
      if (!r.push_file.empty()) std::remove(r.push_file.c_str());
      continue;
    }
    if (!r.push_file.empty()) {
      // The pushed records are staged on disk; the push run can still run,
      // but its resource name lived in memory: fail it clearly instead.
      (void)catalog.FinishRun(r.run_id, catalog::RunStatus::kFailed, "UNAVAILABLE",
                              "the daemon restarted before this push run started; push the records again", "",
                              Now());
      std::remove(r.push_file.c_str());
      continue;
    }
    auto run = std::make_shared<ActiveRun>();
    run->record = r;
    {
      std::lock_guard lock(mu);
      active.emplace(r.run_id, run);
      queue.push_back(r.run_id);
    }
    has_queued[r.pipeline] = true;
    ArmDeadline(run);
  }
  std::string after;
  while (true) {
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::PipelineRecord> page, catalog.ListPipelines(500, after));
    if (page.empty()) break;
    for (const catalog::PipelineRecord& p : page) {
      UpdatePending(p.name);
      if (metrics != nullptr) {
        metrics->KnowPipeline(p.name);
        auto last = catalog.LastSucceededRun(p.name);
        if (last.ok() && last->has_value()) metrics->last_success->WithLabels({p.name}).Set((*last)->finished_at);
      }
      if (has_queued.count(p.name) > 0) continue;
      auto pending = pipeline::CountPendingPackages(options.data_dir, p.name);
      if (!pending.ok() || *pending == 0) continue;
      StartRunRequest resume;
      resume.pipeline = p.name;
      resume.trigger = catalog::RunTrigger::kResume;
      resume.requested_by = "daemon";
      resume.queue_if_active = true;
      auto started = Start(resume);
      if (!started.ok()) {
        log::Warn("pending packages not resumed", {{"pipeline", p.name}, {"error", started.error().ToString()}});
      } else {
        log::Info("resuming pending packages", {{"pipeline", p.name}, {"run", started->run.run_id}});
      }
    }
    after = page.back().name;
  }
  Dispatch();
  return OkStatus();
}

RunManager::RunManager(catalog::Catalog& catalog, asio::io_context& io, asio::thread_pool& blocking,
                       const server_metrics::DaemonMetrics* metrics, RunManagerOptions options)
    : impl_(std::make_unique<Impl>(catalog, io, blocking, metrics, std::move(options))) {}

RunManager::~RunManager() = default;

Result<catalog::Catalog::CreateRunResult> RunManager::Start(const StartRunRequest& request) {
  return impl_->Start(request);
}

Result<catalog::RunRecord> RunManager::Cancel(std::string_view run_id) {
  std::shared_ptr<Impl::ActiveRun> run = impl_->Find(run_id);
  if (run == nullptr) return impl_->catalog.GetRun(run_id);  // finished (unchanged) or kNotFound
  bool queued = false;
  {
    std::lock_guard lock(impl_->mu);
    queued = !run->running;
    if (queued) {
      std::erase(impl_->queue, run->record.run_id);
      impl_->UpdateGauges();
    }
  }
  INGESTD_TRY(impl_->catalog.SetCancelRequested(run_id));
  if (queued) {
    impl_->Complete(run, catalog::RunStatus::kCancelled, "CANCELLED", "cancelled before it started", "");
  } else {
    run->stop.request_stop();
  }
  return impl_->catalog.GetRun(run_id);
}

Status RunManager::WithNoActiveRun(std::string_view pipeline, const std::function<Status()>& action) {
  // start_mu serializes Start(): holding it, no run of the pipeline appears.
  std::lock_guard start_lock(impl_->start_mu);
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [id, run] : impl_->active) {
      if (run->record.pipeline == pipeline) {
        return FailedPrecondition("pipeline " + std::string(pipeline) + " has an active run " + id + " (" +
                                  std::string(run->running ? "running" : "queued") +
                                  "); wait for it or cancel it first");
      }
    }
  }
  return action();
}

Result<std::vector<catalog::StoredEvent>> RunManager::ReadEvents(std::string_view run_id, std::int64_t after_sequence,
                                                                 std::size_t limit) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->active.find(run_id);
    if (it != impl_->active.end()) {
      const auto& recent = it->second->recent;
      if (!recent.empty() && recent.front().sequence <= after_sequence + 1) {
        std::vector<catalog::StoredEvent> out;
        for (const auto& e : recent) {
          if (e.sequence <= after_sequence) continue;
          if (out.size() >= limit) break;
          out.push_back(e);
        }
        return out;
      }
    }
  }
  return impl_->catalog.ListEvents(run_id, after_sequence, limit);
}

void RunManager::NotifyWhenNewer(std::string_view run_id, std::int64_t after_sequence, std::function<void()> callback) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->active.find(run_id);
    if (it != impl_->active.end()) {
      if (it->second->last_sequence <= after_sequence) {
        it->second->newer_waiters.emplace_back(after_sequence, std::move(callback));
        return;
      }
    } else {
      // Not active here: finished (its history is complete in the
      // catalog), or run by another daemon on a shared catalog; poll
      // gently instead of spinning.
      auto timer = std::make_shared<asio::steady_timer>(impl_->io, std::chrono::milliseconds(500));
      asio::thread_pool& pool = impl_->blocking;
      timer->async_wait([timer, &pool, cb = std::move(callback)](const boost::system::error_code&) mutable {
        asio::post(pool, std::move(cb));
      });
      return;
    }
  }
  asio::post(impl_->blocking, std::move(callback));
}

void RunManager::NotifyWhenFinished(std::string_view run_id, std::function<void(Result<catalog::RunRecord>)> callback) {
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->active.find(run_id);
    if (it != impl_->active.end()) {
      it->second->finish_waiters.push_back(std::move(callback));
      return;
    }
  }
  Impl* impl = impl_.get();
  asio::post(impl_->blocking, [impl, id = std::string(run_id), cb = std::move(callback)]() mutable {
    cb(impl->catalog.GetRun(id));
  });
}

Status RunManager::Recover() { return impl_->Recover(); }

void RunManager::BeginShutdown() {
  std::vector<std::shared_ptr<Impl::ActiveRun>> running;
  {
    std::lock_guard lock(impl_->mu);
    impl_->shutting_down = true;
    for (const auto& [id, run] : impl_->active) {
      if (run->running) running.push_back(run);
      if (run->deadline_timer) run->deadline_timer->cancel();
    }
  }
  for (const auto& run : running) run->stop.request_stop();
}

bool RunManager::WaitIdle(double timeout_seconds) {
  std::unique_lock lock(impl_->mu);
  return impl_->idle_cv.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                                 [this] { return impl_->running == 0; });
}

std::size_t RunManager::running_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->running;
}

std::size_t RunManager::queued_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->queue.size();
}

}  // namespace ingestd::runs
