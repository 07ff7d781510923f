#include "server/rpc/control_service.hpp"

#include <string>
#include <utility>

#include "core/common/check.hpp"
#include "core/schema/schema.hpp"
#include "server/rpc/proto_mapping.hpp"
#include "server/rpc/rpc_call.hpp"

namespace ingestd::rpc {

namespace v1 = ingestd::v1;

ControlService::ControlService(daemon::DaemonContext& ctx) : ctx_(ctx) {
  INGESTD_CHECK(ctx_.catalog != nullptr);
  INGESTD_CHECK(ctx_.runs != nullptr);
  INGESTD_CHECK(ctx_.scheduler != nullptr);
  INGESTD_CHECK(ctx_.tokens != nullptr);
  INGESTD_CHECK(ctx_.blocking != nullptr);
}

grpc::ServerUnaryReactor* ControlService::GetVersion(grpc::CallbackServerContext* context,
                                                     const v1::GetVersionRequest* /*request*/,
                                                     v1::GetVersionResponse* response) {
  UnaryCall call(ctx_, context, "GetVersion");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  response->set_version(ctx_.version);
  response->set_schema_engine_version(static_cast<std::uint32_t>(schema::kSchemaEngineVersion));
  return call.Finish(OkStatus());
}

Result<ControlService::LoadedPipeline> ControlService::LoadPipeline(std::string_view name) const {
  INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord record, ctx_.catalog->GetPipeline(name));
  Result<pipeline::PipelineSpec> spec = pipeline::ParsePipelineSpec(record.spec_json);
  if (!spec.ok()) {
    return FailedPrecondition("the stored spec of pipeline " + record.name + " (version " +
                              std::to_string(record.version) + ") no longer parses: " + spec.error().message() +
                              "; apply a corrected spec");
  }
  return LoadedPipeline{std::move(record), std::move(spec).value()};
}

Result<v1::Pipeline> ControlService::PipelineView(const catalog::PipelineRecord& record,
                                                  const pipeline::PipelineSpec* spec, bool with_spec_json) const {
  PipelineFacts facts;
  facts.spec = spec;
  facts.schedule = ctx_.scheduler->Describe(record.name);
  facts.next_run_at = ctx_.scheduler->NextRunAt(record.name);
  catalog::RunFilter filter;
  filter.pipeline = record.name;
  filter.limit = 1;
  INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::RunRecord> newest, ctx_.catalog->ListRuns(filter));
  if (!newest.empty()) facts.last_run = std::move(newest.front());
  INGESTD_ASSIGN_OR_RETURN(std::optional<catalog::RunRecord> success, ctx_.catalog->LastSucceededRun(record.name));
  if (success) facts.last_success_at = success->finished_at;
  return PipelineToProto(record, facts, with_spec_json);
}

}  // namespace ingestd::rpc
