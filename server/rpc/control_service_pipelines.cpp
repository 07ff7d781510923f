// ApplyPipeline, GetPipeline, ListPipelines, DeletePipeline, PausePipeline,
// ResumePipeline.

#include "server/rpc/control_service.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/rpc/proto_mapping.hpp"
#include "server/rpc/request_validation.hpp"
#include "server/rpc/rpc_call.hpp"

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;

constexpr std::size_t kDefaultPipelinePageSize = 100;
constexpr std::size_t kMaxPipelinePageSize = 1000;

}  // namespace

grpc::ServerUnaryReactor* ControlService::ApplyPipeline(grpc::CallbackServerContext* context,
                                                        const v1::ApplyPipelineRequest* request,
                                                        v1::ApplyPipelineResponse* response) {
  UnaryCall call(ctx_, context, "ApplyPipeline");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kAdmin); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("spec_json", request->spec_json()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    Result<pipeline::PipelineSpec> spec = pipeline::ParsePipelineSpec(request->spec_json());
    // The parser's message starts with the JSON path of the mistake.
    if (!spec.ok()) return spec.error().WithContext("spec_json");
    INGESTD_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(request->spec_json()));
    const double now = ctx_.now();

    if (request->dry_run()) {
      // What apply would answer, storing nothing.
      Result<catalog::PipelineRecord> existing = ctx_.catalog->GetPipeline(spec->name);
      if (!existing.ok() && existing.error().code() != ErrorCode::kNotFound) return existing.error();
      catalog::PipelineRecord would_be;
      bool created = false;
      bool changed = false;
      if (existing.ok()) {
        would_be = std::move(existing).value();
        changed = would_be.spec_json != canonical;
        if (changed) {
          would_be.spec_json = canonical;
          would_be.version += 1;
          would_be.updated_at = now;
        }
      } else {
        would_be.name = spec->name;
        would_be.spec_json = canonical;
        would_be.version = 1;
        would_be.created_at = now;
        would_be.updated_at = now;
        created = changed = true;
      }
      INGESTD_ASSIGN_OR_RETURN(*response->mutable_pipeline(), PipelineView(would_be, &*spec, true));
      // The scheduler knows the stored spec, not this one.
      response->mutable_pipeline()->set_schedule(DescribeSchedule(*spec));
      response->mutable_pipeline()->clear_next_run_at();
      response->set_created(created);
      response->set_changed(changed);
      return OkStatus();
    }

    INGESTD_ASSIGN_OR_RETURN(catalog::PutPipelineResult put, ctx_.catalog->PutPipeline(spec->name, canonical, now));
    ctx_.scheduler->Refresh(put.pipeline.name);
    if (ctx_.metrics != nullptr) ctx_.metrics->KnowPipeline(put.pipeline.name);
    INGESTD_ASSIGN_OR_RETURN(*response->mutable_pipeline(), PipelineView(put.pipeline, &*spec, true));
    response->set_created(put.created);
    response->set_changed(put.changed);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::GetPipeline(grpc::CallbackServerContext* context,
                                                      const v1::GetPipelineRequest* request, v1::Pipeline* response) {
  UnaryCall call(ctx_, context, "GetPipeline");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("name", request->name()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord record, ctx_.catalog->GetPipeline(request->name()));
    // A spec that no longer parses is still shown (spec_json), so it can be fixed.
    Result<pipeline::PipelineSpec> spec = pipeline::ParsePipelineSpec(record.spec_json);
    INGESTD_ASSIGN_OR_RETURN(*response, PipelineView(record, spec.ok() ? &*spec : nullptr, true));
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::ListPipelines(grpc::CallbackServerContext* context,
                                                        const v1::ListPipelinesRequest* request,
                                                        v1::ListPipelinesResponse* response) {
  UnaryCall call(ctx_, context, "ListPipelines");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  return call.Post([this, request, response]() -> Status {
    const std::size_t page_size = PageSize(request->page_size(), kDefaultPipelinePageSize, kMaxPipelinePageSize);
    // The token is the last name of the previous page.
    if (!request->page_token().empty()) {
      Result<catalog::PipelineRecord> after = ctx_.catalog->GetPipeline(request->page_token());
      if (!after.ok()) {
        if (after.error().code() != ErrorCode::kNotFound) return after.error();
        return InvalidArgument(
            "page_token: not a token of ListPipelines, or its pipeline was deleted; start again from the first "
            "page");
      }
    }
    const std::size_t fetch = FetchLimit(page_size, kMaxPipelinePageSize + 1);
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::PipelineRecord> records,
                             ctx_.catalog->ListPipelines(fetch, request->page_token()));
    const bool more = HasMorePages(records.size(), page_size, fetch);
    if (records.size() > page_size) records.resize(page_size);
    for (const catalog::PipelineRecord& record : records) {
      Result<pipeline::PipelineSpec> spec = pipeline::ParsePipelineSpec(record.spec_json);
      INGESTD_ASSIGN_OR_RETURN(*response->add_pipelines(), PipelineView(record, spec.ok() ? &*spec : nullptr, false));
    }
    if (more && !records.empty()) response->set_next_page_token(records.back().name);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::DeletePipeline(grpc::CallbackServerContext* context,
                                                         const v1::DeletePipelineRequest* request,
                                                         v1::DeletePipelineResponse* /*response*/) {
  UnaryCall call(ctx_, context, "DeletePipeline");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kAdmin); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("name", request->name()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request]() -> Status {
    INGESTD_TRY(ctx_.runs->WithNoActiveRun(request->name(),
                                           [&] { return ctx_.catalog->DeletePipeline(request->name()); }));
    ctx_.scheduler->Refresh(request->name());
    return OkStatus();
  });
}

namespace {

// PausePipeline and ResumePipeline differ in one flag.
template <class View>
Status SetPausedAndView(const daemon::DaemonContext& ctx, const std::string& name, bool paused, View view,
                        v1::Pipeline* response) {
  INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord record, ctx.catalog->SetPaused(name, paused, ctx.now()));
  ctx.scheduler->Refresh(name);
  Result<pipeline::PipelineSpec> spec = pipeline::ParsePipelineSpec(record.spec_json);
  INGESTD_ASSIGN_OR_RETURN(*response, view(record, spec.ok() ? &*spec : nullptr));
  return OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* ControlService::PausePipeline(grpc::CallbackServerContext* context,
                                                        const v1::PausePipelineRequest* request,
                                                        v1::Pipeline* response) {
  UnaryCall call(ctx_, context, "PausePipeline");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kOperate); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("name", request->name()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    return SetPausedAndView(
        ctx_, request->name(), true,
        [this](const catalog::PipelineRecord& r, const pipeline::PipelineSpec* s) { return PipelineView(r, s, true); },
        response);
  });
}

grpc::ServerUnaryReactor* ControlService::ResumePipeline(grpc::CallbackServerContext* context,
                                                         const v1::ResumePipelineRequest* request,
                                                         v1::Pipeline* response) {
  UnaryCall call(ctx_, context, "ResumePipeline");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kOperate); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("name", request->name()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    return SetPausedAndView(
        ctx_, request->name(), false,
        [this](const catalog::PipelineRecord& r, const pipeline::PipelineSpec* s) { return PipelineView(r, s, true); },
        response);
  });
}

}  // namespace ingestd::rpc
