// The Control service in process, behind a real gRPC server on 127.0.0.1
// and a real client: a SQLite catalog, the run manager, the scheduler and
// bearer tokens as the daemon wires them, with files and push pipelines
// loading into SQLite.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>

#include "core/catalog/catalog.hpp"
#include "ingestd/v1/control.grpc.pb.h"
#include "server/auth/token_store.hpp"
#include "server/daemon/daemon_context.hpp"
#include "server/rpc/control_service.hpp"
#include "server/runs/run_manager.hpp"
#include "server/scheduler/scheduler.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd {
namespace {

namespace fs = std::filesystem;
namespace v1 = ingestd::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kReadToken[] = "read-token-0123456789";
constexpr char kOperateToken[] = "operate-token-0123456789";
constexpr char kAdminToken[] = "admin-token-0123456789";

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class ControlServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    fs::create_directories(data_dir_);
    auto catalog = catalog::OpenSqliteCatalog(data_dir_ + "/catalog.sqlite");
    ASSERT_TRUE(catalog.ok()) << catalog.error().message();
    catalog_ = std::move(catalog).value();

    io_thread_ = std::thread([this] { io_.run(); });
    runs::RunManagerOptions options;
    options.data_dir = data_dir_;
    options.owner = "control-service-test";
    options.max_concurrent_runs = 2;
    // No throttling: how many progress events a run emits then depends on
    // its data (one per 1000 extracted items), not on the machine's speed.
    options.progress_interval_seconds = 0;
    options.now = WallNow;
    runs_ = std::make_unique<runs::RunManager>(*catalog_, io_, pool_, nullptr, options);
    scheduler_ = std::make_unique<scheduler::Scheduler>(*catalog_, *runs_, io_, pool_, WallNow);
    ASSERT_TRUE(scheduler_->Start().ok());

    auto tokens = auth::TokenStore::FromJson(std::string(R"({"tokens": [)") +
                                             R"({"name": "reader", "role": "read", "token": ")" + kReadToken +
                                             R"("}, {"name": "airflow", "role": "operate", "token": ")" +
                                             kOperateToken + R"("}, {"name": "ops", "role": "admin", "token": ")" +
                                             kAdminToken + R"("}]})");
    ASSERT_TRUE(tokens.ok()) << tokens.error().message();
    tokens_ = std::make_unique<auth::TokenStore>(std::move(tokens).value());

    ctx_.version = "0.1.0-test";
    ctx_.data_dir = data_dir_;
    ctx_.catalog = catalog_.get();
    ctx_.runs = runs_.get();
    ctx_.scheduler = scheduler_.get();
    ctx_.tokens = tokens_.get();
    ctx_.io = &io_;
    ctx_.blocking = &pool_;
    ctx_.now = WallNow;
    ctx_.max_record_bytes = 1 << 20;
    service_ = std::make_unique<rpc::ControlService>(ctx_);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
    stub_ = v1::Control::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (scheduler_) scheduler_->Stop();
    if (runs_) runs_->BeginShutdown();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    if (runs_) runs_->WaitIdle(30);
    pool_.join();
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  /// A client context with a bearer token (none when empty) and a deadline.
  static std::unique_ptr<grpc::ClientContext> Call(const std::string& token, int seconds = 60) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    return context;
  }

  void Write(const std::string& name, const std::string& content) { std::ofstream(dir_.path() + "/" + name) << content; }

  /// A files → SQLite spec reading `<dir>/<file>`.
  std::string FilesSpec(const std::string& name, const std::string& file) const {
    return R"({"name": ")" + name + R"(", "destination": {"kind": "sqlite", "path": ")" + dir_.path() + "/" + name +
           R"(.sqlite"}, "resources": [{"name": "items", "source": {"kind": "files", "paths": [")" + dir_.path() +
           "/" + file + R"("]}}]})";
  }

  std::string PushSpec(const std::string& name) const {
    return R"({"name": ")" + name + R"(", "destination": {"kind": "sqlite", "path": ")" + dir_.path() + "/" + name +
           R"(.sqlite"}, "resources": [{"name": "events", "source": {"kind": "push"}}]})";
  }

  grpc::Status Apply(const std::string& spec, v1::ApplyPipelineResponse* response = nullptr, bool dry_run = false) {
    v1::ApplyPipelineRequest request;
    request.set_spec_json(spec);
    request.set_dry_run(dry_run);
    v1::ApplyPipelineResponse ignored;
    return stub_->ApplyPipeline(Call(kAdminToken).get(), request, response != nullptr ? response : &ignored);
  }

  v1::Run StartRun(const std::string& pipeline, const std::string& key = "") {
    v1::StartRunRequest request;
    request.set_pipeline(pipeline);
    request.set_idempotency_key(key);
    v1::StartRunResponse response;
    grpc::Status status = stub_->StartRun(Call(kOperateToken).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.run();
  }

  /// Polls GetRun until the run is finished.
  v1::Run WaitFinished(const std::string& run_id, int seconds = 120) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    v1::Run run;
    while (std::chrono::steady_clock::now() < until) {
      v1::GetRunRequest request;
      request.set_run_id(run_id);
      run.Clear();
      grpc::Status status = stub_->GetRun(Call(kReadToken).get(), request, &run);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (run.status() == v1::RUN_STATUS_SUCCEEDED || run.status() == v1::RUN_STATUS_FAILED ||
          run.status() == v1::RUN_STATUS_CANCELLED) {
        return run;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "run " << run_id << " did not finish within " << seconds << " s";
    return run;
  }

  /// Reads a whole WatchRun stream.
  grpc::Status Watch(const std::string& run_id, std::vector<v1::RunEvent>* events, std::int64_t after = 0) {
    v1::WatchRunRequest request;
    request.set_run_id(run_id);
    request.set_after_sequence(after);
    auto context = Call(kReadToken);
    auto reader = stub_->WatchRun(context.get(), request);
    v1::RunEvent event;
    while (reader->Read(&event)) events->push_back(event);
    return reader->Finish();
  }

  long SqliteScalar(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    long v = -1;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
  }

  std::size_t StagedPushFiles() const {
    std::size_t n = 0;
    std::error_code ec;
    if (!fs::exists(data_dir_ + "/push", ec)) return 0;
    for (const auto& entry : fs::directory_iterator(data_dir_ + "/push", ec)) n += entry.is_regular_file() ? 1 : 0;
    return n;
  }

  testing::TempDir dir_{"control_service"};
  std::string data_dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread io_thread_;
  boost::asio::thread_pool pool_{4};
  std::unique_ptr<runs::RunManager> runs_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<auth::TokenStore> tokens_;
  daemon::DaemonContext ctx_;
  std::unique_ptr<rpc::ControlService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

TEST_F(ControlServiceTest, TokensAndRoles) {
  v1::GetVersionRequest request;
  v1::GetVersionResponse version;
  EXPECT_EQ(stub_->GetVersion(Call("").get(), request, &version).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_->GetVersion(Call("not-a-token").get(), request, &version).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  grpc::Status ok = stub_->GetVersion(Call(kReadToken).get(), request, &version);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(version.version(), "0.1.0-test");
  EXPECT_EQ(version.schema_engine_version(), 11u);

  v1::StartRunRequest start;
  start.set_pipeline("p");
  v1::StartRunResponse started;
  grpc::Status denied = stub_->StartRun(Call(kReadToken).get(), start, &started);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED) << denied.error_message();
  EXPECT_THAT(denied.error_message(), Not(HasSubstr(kReadToken)));

  v1::ApplyPipelineRequest apply;
  apply.set_spec_json(FilesSpec("p", "items.jsonl"));
  v1::ApplyPipelineResponse applied;
  EXPECT_EQ(stub_->ApplyPipeline(Call(kOperateToken).get(), apply, &applied).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Streams check the token too.
  std::vector<v1::RunEvent> events;
  v1::WatchRunRequest watch;
  watch.set_run_id("run-0000000000000000");
  auto context = Call("");
  auto reader = stub_->WatchRun(context.get(), watch);
  v1::RunEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ControlServiceTest, ApplyRefusesABadSpecWithItsJsonPath) {
  grpc::Status missing = Apply("");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(missing.error_message(), "spec_json: required");

  grpc::Status bad = Apply(R"({"name": "p", "resources": [{"name": "a", "write_disposition": "upsert",
      "source": {"kind": "files", "paths": ["x.jsonl"]}}]})");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), StartsWith("spec_json: resources[0].write_disposition"));

  grpc::Status not_json = Apply("{\"name\": ");
  EXPECT_EQ(not_json.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(not_json.error_message(), StartsWith("spec_json: "));

  v1::ListPipelinesResponse list;
  ASSERT_TRUE(stub_->ListPipelines(Call(kReadToken).get(), v1::ListPipelinesRequest(), &list).ok());
  EXPECT_EQ(list.pipelines_size(), 0) << "nothing was stored";
}

TEST_F(ControlServiceTest, ApplyGetListAndPages) {
  v1::ApplyPipelineResponse applied;
  ASSERT_TRUE(Apply(FilesSpec("p_b", "b.jsonl"), &applied).ok());
  EXPECT_TRUE(applied.created());
  EXPECT_TRUE(applied.changed());
  EXPECT_EQ(applied.pipeline().version(), 1);
  EXPECT_EQ(applied.pipeline().destination(), "sqlite");
  EXPECT_EQ(applied.pipeline().dataset_name(), "p_b_dataset");
  ASSERT_EQ(applied.pipeline().resources_size(), 1);
  EXPECT_EQ(applied.pipeline().resources(0), "items");
  EXPECT_FALSE(applied.pipeline().has_last_run());

  // The same spec formatted differently is a no-op; a change bumps the version.
  std::string spaced = FilesSpec("p_b", "b.jsonl");
  spaced.insert(1, "\n   ");
  ASSERT_TRUE(Apply(spaced, &applied).ok());
  EXPECT_FALSE(applied.created());
  EXPECT_FALSE(applied.changed());
  EXPECT_EQ(applied.pipeline().version(), 1);
  ASSERT_TRUE(Apply(FilesSpec("p_b", "b2.jsonl"), &applied).ok());
  EXPECT_TRUE(applied.changed());
  EXPECT_EQ(applied.pipeline().version(), 2);

  // Dry runs store nothing.
  ASSERT_TRUE(Apply(FilesSpec("p_d", "d.jsonl"), &applied, /*dry_run=*/true).ok());
  EXPECT_TRUE(applied.created());
  v1::GetPipelineRequest get;
  get.set_name("p_d");
  v1::Pipeline pipeline;
  EXPECT_EQ(stub_->GetPipeline(Call(kReadToken).get(), get, &pipeline).error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(Apply(FilesSpec("p_a", "a.jsonl")).ok());
  ASSERT_TRUE(Apply(FilesSpec("p_c", "c.jsonl")).ok());

  get.set_name("p_b");
  ASSERT_TRUE(stub_->GetPipeline(Call(kReadToken).get(), get, &pipeline).ok());
  EXPECT_EQ(pipeline.version(), 2);
  EXPECT_THAT(pipeline.spec_json(), HasSubstr("b2.jsonl"));
  EXPECT_EQ(pipeline.spec_json().find('\n'), std::string::npos) << "stored in canonical (compact) form";

  v1::ListPipelinesRequest list;
  list.set_page_size(2);
  v1::ListPipelinesResponse page1;
  ASSERT_TRUE(stub_->ListPipelines(Call(kReadToken).get(), list, &page1).ok());
  ASSERT_EQ(page1.pipelines_size(), 2);
  EXPECT_EQ(page1.pipelines(0).name(), "p_a");
  EXPECT_EQ(page1.pipelines(1).name(), "p_b");
  EXPECT_EQ(page1.pipelines(0).spec_json(), "") << "lists leave specs out";
  ASSERT_FALSE(page1.next_page_token().empty());

  list.set_page_token(page1.next_page_token());
  v1::ListPipelinesResponse page2;
  ASSERT_TRUE(stub_->ListPipelines(Call(kReadToken).get(), list, &page2).ok());
  ASSERT_EQ(page2.pipelines_size(), 1);
  EXPECT_EQ(page2.pipelines(0).name(), "p_c");
  EXPECT_EQ(page2.next_page_token(), "");

  list.set_page_token("no-such-token");
  v1::ListPipelinesResponse bad;
  grpc::Status bad_token = stub_->ListPipelines(Call(kReadToken).get(), list, &bad);
  EXPECT_EQ(bad_token.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_token.error_message(), StartsWith("page_token: "));

  // Pause and resume are idempotent and show in the pipeline.
  v1::PausePipelineRequest pause;
  pause.set_name("p_a");
  ASSERT_TRUE(stub_->PausePipeline(Call(kOperateToken).get(), pause, &pipeline).ok());
  EXPECT_TRUE(pipeline.paused());
  ASSERT_TRUE(stub_->PausePipeline(Call(kOperateToken).get(), pause, &pipeline).ok());
  v1::StartRunRequest start;
  start.set_pipeline("p_a");
  v1::StartRunResponse started;
  EXPECT_EQ(stub_->StartRun(Call(kOperateToken).get(), start, &started).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::ResumePipelineRequest resume;
  resume.set_name("p_a");
  ASSERT_TRUE(stub_->ResumePipeline(Call(kOperateToken).get(), resume, &pipeline).ok());
  EXPECT_FALSE(pipeline.paused());

  v1::DeletePipelineRequest del;
  del.set_name("p_c");
  v1::DeletePipelineResponse deleted;
  ASSERT_TRUE(stub_->DeletePipeline(Call(kAdminToken).get(), del, &deleted).ok());
  get.set_name("p_c");
  EXPECT_EQ(stub_->GetPipeline(Call(kReadToken).get(), get, &pipeline).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ControlServiceTest, UnknownThingsAreNotFoundAndMissingFieldsInvalid) {
  v1::GetPipelineRequest get;
  get.set_name("nope");
  v1::Pipeline pipeline;
  grpc::Status unknown = stub_->GetPipeline(Call(kReadToken).get(), get, &pipeline);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);

  get.set_name("");
  grpc::Status missing = stub_->GetPipeline(Call(kReadToken).get(), get, &pipeline);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(missing.error_message(), "name: required");

  v1::StartRunRequest start;
  start.set_pipeline("nope");
  v1::StartRunResponse started;
  EXPECT_EQ(stub_->StartRun(Call(kOperateToken).get(), start, &started).error_code(), grpc::StatusCode::NOT_FOUND);

  v1::GetRunRequest get_run;
  get_run.set_run_id("run-ffffffffffffffff");
  v1::Run run;
  EXPECT_EQ(stub_->GetRun(Call(kReadToken).get(), get_run, &run).error_code(), grpc::StatusCode::NOT_FOUND);

  std::vector<v1::RunEvent> events;
  grpc::Status watch = Watch("run-ffffffffffffffff", &events);
  EXPECT_EQ(watch.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(events.empty());

  v1::GetSchemaRequest schema;
  schema.set_pipeline("nope");
  v1::Schema schema_out;
  EXPECT_EQ(stub_->GetSchema(Call(kReadToken).get(), schema, &schema_out).error_code(), grpc::StatusCode::NOT_FOUND);

  // A pipeline that never ran has no schema yet.
  ASSERT_TRUE(Apply(FilesSpec("fresh", "x.jsonl")).ok());
  schema.set_pipeline("fresh");
  grpc::Status no_schema = stub_->GetSchema(Call(kReadToken).get(), schema, &schema_out);
  EXPECT_EQ(no_schema.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(no_schema.error_message(), "pipeline fresh has no schema yet: it has not run");
}

TEST_F(ControlServiceTest, WatchRunStreamsAFilesRunToTheEnd) {
  std::string rows;
  for (int i = 0; i < 50; ++i) rows += "{\"id\": " + std::to_string(i) + ", \"name\": \"n" + std::to_string(i) + "\"}\n";
  Write("items.jsonl", rows);
  ASSERT_TRUE(Apply(FilesSpec("files_p", "items.jsonl")).ok());
  v1::Run run = StartRun("files_p");
  ASSERT_FALSE(run.run_id().empty());
  EXPECT_EQ(run.trigger(), v1::RUN_TRIGGER_MANUAL);
  EXPECT_EQ(run.requested_by(), "airflow");

  std::vector<v1::RunEvent> events;
  grpc::Status status = Watch(run.run_id(), &events);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(events.empty());
  for (std::size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
  const v1::RunEvent& last = events.back();
  ASSERT_EQ(last.event_case(), v1::RunEvent::kFinished);
  EXPECT_EQ(last.finished().run().status(), v1::RUN_STATUS_SUCCEEDED) << last.finished().run().error().message();
  EXPECT_EQ(last.finished().run().summary().rows_loaded(), 50u);
  EXPECT_EQ(SqliteScalar(dir_.path() + "/files_p.sqlite", "SELECT count(*) FROM items"), 50);

  // Watching again replays the history; after the last sequence only closes.
  std::vector<v1::RunEvent> again;
  ASSERT_TRUE(Watch(run.run_id(), &again).ok());
  EXPECT_EQ(again.back().sequence(), last.sequence());
  std::vector<v1::RunEvent> none;
  ASSERT_TRUE(Watch(run.run_id(), &none, last.sequence()).ok());
  EXPECT_TRUE(none.empty());

  v1::GetRunRequest get_run;
  get_run.set_run_id(run.run_id());
  v1::Run got;
  ASSERT_TRUE(stub_->GetRun(Call(kReadToken).get(), get_run, &got).ok());
  EXPECT_EQ(got.summary().rows_loaded(), 50u);

  v1::ListRunsRequest list;
  list.set_pipeline("files_p");
  v1::ListRunsResponse runs;
  ASSERT_TRUE(stub_->ListRuns(Call(kReadToken).get(), list, &runs).ok());
  ASSERT_EQ(runs.runs_size(), 1);
  EXPECT_EQ(runs.runs(0).run_id(), run.run_id());
  EXPECT_FALSE(runs.runs(0).has_summary());

  v1::GetPipelineRequest get;
  get.set_name("files_p");
  v1::Pipeline pipeline;
  ASSERT_TRUE(stub_->GetPipeline(Call(kReadToken).get(), get, &pipeline).ok());
  EXPECT_EQ(pipeline.last_run().run_id(), run.run_id());
  EXPECT_TRUE(pipeline.has_last_success_at());

  v1::GetSchemaRequest schema_request;
  schema_request.set_pipeline("files_p");
  v1::Schema schema;
  ASSERT_TRUE(stub_->GetSchema(Call(kReadToken).get(), schema_request, &schema).ok());
  EXPECT_GE(schema.version(), 1);
  ASSERT_GT(schema.tables_size(), 0);
  EXPECT_EQ(schema.tables(0).name(), "items");
  EXPECT_FALSE(schema.schema_json().empty());

  v1::ListSchemaVersionsRequest versions_request;
  versions_request.set_pipeline("files_p");
  v1::ListSchemaVersionsResponse versions;
  ASSERT_TRUE(stub_->ListSchemaVersions(Call(kReadToken).get(), versions_request, &versions).ok());
  ASSERT_GE(versions.versions_size(), 1);
  EXPECT_EQ(versions.versions(0).version(), schema.version());

  v1::GetStateRequest state_request;
  state_request.set_pipeline("files_p");
  v1::GetStateResponse state;
  ASSERT_TRUE(stub_->GetState(Call(kReadToken).get(), state_request, &state).ok());
  EXPECT_EQ(state.pipeline(), "files_p");

  v1::GetContractRequest contract_request;
  contract_request.set_pipeline("files_p");
  v1::GetContractResponse contract;
  ASSERT_TRUE(stub_->GetContract(Call(kReadToken).get(), contract_request, &contract).ok());
  ASSERT_EQ(contract.tables_size(), 1);
  EXPECT_EQ(contract.tables(0).table(), "items");

  v1::AlterContractRequest alter;
  alter.set_pipeline("files_p");
  alter.set_table("items");
  alter.mutable_contract()->set_columns("freeze");
  ASSERT_TRUE(stub_->AlterContract(Call(kAdminToken).get(), alter, &contract).ok());
  EXPECT_EQ(contract.tables(0).effective().columns(), "freeze");
  ASSERT_EQ(contract.history_size(), 1);
  EXPECT_EQ(contract.history(0).changed_by(), "ops");
  alter.set_table("orders");
  grpc::Status bad_table = stub_->AlterContract(Call(kAdminToken).get(), alter, &contract);
  EXPECT_EQ(bad_table.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_table.error_message(), StartsWith("table: "));
  alter.set_table("items");
  alter.mutable_contract()->set_columns("melt");
  grpc::Status bad_mode = stub_->AlterContract(Call(kAdminToken).get(), alter, &contract);
  EXPECT_EQ(bad_mode.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_mode.error_message(), StartsWith("contract.columns: "));
}

TEST_F(ControlServiceTest, StartRunIdempotencyKey) {
  Write("k.jsonl", "{\"id\": 1}\n");
  ASSERT_TRUE(Apply(FilesSpec("keyed", "k.jsonl")).ok());
  v1::StartRunRequest request;
  request.set_pipeline("keyed");
  request.set_idempotency_key("dag-1/2026-01-01");
  v1::StartRunResponse first;
  ASSERT_TRUE(stub_->StartRun(Call(kOperateToken).get(), request, &first).ok());
  EXPECT_TRUE(first.created());
  v1::StartRunResponse second;
  ASSERT_TRUE(stub_->StartRun(Call(kOperateToken).get(), request, &second).ok());
  EXPECT_FALSE(second.created());
  EXPECT_EQ(second.run().run_id(), first.run().run_id());
  WaitFinished(first.run().run_id());

  request.set_idempotency_key(std::string(201, 'k'));
  grpc::Status too_long = stub_->StartRun(Call(kOperateToken).get(), request, &second);
  EXPECT_EQ(too_long.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_long.error_message(), StartsWith("idempotency_key: "));
}

TEST_F(ControlServiceTest, PushedRecordsLandInSqlite) {
  ASSERT_TRUE(Apply(PushSpec("pushed")).ok());
  auto push = [&](const std::string& key, int first_id, int count, v1::PushRecordsResponse* response) {
    auto context = Call(kOperateToken);
    auto writer = stub_->PushRecords(context.get(), response);
    v1::PushRecordsRequest message;
    message.set_pipeline("pushed");
    message.set_idempotency_key(key);
    for (int i = first_id; i < first_id + count; ++i) {
      message.add_records("{\"id\": " + std::to_string(i) + ", \"kind\": \"click\"}");
      if (message.records_size() == 10) {
        EXPECT_TRUE(writer->Write(message));
        message.Clear();
      }
    }
    if (message.records_size() > 0) {
      EXPECT_TRUE(writer->Write(message));
    }
    writer->WritesDone();
    return writer->Finish();
  };

  v1::PushRecordsResponse response;
  grpc::Status status = push("batch-1", 0, 25, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.records(), 25u);
  EXPECT_EQ(response.run().status(), v1::RUN_STATUS_SUCCEEDED) << response.run().error().message();
  EXPECT_EQ(response.run().trigger(), v1::RUN_TRIGGER_PUSH);
  const std::string db = dir_.path() + "/pushed.sqlite";
  EXPECT_EQ(SqliteScalar(db, "SELECT count(*) FROM events"), 25);

  // The same key again answers with the first run and loads nothing.
  v1::PushRecordsResponse again;
  status = push("batch-1", 100, 5, &again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.run().run_id(), response.run().run_id());
  EXPECT_EQ(SqliteScalar(db, "SELECT count(*) FROM events"), 25);
  EXPECT_EQ(StagedPushFiles(), 0u);

  // A record that is not an object fails the stream; nothing of it loads.
  {
    auto context = Call(kOperateToken);
    v1::PushRecordsResponse failed;
    auto writer = stub_->PushRecords(context.get(), &failed);
    v1::PushRecordsRequest message;
    message.set_pipeline("pushed");
    message.add_records("{\"id\": 1000}");
    message.add_records("[1, 2]");
    writer->Write(message);
    writer->WritesDone();
    grpc::Status bad = writer->Finish();
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(bad.error_message(), "records[1] of message 0: expected a JSON object, got an array");
  }
  EXPECT_EQ(SqliteScalar(db, "SELECT count(*) FROM events"), 25);
  EXPECT_EQ(StagedPushFiles(), 0u);

  // The first message must name the pipeline; a pipeline without a push resource is refused.
  {
    auto context = Call(kOperateToken);
    v1::PushRecordsResponse failed;
    auto writer = stub_->PushRecords(context.get(), &failed);
    v1::PushRecordsRequest message;
    message.add_records("{}");
    writer->Write(message);
    writer->WritesDone();
    grpc::Status bad = writer->Finish();
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(bad.error_message(), StartsWith("pipeline: required"));
  }
  ASSERT_TRUE(Apply(FilesSpec("no_push", "x.jsonl")).ok());
  {
    auto context = Call(kOperateToken);
    v1::PushRecordsResponse failed;
    auto writer = stub_->PushRecords(context.get(), &failed);
    v1::PushRecordsRequest message;
    message.set_pipeline("no_push");
    writer->Write(message);
    writer->WritesDone();
    grpc::Status bad = writer->Finish();
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(bad.error_message(), HasSubstr("pipeline no_push has no push resource"));
  }
  EXPECT_EQ(StagedPushFiles(), 0u);
}

TEST_F(ControlServiceTest, AWatcherThatNeverReadsHoldsNothingUp) {
  // Enough rows for many progress events (300 from extraction alone).
  std::string rows;
  rows.reserve(300000 * 40);
  for (int i = 0; i < 300000; ++i) {
    rows += "{\"id\": " + std::to_string(i) + ", \"payload\": \"some text to widen\"}\n";
  }
  Write("big.jsonl", rows);
  ASSERT_TRUE(Apply(FilesSpec("big", "big.jsonl")).ok());
  v1::Run run = StartRun("big");

  // A client with a tiny receive window that never reads.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  auto stalled_stub =
      v1::Control::NewStub(grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
  auto stalled_context = Call(kReadToken, 300);
  v1::WatchRunRequest watch;
  watch.set_run_id(run.run_id());
  auto stalled = stalled_stub->WatchRun(stalled_context.get(), watch);

  // The run finishes and the daemon answers while the watcher sits there.
  v1::Run finished = WaitFinished(run.run_id(), 300);
  EXPECT_EQ(finished.status(), v1::RUN_STATUS_SUCCEEDED) << finished.error().message();
  v1::GetVersionResponse version;
  EXPECT_TRUE(stub_->GetVersion(Call(kReadToken).get(), v1::GetVersionRequest(), &version).ok());
  std::vector<v1::RunEvent> all;
  ASSERT_TRUE(Watch(run.run_id(), &all).ok());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().event_case(), v1::RunEvent::kFinished);
  // More events than one batch, and far more than the stalled client's
  // 1 KiB window holds (it stops taking writes after about 15 events).
  EXPECT_GT(all.back().sequence(), 150) << "the run emitted too few events to stall a watcher";

  // The stalled stream resumes where it stood and ends with RunFinished.
  v1::RunEvent event;
  std::int64_t last = 0;
  bool saw_finished = false;
  while (stalled->Read(&event)) {
    EXPECT_GT(event.sequence(), last);
    last = event.sequence();
    saw_finished = event.event_case() == v1::RunEvent::kFinished;
  }
  grpc::Status end = stalled->Finish();
  EXPECT_TRUE(end.ok()) << end.error_message();
  EXPECT_TRUE(saw_finished);
  EXPECT_EQ(last, all.back().sequence());

  // And a watcher that goes away mid-stream is let go.
  auto cancelled_context = Call(kReadToken);
  auto cancelled = stalled_stub->WatchRun(cancelled_context.get(), watch);
  ASSERT_TRUE(cancelled->Read(&event));
  cancelled_context->TryCancel();
  while (cancelled->Read(&event)) {
  }
  EXPECT_EQ(cancelled->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace ingestd
