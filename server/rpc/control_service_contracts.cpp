// GetContract, AlterContract, GetState, ResetState.

#include "server/rpc/control_service.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/pipeline/contract_overrides.hpp"
#include "core/pipeline/pipeline_admin.hpp"
#include "server/rpc/proto_mapping.hpp"
#include "server/rpc/request_validation.hpp"
#include "server/rpc/rpc_call.hpp"
#include "server/runs/contract_history.hpp"

namespace ingestd::rpc {

namespace v1 = ingestd::v1;

Result<v1::GetContractResponse> ControlService::ContractView(const LoadedPipeline& loaded) const {
  INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::ContractChange> history,
                           ctx_.catalog->ListContractChanges(loaded.record.name));
  INGESTD_ASSIGN_OR_RETURN(pipeline::ContractOverrides overrides, runs::ContractOverridesFromHistory(history));
  return ContractResponse(loaded.spec, overrides, history);
}

grpc::ServerUnaryReactor* ControlService::GetContract(grpc::CallbackServerContext* context,
                                                      const v1::GetContractRequest* request,
                                                      v1::GetContractResponse* response) {
  UnaryCall call(ctx_, context, "GetContract");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(LoadedPipeline loaded, LoadPipeline(request->pipeline()));
    INGESTD_ASSIGN_OR_RETURN(*response, ContractView(loaded));
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::AlterContract(grpc::CallbackServerContext* context,
                                                        const v1::AlterContractRequest* request,
                                                        v1::GetContractResponse* response) {
  UnaryCall call(ctx_, context, "AlterContract");
  Result<auth::Principal> principal = call.Authenticate(auth::Role::kAdmin);
  if (!principal.ok()) return call.Finish(principal.error());
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  catalog::ContractChange change;
  change.pipeline = request->pipeline();
  change.table = request->table();
  change.changed_by = principal->name;
  if (!request->clear()) {
    Result<schema::SchemaContract> contract = ContractFromProto(request->contract(), "contract");
    if (!contract.ok()) return call.Finish(contract.error());
    if (contract->empty()) {
      return call.Finish(InvalidArgument(
          "contract: set at least one of tables, columns and data_type, or set clear to remove the override"));
    }
    change.contract_json = pipeline::SchemaContractToJson(*contract);
  }
  return call.Post([this, change = std::move(change), response]() mutable -> Status {
    INGESTD_ASSIGN_OR_RETURN(LoadedPipeline loaded, LoadPipeline(change.pipeline));
    if (!change.table.empty()) INGESTD_TRY(RequireRootTable(loaded.spec, change.table));
    change.changed_at = ctx_.now();
    INGESTD_TRY(ctx_.catalog->AddContractChange(change));
    INGESTD_ASSIGN_OR_RETURN(*response, ContractView(loaded));
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::GetState(grpc::CallbackServerContext* context,
                                                   const v1::GetStateRequest* request,
                                                   v1::GetStateResponse* response) {
  UnaryCall call(ctx_, context, "GetState");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(catalog::PipelineRecord record, ctx_.catalog->GetPipeline(request->pipeline()));
    INGESTD_ASSIGN_OR_RETURN(std::optional<state::PipelineState> state,
                             pipeline::ReadLocalState(ctx_.data_dir, record.name));
    *response = StateToProto(record.name, state ? &*state : nullptr);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::ResetState(grpc::CallbackServerContext* context,
                                                     const v1::ResetStateRequest* request,
                                                     v1::GetStateResponse* response) {
  UnaryCall call(ctx_, context, "ResetState");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kAdmin); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_ASSIGN_OR_RETURN(LoadedPipeline loaded, LoadPipeline(request->pipeline()));
    if (!request->resource().empty()) INGESTD_TRY(RequireResource(loaded.spec, request->resource()));
    return ctx_.runs->WithNoActiveRun(loaded.record.name, [&]() -> Status {
      INGESTD_ASSIGN_OR_RETURN(state::PipelineState state,
                               pipeline::ResetPipelineState(loaded.spec, ctx_.data_dir, request->resource()));
      *response = StateToProto(loaded.record.name, &state);
      return OkStatus();
    });
  });
}

}  // namespace ingestd::rpc
