#include "server/rpc/push_records_reactor.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <system_error>
#include <utility>

#include <boost/asio/post.hpp>

#include "core/pipeline/pipeline_spec.hpp"
#include "server/rpc/request_validation.hpp"
#include "server/rpc/rpc_call.hpp"
#include "server/runs/run_proto.hpp"

namespace ingestd::rpc {

namespace v1 = ingestd::v1;

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

constexpr std::string_view kMethod = "PushRecords";

Error Unavailable(std::string message) { return Error(ErrorCode::kUnavailable, std::move(message)); }

}  // namespace

struct PushRecordsReactor::State {
  const daemon::DaemonContext* ctx = nullptr;
  /// Valid until Finish was called (see finish_called).
  PushRecordsReactor* reactor = nullptr;
  /// Written only by whoever finishes with OK, just before Finish.
  v1::PushRecordsResponse* response = nullptr;
  std::string requested_by;
  /// The read target: filled by a read, consumed by the step after it.
  v1::PushRecordsRequest message;

  // ---- used by steps only (reads and steps alternate: one at a time) ----
  std::size_t messages = 0;
  std::uint64_t records = 0;
  bool named = false;  // the first message was accepted
  std::string pipeline;
  std::string resource;
  std::string idempotency_key;
  std::string run_id;
  /// Set when the key already names a run (a retried stream): the records
  /// are read and dropped instead of staged, and that run is the answer.
  std::string earlier_run_id;
  /// The staged file while it is written (closed by Cleanup otherwise;
  /// never while a step runs).
  FilePtr file;

  std::mutex mutex;
  // ---- guarded by mutex ----
  std::string path;  // the staged file, once created
  bool read_in_flight = false;
  bool step_running = false;
  bool finish_called = false;
  bool cancelled = false;
  bool file_handed_over = false;  // a created run owns (and deletes) the file
  bool cleaned = false;
};

namespace {

using State = PushRecordsReactor::State;

// Deletes the staged file unless a run took it. Idempotent; never called
// while a step runs.
void Cleanup(State& s) {
  std::string path;
  {
    std::lock_guard lock(s.mutex);
    if (s.cleaned || s.file_handed_over) return;
    s.cleaned = true;
    path = s.path;
  }
  s.file.reset();
  if (!path.empty()) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
}

// The last act on the reactor (finish_called was set by the caller).
void SendFinish(State& s, const grpc::Status& status) {
  Cleanup(s);
  RecordCall(*s.ctx, kMethod, status, std::nullopt);
  s.reactor->Finish(status);
}

// Finishes from outside a step (the run-manager callback).
void FinishOnce(const std::shared_ptr<State>& s, const Status& status, const catalog::RunRecord* run) {
  {
    std::lock_guard lock(s->mutex);
    if (s->finish_called) return;
    s->finish_called = true;
  }
  if (status.ok() && run != nullptr) {
    *s->response->mutable_run() = runs::RunToProto(*run, /*with_summary=*/true);
    s->response->set_records(s->records);
  }
  SendFinish(*s, status.ok() ? grpc::Status::OK : ToStatusLogged(kMethod, status));
}

enum class Next { kRead, kWaitForRun };

// Ends a step: finishes on error or cancellation, else reads on (or waits
// for the run, which finishes the call from its callback).
void EndStep(const std::shared_ptr<State>& s, const Status& result, Next next) {
  bool read = false;
  std::optional<grpc::Status> finish;
  {
    std::lock_guard lock(s->mutex);
    s->step_running = false;
    if (s->finish_called) return;
    if (!result.ok()) {
      finish = ToStatusLogged(kMethod, result);
    } else if (s->cancelled) {
      finish = grpc::Status::CANCELLED;
    } else if (next == Next::kRead) {
      s->read_in_flight = true;
      read = true;
    }
    if (finish) s->finish_called = true;
  }
  if (read) {
    s->reactor->StartRead(&s->message);
  } else if (finish) {
    SendFinish(*s, *finish);
  }
}

Status OpenStagedFile(State& s) {
  const std::string dir = s.ctx->data_dir + "/push";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unavailable("cannot create " + dir + " for pushed records: " + ec.message());
  std::random_device random;
  const std::uint64_t id = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  char name[32];
  std::snprintf(name, sizeof name, "push-%016llx.jsonl", static_cast<unsigned long long>(id));
  const std::string path = dir + "/" + name;
  // "x": never reuse a file another stream stages into.
  s.file.reset(std::fopen(path.c_str(), "wx"));
  if (s.file == nullptr) return Unavailable("cannot create " + path + ": " + std::strerror(errno));
  std::lock_guard lock(s.mutex);
  s.path = path;
  return OkStatus();
}

// The first message: pipeline, push resource, key; opens the staged file.
Status AcceptFirstMessage(State& s) {
  const v1::PushRecordsRequest& m = s.message;
  if (m.pipeline().empty()) return InvalidArgument("pipeline: required (the first message names the pipeline)");
  INGESTD_TRY(ValidateIdempotencyKey("idempotency_key", m.idempotency_key()));
  INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord record, s.ctx->catalog->GetPipeline(m.pipeline()));
  Result<pipeline::PipelineSpec> spec = pipeline::ParsePipelineSpec(record.spec_json);
  if (!spec.ok()) {
    return FailedPrecondition("the stored spec of pipeline " + record.name +
                              " no longer parses: " + spec.error().message() + "; apply a corrected spec");
  }
  INGESTD_ASSIGN_OR_RETURN(s.resource, ResolvePushResource(*spec, m.resource()));
  s.pipeline = record.name;
  s.idempotency_key = m.idempotency_key();
  s.named = true;
  if (!s.idempotency_key.empty()) {
    INGESTD_ASSIGN_OR_RETURN(std::optional<catalog::RunRecord> earlier,
                             s.ctx->catalog->FindRunByIdempotencyKey(s.pipeline, s.idempotency_key));
    if (earlier) {
      s.earlier_run_id = earlier->run_id;
      return OkStatus();
    }
  }
  return OpenStagedFile(s);
}

// One message: its records appended to the staged file.
Status ConsumeMessage(State& s) {
  const std::size_t index = s.messages++;
  if (!s.named) INGESTD_TRY(AcceptFirstMessage(s));
  const auto& records = s.message.records();
  if (!s.earlier_run_id.empty()) {
    s.message.Clear();
    return OkStatus();
  }
  for (int i = 0; i < records.size(); ++i) {
    INGESTD_ASSIGN_OR_RETURN(std::string line, PushedRecordLine(records.Get(i), static_cast<std::size_t>(i), index,
                                                                 s.ctx->max_record_bytes));
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), s.file.get()) != line.size()) {
      return Unavailable("cannot stage pushed records: " + std::string(std::strerror(errno)));
    }
    ++s.records;
  }
  s.message.Clear();
  return OkStatus();
}

// The client closed its side: start the push run.
Status StartPushRun(State& s) {
  if (!s.named) return InvalidArgument("pipeline: required (the stream ended before a message named the pipeline)");
  if (!s.earlier_run_id.empty()) {
    s.run_id = s.earlier_run_id;
    return OkStatus();
  }
  std::string path;
  {
    std::lock_guard lock(s.mutex);
    path = s.path;
  }
  if (std::fclose(s.file.release()) != 0) {
    return Unavailable("cannot stage pushed records in " + path + ": " + std::strerror(errno));
  }
  runs::StartRunRequest request;
  request.pipeline = s.pipeline;
  request.idempotency_key = s.idempotency_key;
  request.queue_if_active = true;
  request.trigger = catalog::RunTrigger::kPush;
  request.requested_by = s.requested_by;
  request.push_resource = s.resource;
  request.push_file = path;
  INGESTD_ASSIGN_OR_RETURN(catalog::Catalog::CreateRunResult started, s.ctx->runs->Start(request));
  if (started.created) {
    std::lock_guard lock(s.mutex);
    s.file_handed_over = true;
  } else {
    // The key returned an earlier run: these records are not loaded again.
    Cleanup(s);
  }
  s.run_id = started.run.run_id;
  return OkStatus();
}

void ProcessMessage(const std::shared_ptr<State>& s) {
  EndStep(s, RunGuarded(kMethod, [&] { return ConsumeMessage(*s); }), Next::kRead);
}

void Complete(const std::shared_ptr<State>& s) {
  const Status started = RunGuarded(kMethod, [&] { return StartPushRun(*s); });
  EndStep(s, started, Next::kWaitForRun);
  if (!started.ok()) return;
  s->ctx->runs->NotifyWhenFinished(s->run_id, [s](Result<catalog::RunRecord> run) {
    Status finished = RunGuarded(kMethod, [&]() -> Status {
      if (!run.ok()) return run.error();
      FinishOnce(s, OkStatus(), &*run);
      return OkStatus();
    });
    if (!finished.ok()) FinishOnce(s, finished, nullptr);
  });
}

}  // namespace

PushRecordsReactor* PushRecordsReactor::Start(const daemon::DaemonContext& ctx, grpc::CallbackServerContext* context,
                                              std::string requested_by, v1::PushRecordsResponse* response) {
  auto* reactor = new PushRecordsReactor(context);
  auto state = std::make_shared<State>();
  state->ctx = &ctx;
  state->reactor = reactor;
  state->response = response;
  state->requested_by = std::move(requested_by);
  state->read_in_flight = true;
  reactor->state_ = state;
  reactor->StartRead(&state->message);
  return reactor;
}

void PushRecordsReactor::OnReadDone(bool ok) {
  const std::shared_ptr<State>& s = state_;
  // A read fails both when the client half-closes (then the run starts) and
  // when the call is cancelled (then nothing of the stream may load); gRPC
  // marks the context cancelled before this reaction in the second case.
  const bool call_cancelled = !ok && context_->IsCancelled();
  bool step = false;
  {
    std::lock_guard lock(s->mutex);
    s->read_in_flight = false;
    if (call_cancelled) s->cancelled = true;
    if (s->finish_called) return;
    if (s->cancelled) {
      s->finish_called = true;
    } else {
      s->step_running = true;
      step = true;
    }
  }
  if (!step) return SendFinish(*s, grpc::Status::CANCELLED);
  // !ok here: the client closed its side.
  if (ok) {
    boost::asio::post(*s->ctx->blocking, [s] { ProcessMessage(s); });
  } else {
    boost::asio::post(*s->ctx->blocking, [s] { Complete(s); });
  }
}

void PushRecordsReactor::OnCancel() {
  {
    std::lock_guard lock(state_->mutex);
    state_->cancelled = true;
    // A read in flight fails and OnReadDone finishes; a step finishes at its end.
    if (state_->read_in_flight || state_->step_running || state_->finish_called) return;
    state_->finish_called = true;
  }
  SendFinish(*state_, grpc::Status::CANCELLED);
}

void PushRecordsReactor::OnDone() {
  Cleanup(*state_);
  delete this;
}

}  // namespace ingestd::rpc
