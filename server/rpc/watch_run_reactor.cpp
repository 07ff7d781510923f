#include "server/rpc/watch_run_reactor.hpp"

#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>

#include "core/common/log.hpp"
#include "server/rpc/event_batch.hpp"
#include "server/rpc/rpc_call.hpp"

namespace ingestd::rpc {

namespace v1 = ingestd::v1;

struct WatchRunReactor::State {
  const daemon::DaemonContext* ctx = nullptr;
  /// Valid until Finish was called (see finish_called).
  WatchRunReactor* reactor = nullptr;
  std::string run_id;

  std::mutex mutex;
  // ---- guarded by mutex ----
  /// The rest of the fetched batch, not yet written.
  std::deque<v1::RunEvent> batch;
  /// The message being written: must stay alive until OnWriteDone.
  v1::RunEvent current;
  /// Events up to this sequence were read.
  std::int64_t last_sequence = 0;
  bool write_in_flight = false;
  bool finish_called = false;
  bool cancelled = false;
  /// A finish decided while a write was in flight (OnWriteDone sends it).
  std::optional<grpc::Status> pending_finish;
};

namespace {

using State = WatchRunReactor::State;
constexpr std::string_view kMethod = "WatchRun";

// Finishes the stream once (now, or after the write in flight).
void FinishOnce(const std::shared_ptr<State>& s, grpc::Status status) {
  {
    std::lock_guard lock(s->mutex);
    if (s->finish_called) return;
    if (s->write_in_flight) {
      if (!s->pending_finish) s->pending_finish = std::move(status);
      return;
    }
    s->finish_called = true;
  }
  RecordCall(*s->ctx, kMethod, status, std::nullopt);
  s->reactor->Finish(status);
}

void FinishWithError(const std::shared_ptr<State>& s, const Error& error) {
  FinishOnce(s, ToStatusLogged(kMethod, Status(error)));
}

// Stops early when the stream is finished or cancelled; then finishes a
// cancelled one (no write can be in flight while a fetch runs).
bool StillWanted(const std::shared_ptr<State>& s) {
  bool cancel = false;
  {
    std::lock_guard lock(s->mutex);
    if (s->finish_called) return false;
    cancel = s->cancelled;
  }
  if (cancel) {
    FinishOnce(s, grpc::Status::CANCELLED);
    return false;
  }
  return true;
}

void PostFetch(const std::shared_ptr<State>& s, bool after_notify);

// Takes a non-empty batch and writes its first event. No write is in
// flight while a fetch runs (fetches start when the last write is done).
void Deliver(const std::shared_ptr<State>& s, std::vector<v1::RunEvent> events) {
  bool write = false;
  {
    std::lock_guard lock(s->mutex);
    if (s->finish_called) return;
    if (!s->cancelled) {
      s->batch.assign(std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
      s->current = std::move(s->batch.front());
      s->batch.pop_front();
      s->write_in_flight = true;
      write = true;
    }
  }
  if (write) {
    s->reactor->StartWrite(&s->current);
  } else {
    FinishOnce(s, grpc::Status::CANCELLED);
  }
}

// One fetch on the blocking pool: the next batch, or a wait for one.
void Fetch(const std::shared_ptr<State>& s, bool after_notify) {
  if (!StillWanted(s)) return;
  std::int64_t after = 0;
  {
    std::lock_guard lock(s->mutex);
    after = s->last_sequence;
  }
  std::optional<grpc::Status> finish;
  std::vector<v1::RunEvent> events;
  Status fetched = RunGuarded(kMethod, [&]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::StoredEvent> stored,
                             s->ctx->runs->ReadEvents(s->run_id, after, WatchRunReactor::kBatchSize));
    EventBatch batch = DecodeEventBatch(stored, after);
    if (batch.undecodable > 0) {
      log::Warn("WatchRun skipped events that do not decode",
                {{"run_id", s->run_id}, {"count", std::to_string(batch.undecodable)}});
    }
    {
      std::lock_guard lock(s->mutex);
      s->last_sequence = batch.last_sequence;
    }
    if (!batch.events.empty()) {
      events = std::move(batch.events);
      return OkStatus();
    }
    if (!stored.empty()) {
      // Only undecodable events: read on.
      PostFetch(s, false);
      return OkStatus();
    }
    if (after_notify) {
      // NotifyWhenNewer fired and nothing is new: the run is no longer
      // active here. Finished: its RunFinished event was written already
      // (or is missing: the run was failed at start-up recovery), so the
      // stream ends. Otherwise another daemon on a shared catalog runs it,
      // and NotifyWhenNewer polls gently.
      INGESTD_ASSIGN_OR_RETURN(catalog::RunRecord run, s->ctx->catalog->GetRun(s->run_id));
      if (catalog::IsTerminal(run.status)) {
        finish = grpc::Status::OK;
        return OkStatus();
      }
    }
    // The callback comes once (a new event, the run released, or a poll
    // tick for a run not active here) and keeps the state alive until
    // then; a stream finished meanwhile (cancelled) ignores it.
    s->ctx->runs->NotifyWhenNewer(s->run_id, after, [s]() { PostFetch(s, true); });
    return OkStatus();
  });
  if (!fetched.ok()) return FinishWithError(s, fetched.error());
  if (finish) return FinishOnce(s, *finish);
  if (!events.empty()) Deliver(s, std::move(events));
}

void PostFetch(const std::shared_ptr<State>& s, bool after_notify) {
  boost::asio::post(*s->ctx->blocking, [s, after_notify]() { Fetch(s, after_notify); });
}

}  // namespace

WatchRunReactor* WatchRunReactor::Start(const daemon::DaemonContext& ctx, std::string run_id,
                                        std::int64_t after_sequence) {
  auto* reactor = new WatchRunReactor();
  auto state = std::make_shared<State>();
  state->ctx = &ctx;
  state->reactor = reactor;
  state->run_id = std::move(run_id);
  state->last_sequence = after_sequence;
  reactor->state_ = state;
  boost::asio::post(*ctx.blocking, [s = std::move(state)]() {
    // Unknown run: NOT_FOUND before anything streams.
    Status known = RunGuarded(kMethod, [&]() -> Status {
      INGESTD_TRY(s->ctx->catalog->GetRun(s->run_id));
      return OkStatus();
    });
    if (!known.ok()) return FinishWithError(s, known.error());
    Fetch(s, false);
  });
  return reactor;
}

void WatchRunReactor::OnWriteDone(bool ok) {
  const std::shared_ptr<State>& s = state_;
  enum class Next { kNothing, kWrite, kFetch, kFinish } next = Next::kNothing;
  grpc::Status status;
  {
    std::lock_guard lock(s->mutex);
    s->write_in_flight = false;
    if (s->finish_called) return;
    if (!ok || s->cancelled) {
      status = grpc::Status::CANCELLED;
      next = Next::kFinish;
    } else if (s->pending_finish) {
      status = *s->pending_finish;
      next = Next::kFinish;
    } else if (s->current.event_case() == v1::RunEvent::kFinished) {
      status = grpc::Status::OK;
      next = Next::kFinish;
    } else if (!s->batch.empty()) {
      s->current = std::move(s->batch.front());
      s->batch.pop_front();
      s->write_in_flight = true;
      next = Next::kWrite;
    } else {
      next = Next::kFetch;
    }
    if (next == Next::kFinish) s->finish_called = true;
  }
  switch (next) {
    case Next::kWrite: StartWrite(&s->current); break;
    case Next::kFetch: PostFetch(s, false); break;
    case Next::kFinish:
      RecordCall(*s->ctx, kMethod, status, std::nullopt);
      Finish(status);
      break;
    case Next::kNothing: break;
  }
}

void WatchRunReactor::OnCancel() {
  {
    std::lock_guard lock(state_->mutex);
    state_->cancelled = true;
    // A write in flight completes (not ok) and OnWriteDone finishes.
    if (state_->write_in_flight || state_->finish_called) return;
    state_->finish_called = true;
  }
  RecordCall(*state_->ctx, kMethod, grpc::Status::CANCELLED, std::nullopt);
  Finish(grpc::Status::CANCELLED);
}

void WatchRunReactor::OnDone() { delete this; }

}  // namespace ingestd::rpc
