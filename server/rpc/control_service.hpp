#pragma once

#include <optional>
#include <string_view>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "ingestd/v1/control.grpc.pb.h"
#include "server/daemon/daemon_context.hpp"

namespace ingestd::rpc {

/// The daemon's gRPC API (proto/ingestd/v1/control.proto documents every
/// call, its role and its errors), on gRPC's callback API.
///
/// Threads: handlers run on gRPC's threads and never block there: they
/// authenticate, validate the request, and post anything that touches the
/// catalog, files or a spec to the daemon's blocking pool, finishing the
/// call from that pool. The service must outlive the gRPC server and the
/// blocking pool's work (the composition root shuts the server down and
/// joins the pool before destroying it).
///
/// The handlers are split by area: control_service_pipelines.cpp,
/// control_service_runs.cpp, control_service_schemas.cpp,
/// control_service_contracts.cpp; the streams are watch_run_reactor.* and
/// push_records_reactor.*.
class ControlService final : public ingestd::v1::Control::CallbackService {
 public:
  /// `ctx` must have catalog, runs, scheduler, tokens and blocking set
  /// (checked) and outlive the service.
  explicit ControlService(daemon::DaemonContext& ctx);

  // ---- version ----
  grpc::ServerUnaryReactor* GetVersion(grpc::CallbackServerContext* context,
                                       const ingestd::v1::GetVersionRequest* request,
                                       ingestd::v1::GetVersionResponse* response) override;

  // ---- pipelines ----
  grpc::ServerUnaryReactor* ApplyPipeline(grpc::CallbackServerContext* context,
                                          const ingestd::v1::ApplyPipelineRequest* request,
                                          ingestd::v1::ApplyPipelineResponse* response) override;
  grpc::ServerUnaryReactor* GetPipeline(grpc::CallbackServerContext* context,
                                        const ingestd::v1::GetPipelineRequest* request,
                                        ingestd::v1::Pipeline* response) override;
  grpc::ServerUnaryReactor* ListPipelines(grpc::CallbackServerContext* context,
                                          const ingestd::v1::ListPipelinesRequest* request,
                                          ingestd::v1::ListPipelinesResponse* response) override;
  grpc::ServerUnaryReactor* DeletePipeline(grpc::CallbackServerContext* context,
                                           const ingestd::v1::DeletePipelineRequest* request,
                                           ingestd::v1::DeletePipelineResponse* response) override;
  grpc::ServerUnaryReactor* PausePipeline(grpc::CallbackServerContext* context,
                                          const ingestd::v1::PausePipelineRequest* request,
                                          ingestd::v1::Pipeline* response) override;
  grpc::ServerUnaryReactor* ResumePipeline(grpc::CallbackServerContext* context,
                                           const ingestd::v1::ResumePipelineRequest* request,
                                           ingestd::v1::Pipeline* response) override;

  // ---- runs ----
  grpc::ServerUnaryReactor* StartRun(grpc::CallbackServerContext* context,
                                     const ingestd::v1::StartRunRequest* request,
                                     ingestd::v1::StartRunResponse* response) override;
  grpc::ServerUnaryReactor* GetRun(grpc::CallbackServerContext* context, const ingestd::v1::GetRunRequest* request,
                                   ingestd::v1::Run* response) override;
  grpc::ServerUnaryReactor* ListRuns(grpc::CallbackServerContext* context,
                                     const ingestd::v1::ListRunsRequest* request,
                                     ingestd::v1::ListRunsResponse* response) override;
  grpc::ServerWriteReactor<ingestd::v1::RunEvent>* WatchRun(grpc::CallbackServerContext* context,
                                                            const ingestd::v1::WatchRunRequest* request) override;
  grpc::ServerUnaryReactor* CancelRun(grpc::CallbackServerContext* context,
                                      const ingestd::v1::CancelRunRequest* request,
                                      ingestd::v1::Run* response) override;

  // ---- schemas ----
  grpc::ServerUnaryReactor* GetSchema(grpc::CallbackServerContext* context,
                                      const ingestd::v1::GetSchemaRequest* request,
                                      ingestd::v1::Schema* response) override;
  grpc::ServerUnaryReactor* ListSchemaVersions(grpc::CallbackServerContext* context,
                                               const ingestd::v1::ListSchemaVersionsRequest* request,
                                               ingestd::v1::ListSchemaVersionsResponse* response) override;
  grpc::ServerUnaryReactor* DiffSchemas(grpc::CallbackServerContext* context,
                                        const ingestd::v1::DiffSchemasRequest* request,
                                        ingestd::v1::DiffSchemasResponse* response) override;

  // ---- contracts ----
  grpc::ServerUnaryReactor* GetContract(grpc::CallbackServerContext* context,
                                        const ingestd::v1::GetContractRequest* request,
                                        ingestd::v1::GetContractResponse* response) override;
  grpc::ServerUnaryReactor* AlterContract(grpc::CallbackServerContext* context,
                                          const ingestd::v1::AlterContractRequest* request,
                                          ingestd::v1::GetContractResponse* response) override;

  // ---- state ----
  grpc::ServerUnaryReactor* GetState(grpc::CallbackServerContext* context,
                                     const ingestd::v1::GetStateRequest* request,
                                     ingestd::v1::GetStateResponse* response) override;
  grpc::ServerUnaryReactor* ResetState(grpc::CallbackServerContext* context,
                                       const ingestd::v1::ResetStateRequest* request,
                                       ingestd::v1::GetStateResponse* response) override;

  // ---- push ----
  grpc::ServerReadReactor<ingestd::v1::PushRecordsRequest>* PushRecords(
      grpc::CallbackServerContext* context, ingestd::v1::PushRecordsResponse* response) override;

 private:
  /// A stored pipeline with its spec parsed.
  struct LoadedPipeline {
    catalog::PipelineRecord record;
    pipeline::PipelineSpec spec;
  };

  /// kNotFound for an unknown pipeline; kFailedPrecondition when its stored
  /// spec no longer parses. Blocking.
  Result<LoadedPipeline> LoadPipeline(std::string_view name) const;
  /// The API form of a stored pipeline: schedule from the scheduler, last
  /// run and last success from the catalog. `spec` null when the stored
  /// spec does not parse. Blocking.
  Result<ingestd::v1::Pipeline> PipelineView(const catalog::PipelineRecord& record,
                                             const pipeline::PipelineSpec* spec, bool with_spec_json) const;
  /// The contracts of a pipeline as GetContract answers. Blocking.
  Result<ingestd::v1::GetContractResponse> ContractView(const LoadedPipeline& loaded) const;

  daemon::DaemonContext& ctx_;
};

}  // namespace ingestd::rpc
