// StartRun, GetRun, ListRuns, CancelRun, WatchRun, PushRecords.

#include "server/rpc/control_service.hpp"

#include <string>
#include <utility>
#include <vector>

#include "server/rpc/push_records_reactor.hpp"
#include "server/rpc/request_validation.hpp"
#include "server/rpc/rpc_call.hpp"
#include "server/rpc/watch_run_reactor.hpp"
#include "server/runs/run_proto.hpp"

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;

constexpr std::size_t kDefaultRunPageSize = 50;
constexpr std::size_t kMaxRunPageSize = 1000;

}  // namespace

grpc::ServerUnaryReactor* ControlService::StartRun(grpc::CallbackServerContext* context,
                                                   const v1::StartRunRequest* request,
                                                   v1::StartRunResponse* response) {
  UnaryCall call(ctx_, context, "StartRun");
  Result<auth::Principal> principal = call.Authenticate(auth::Role::kOperate);
  if (!principal.ok()) return call.Finish(principal.error());
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  if (Status valid = ValidateIdempotencyKey("idempotency_key", request->idempotency_key()); !valid.ok()) {
    return call.Finish(valid);
  }
  Result<bool> queue_if_active = QueueIfActive(request->on_active());
  if (!queue_if_active.ok()) return call.Finish(queue_if_active.error());

  runs::StartRunRequest start;
  start.pipeline = request->pipeline();
  start.idempotency_key = request->idempotency_key();
  start.timeout_seconds = static_cast<double>(request->timeout_seconds());
  start.queue_if_active = *queue_if_active;
  start.trigger = catalog::RunTrigger::kManual;
  start.requested_by = principal->name;
  return call.Post([this, start = std::move(start), response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(catalog::Catalog::CreateRunResult started, ctx_.runs->Start(start));
    *response->mutable_run() = runs::RunToProto(started.run, /*with_summary=*/false);
    response->set_created(started.created);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::GetRun(grpc::CallbackServerContext* context,
                                                 const v1::GetRunRequest* request, v1::Run* response) {
  UnaryCall call(ctx_, context, "GetRun");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("run_id", request->run_id()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(catalog::RunRecord run, ctx_.catalog->GetRun(request->run_id()));
    *response = runs::RunToProto(run, /*with_summary=*/true);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::ListRuns(grpc::CallbackServerContext* context,
                                                   const v1::ListRunsRequest* request,
                                                   v1::ListRunsResponse* response) {
  UnaryCall call(ctx_, context, "ListRuns");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  Result<std::vector<catalog::RunStatus>> statuses = StatusesFromProto(request->statuses());
  if (!statuses.ok()) return call.Finish(statuses.error());

  catalog::RunFilter filter;
  filter.pipeline = request->pipeline();
  filter.statuses = std::move(statuses).value();
  const std::size_t page_size = PageSize(request->page_size(), kDefaultRunPageSize, kMaxRunPageSize);
  filter.limit = FetchLimit(page_size, kMaxRunPageSize);
  filter.before_run_id = request->page_token();
  return call.Post([this, filter = std::move(filter), page_size, response]() -> Status {
    // The token is the run_id of the previous page's last run.
    if (!filter.before_run_id.empty()) {
      Result<catalog::RunRecord> after = ctx_.catalog->GetRun(filter.before_run_id);
      if (!after.ok()) {
        if (after.error().code() != ErrorCode::kNotFound) return after.error();
        return InvalidArgument(
            "page_token: not a token of ListRuns, or its run was deleted; start again from the first page");
      }
    }
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::RunRecord> found, ctx_.catalog->ListRuns(filter));
    const bool more = HasMorePages(found.size(), page_size, filter.limit);
    if (found.size() > page_size) found.resize(page_size);
    for (const catalog::RunRecord& run : found) *response->add_runs() = runs::RunToProto(run, false);
    if (more && !found.empty()) response->set_next_page_token(found.back().run_id);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::CancelRun(grpc::CallbackServerContext* context,
                                                    const v1::CancelRunRequest* request, v1::Run* response) {
  UnaryCall call(ctx_, context, "CancelRun");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kOperate); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("run_id", request->run_id()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(catalog::RunRecord run, ctx_.runs->Cancel(request->run_id()));
    *response = runs::RunToProto(run, /*with_summary=*/false);
    return OkStatus();
  });
}

namespace {

// A stream refused before it starts.
class RefusedWatch final : public grpc::ServerWriteReactor<v1::RunEvent> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class RefusedPush final : public grpc::ServerReadReactor<v1::PushRecordsRequest> {
 public:
  explicit RefusedPush(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::RunEvent>* ControlService::WatchRun(grpc::CallbackServerContext* context,
                                                                 const v1::WatchRunRequest* request) {
  constexpr std::string_view kMethod = "WatchRun";
  const Status valid = [&]() -> Status {
    INGESTD_TRY(AuthenticateCall(ctx_, *context, auth::Role::kRead, kMethod));
    INGESTD_TRY(RequireField("run_id", request->run_id()));
    if (request->after_sequence() < 0) return InvalidArgument("after_sequence: must be 0 or more");
    return OkStatus();
  }();
  if (!valid.ok()) {
    grpc::Status status = ToStatusLogged(kMethod, valid);
    RecordCall(ctx_, kMethod, status, std::nullopt);
    return new RefusedWatch(status);
  }
  return WatchRunReactor::Start(ctx_, request->run_id(), request->after_sequence());
}

grpc::ServerReadReactor<v1::PushRecordsRequest>* ControlService::PushRecords(grpc::CallbackServerContext* context,
                                                                             v1::PushRecordsResponse* response) {
  constexpr std::string_view kMethod = "PushRecords";
  Result<auth::Principal> principal = AuthenticateCall(ctx_, *context, auth::Role::kOperate, kMethod);
  if (!principal.ok()) {
    grpc::Status status = ToStatusLogged(kMethod, principal.error());
    RecordCall(ctx_, kMethod, status, std::nullopt);
    return new RefusedPush(status);
  }
  return PushRecordsReactor::Start(ctx_, context, principal->name, response);
}

}  // namespace ingestd::rpc
