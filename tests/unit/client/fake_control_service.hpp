#pragma once

// An in-process Control service for the client tests: canned answers,
// scripted WatchRun streams, and a record of what the client sent.

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ingestd/v1/control.grpc.pb.h"

namespace ingestd::client::testing {

class FakeControlService final : public v1::Control::Service {
 public:
  // ---- what the client sent (read after the call) ----
  std::vector<std::string> authorizations;  // `authorization` metadata per call ("" when absent)
  std::vector<bool> had_deadline;           // per call
  std::vector<v1::ListRunsRequest> list_runs_requests;
  std::vector<v1::WatchRunRequest> watch_requests;
  std::vector<v1::PushRecordsRequest> push_messages;
  std::vector<v1::StartRunRequest> start_requests;
  std::vector<v1::ApplyPipelineRequest> apply_requests;
  std::vector<v1::AlterContractRequest> alter_contract_requests;

  // ---- canned answers ----
  std::vector<v1::Run> runs;  // ListRuns pages through these; GetRun finds them
  std::size_t runs_page_limit = 2;  // the server's own page size cap
  std::vector<v1::RunEvent> events;  // WatchRun streams these
  int drop_watch_after = -1;  // first stream ends UNAVAILABLE after this many events (-1: never)
  bool drop_every_watch = false;  // every stream ends UNAVAILABLE at once
  grpc::Status watch_error = grpc::Status::OK;  // WatchRun fails with this at once
  grpc::Status start_status = grpc::Status::OK;
  v1::RunStatus push_outcome = v1::RUN_STATUS_SUCCEEDED;

  grpc::Status GetVersion(grpc::ServerContext* context, const v1::GetVersionRequest*,
                          v1::GetVersionResponse* response) override {
    Record(*context);
    response->set_version("9.9.9");
    response->set_schema_engine_version(11);
    return grpc::Status::OK;
  }

  grpc::Status ApplyPipeline(grpc::ServerContext* context, const v1::ApplyPipelineRequest* request,
                             v1::ApplyPipelineResponse* response) override {
    Record(*context);
    std::lock_guard lock(mu_);
    apply_requests.push_back(*request);
    response->mutable_pipeline()->set_name("github");
    response->mutable_pipeline()->set_version(static_cast<std::int64_t>(apply_requests.size()));
    response->set_created(apply_requests.size() == 1);
    response->set_changed(apply_requests.size() <= 2);
    return grpc::Status::OK;
  }

  grpc::Status ListRuns(grpc::ServerContext* context, const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override {
    Record(*context);
    std::lock_guard lock(mu_);
    list_runs_requests.push_back(*request);
    std::size_t start = request->page_token().empty() ? 0 : std::stoul(request->page_token());
    std::size_t size = std::min<std::size_t>(request->page_size() == 0 ? 50 : request->page_size(), runs_page_limit);
    std::size_t end = std::min(runs.size(), start + size);
    for (std::size_t i = start; i < end; ++i) *response->add_runs() = runs[i];
    if (end < runs.size()) response->set_next_page_token(std::to_string(end));
    return grpc::Status::OK;
  }

  grpc::Status GetRun(grpc::ServerContext* context, const v1::GetRunRequest* request, v1::Run* response) override {
    Record(*context);
    std::lock_guard lock(mu_);
    for (const v1::Run& run : runs) {
      if (run.run_id() == request->run_id()) {
        *response = run;
        return grpc::Status::OK;
      }
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "run " + request->run_id() + " not found");
  }

  grpc::Status StartRun(grpc::ServerContext* context, const v1::StartRunRequest* request,
                        v1::StartRunResponse* response) override {
    Record(*context);
    std::lock_guard lock(mu_);
    start_requests.push_back(*request);
    if (!start_status.ok()) return start_status;
    v1::Run& run = *response->mutable_run();
    run.set_run_id("run-00000000000000aa");
    run.set_pipeline(request->pipeline());
    run.set_pipeline_version(2);
    run.set_status(v1::RUN_STATUS_QUEUED);
    response->set_created(true);
    return grpc::Status::OK;
  }

  grpc::Status WatchRun(grpc::ServerContext* context, const v1::WatchRunRequest* request,
                        grpc::ServerWriter<v1::RunEvent>* writer) override {
    Record(*context);
    bool drop = false;
    {
      std::lock_guard lock(mu_);
      watch_requests.push_back(*request);
      if (!watch_error.ok()) return watch_error;
      if (drop_every_watch) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset");
      drop = watch_requests.size() == 1 && drop_watch_after >= 0;
    }
    int written = 0;
    for (const v1::RunEvent& event : events) {
      if (event.sequence() <= request->after_sequence()) continue;
      if (drop && written == drop_watch_after) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset");
      writer->Write(event);
      ++written;
    }
    return grpc::Status::OK;
  }

  grpc::Status PushRecords(grpc::ServerContext* context, grpc::ServerReader<v1::PushRecordsRequest>* reader,
                           v1::PushRecordsResponse* response) override {
    Record(*context);
    v1::PushRecordsRequest message;
    std::uint64_t records = 0;
    std::string pipeline;
    while (reader->Read(&message)) {
      std::lock_guard lock(mu_);
      if (push_messages.empty()) pipeline = message.pipeline();
      records += static_cast<std::uint64_t>(message.records_size());
      push_messages.push_back(message);
    }
    if (pipeline == "missing") return grpc::Status(grpc::StatusCode::NOT_FOUND, "pipeline missing not found");
    response->set_records(records);
    v1::Run& run = *response->mutable_run();
    run.set_run_id("run-00000000000000bb");
    run.set_pipeline(pipeline);
    run.set_status(push_outcome);
    if (push_outcome == v1::RUN_STATUS_FAILED) {
      run.mutable_error()->set_code("INVALID_ARGUMENT");
      run.mutable_error()->set_message("record 2: not a JSON object");
    }
    return grpc::Status::OK;
  }

  grpc::Status AlterContract(grpc::ServerContext* context, const v1::AlterContractRequest* request,
                             v1::GetContractResponse* response) override {
    Record(*context);
    std::lock_guard lock(mu_);
    alter_contract_requests.push_back(*request);
    response->set_pipeline(request->pipeline());
    if (!request->clear()) *response->mutable_pipeline_override() = request->contract();
    return grpc::Status::OK;
  }

 private:
  void Record(grpc::ServerContext& context) {
    std::lock_guard lock(mu_);
    const auto& metadata = context.client_metadata();
    const auto it = metadata.find("authorization");
    authorizations.push_back(it == metadata.end() ? "" : std::string(it->second.data(), it->second.size()));
    // No deadline reads as the far future.
    had_deadline.push_back(context.deadline() < std::chrono::system_clock::now() + std::chrono::hours(24));
  }

  std::mutex mu_;
};

}  // namespace ingestd::client::testing
