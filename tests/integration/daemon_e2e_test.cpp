// End-to-end tests of `ingestd serve`: the real daemon process on loopback
// ports, driven over gRPC by a C++ client (and by ingestctl in
// ingestctl_e2e_test.cpp). Destinations are SQLite files in the test's
// temporary directory; slow sources are a real HTTP server.

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd {
namespace {

namespace fs = std::filesystem;
namespace v1 = ingestd::v1;
using ::testing::HasSubstr;
using testing::AuthContext;
using testing::DaemonProcess;
using testing::TestHttpRequest;
using testing::TestHttpResponse;
using testing::TestHttpServer;

constexpr const char* kAdmin = "admin-secret-token";
constexpr const char* kOperator = "operate-secret-token";
constexpr const char* kReader = "read-secret-token";

std::int64_t SqliteScalar(const std::string& path, const std::string& sql) {
  std::int64_t v = -1;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return v;
}

// Issue-shaped records with ids first_id.. and a cursor per record.
std::string Issues(int first_id, int count, const std::string& extra = "") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const int id = first_id + i;
    // The cursor grows with the id, so later batches pass the incremental filter.
    char updated_at[32];
    std::snprintf(updated_at, sizeof updated_at, "2024-01-01T%02d:%02d:%02dZ", id / 3600 % 24, id / 60 % 60, id % 60);
    out += "{\"id\": " + std::to_string(id) + ", \"title\": \"issue " + std::to_string(id) +
           "\", \"updated_at\": \"" + updated_at + "\", \"labels\": [{\"name\": \"bug\"}, {\"name\": \"p" + std::to_string(i % 3) + "\"}]" + extra + "}\n";
  }
  return out;
}

// For ASSERT_TRUE(Ok(call)): failures show the status code and message.
::testing::AssertionResult Ok(const grpc::Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "status " << s.error_code() << ": " << s.error_message();
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteAll(Path("tokens.json"),
                      std::string(R"({"tokens": [)") + R"({"name": "admin", "role": "admin", "token": ")" + kAdmin +
                          R"("}, {"name": "airflow", "role": "operate", "token": ")" + kOperator +
                          R"("}, {"name": "grafana", "role": "read", "token": ")" + kReader + R"("}]})");
    ASSERT_TRUE(StartDaemon()) << daemon_.log();
  }

  bool StartDaemon(std::vector<std::string> environment = {}, std::vector<std::string> extra = {}) {
    DaemonProcess::Options options;
    options.binary = INGESTD_BINARY;
    options.data_dir = Path("data");
    options.tokens_file = Path("tokens.json");
    options.environment = std::move(environment);
    options.extra_args = std::move(extra);
    if (!daemon_.Start(options)) return false;
    stub_ = daemon_.NewStub();
    return true;
  }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string Sqlite(const std::string& pipeline) const { return Path("data/" + pipeline + ".sqlite"); }

  // A files → SQLite pipeline over `file` (JSON Lines).
  std::string FilesSpec(const std::string& name, const std::string& file, const std::string& disposition = "merge",
                        const std::string& more = "") {
    return R"({"name": ")" + name + R"(", "resources": [{"name": "issues", "primary_key": "id",
        "write_disposition": ")" + disposition + R"(",
        "incremental": {"cursor_path": "updated_at", "initial_value": "2020-01-01T00:00:00Z"},
        "source": {"kind": "files", "paths": [")" + Path(file) + R"("]}})" + more + "]}";
  }

  v1::ApplyPipelineResponse Apply(const std::string& spec) {
    v1::ApplyPipelineRequest request;
    request.set_spec_json(spec);
    v1::ApplyPipelineResponse response;
    grpc::Status s = stub_->ApplyPipeline(AuthContext(kAdmin).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  grpc::Status StartRun(const std::string& pipeline, v1::StartRunResponse& response, const std::string& key = "",
                        const std::string& token = kOperator) {
    v1::StartRunRequest request;
    request.set_pipeline(pipeline);
    request.set_idempotency_key(key);
    return stub_->StartRun(AuthContext(token).get(), request, &response);
  }

  std::string Start(const std::string& pipeline) {
    v1::StartRunResponse response;
    grpc::Status s = StartRun(pipeline, response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.run().run_id();
  }

  // Every event of the run until RunFinished.
  std::vector<v1::RunEvent> Watch(const std::string& run_id, double seconds = 120) {
    auto context = AuthContext(kReader, seconds);
    v1::WatchRunRequest request;
    request.set_run_id(run_id);
    auto reader = stub_->WatchRun(context.get(), request);
    std::vector<v1::RunEvent> events;
    v1::RunEvent event;
    while (reader->Read(&event)) events.push_back(event);
    grpc::Status s = reader->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return events;
  }

  v1::Run RunToEnd(const std::string& pipeline) {
    const std::string id = Start(pipeline);
    std::vector<v1::RunEvent> events = Watch(id);
    EXPECT_FALSE(events.empty());
    if (events.empty() || !events.back().has_finished()) return {};
    return events.back().finished().run();
  }

  v1::Run GetRun(const std::string& id) {
    v1::GetRunRequest request;
    request.set_run_id(id);
    v1::Run run;
    grpc::Status s = stub_->GetRun(AuthContext(kReader).get(), request, &run);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return run;
  }

  testing::TempDir dir_{"daemon"};
  DaemonProcess daemon_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

// ---------------------------------------------------------------------------
// Authentication and roles

TEST_F(DaemonTest, CallsWithoutAValidTokenOrRoleAreRefused) {
  v1::ListPipelinesRequest list;
  v1::ListPipelinesResponse listed;
  grpc::Status s = stub_->ListPipelines(AuthContext("").get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  s = stub_->ListPipelines(AuthContext("wrong-token").get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("wrong-token")));
  s = stub_->ListPipelines(AuthContext(kReader).get(), list, &listed);
  EXPECT_TRUE(s.ok()) << s.error_message();

  testing::WriteAll(Path("a.jsonl"), Issues(1, 3));
  v1::ApplyPipelineRequest apply;
  apply.set_spec_json(FilesSpec("authz", "a.jsonl"));
  v1::ApplyPipelineResponse applied;
  s = stub_->ApplyPipeline(AuthContext(kOperator).get(), apply, &applied);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("admin"));
  Apply(FilesSpec("authz", "a.jsonl"));

  v1::StartRunResponse started;
  s = StartRun("authz", started, "", kReader);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("operate"));
  EXPECT_TRUE(Ok(StartRun("authz", started, "", kOperator)));
  EXPECT_EQ(started.run().requested_by(), "airflow");
  // No secret in the daemon's log.
  Watch(started.run().run_id());
  EXPECT_THAT(daemon_.log(), ::testing::Not(HasSubstr(kAdmin)));
  EXPECT_THAT(daemon_.log(), ::testing::Not(HasSubstr(kOperator)));
}

// ---------------------------------------------------------------------------
// Apply, run, watch, schema

TEST_F(DaemonTest, ApplyRunWatchToCompletionAndInspectTheSchema) {
  testing::WriteAll(Path("issues.jsonl"), Issues(1, 500));
  v1::ApplyPipelineResponse applied = Apply(FilesSpec("github", "issues.jsonl"));
  EXPECT_TRUE(applied.created());
  EXPECT_EQ(applied.pipeline().version(), 1);
  // The same spec again: unchanged, same version.
  applied = Apply(FilesSpec("github", "issues.jsonl"));
  EXPECT_FALSE(applied.changed());
  EXPECT_EQ(applied.pipeline().version(), 1);

  const std::string id = Start("github");
  std::vector<v1::RunEvent> events = Watch(id);
  ASSERT_FALSE(events.empty());
  std::vector<std::string> stages;
  std::int64_t last_sequence = 0;
  for (const v1::RunEvent& e : events) {
    EXPECT_GT(e.sequence(), last_sequence) << "sequences increase";
    last_sequence = e.sequence();
    if (e.has_stage_started()) stages.push_back(e.stage_started().stage());
  }
  EXPECT_TRUE(events.front().has_queued());
  EXPECT_THAT(stages, ::testing::ElementsAre("extract", "normalize", "load"));
  ASSERT_TRUE(events.back().has_finished());
  const v1::Run& run = events.back().finished().run();
  EXPECT_EQ(run.status(), v1::RUN_STATUS_SUCCEEDED) << run.error().message();
  EXPECT_EQ(run.summary().items_extracted(), 500u);
  EXPECT_EQ(SqliteScalar(Sqlite("github"), "SELECT count(*) FROM issues"), 500);
  EXPECT_EQ(SqliteScalar(Sqlite("github"), "SELECT count(*) FROM issues__labels"), 1000);

  // A late watcher gets the whole history, ending with RunFinished.
  std::vector<v1::RunEvent> again = Watch(id);
  ASSERT_EQ(again.size(), events.size());
  EXPECT_TRUE(again.back().has_finished());

  v1::GetSchemaRequest schema_request;
  schema_request.set_pipeline("github");
  v1::Schema schema;
  ASSERT_TRUE(Ok(stub_->GetSchema(AuthContext(kReader).get(), schema_request, &schema)));
  const v1::Table* issues = nullptr;
  for (const auto& t : schema.tables()) {
    if (t.name() == "issues") issues = &t;
  }
  ASSERT_NE(issues, nullptr);
  EXPECT_EQ(issues->write_disposition(), "merge");
  bool id_is_key = false;
  for (const auto& c : issues->columns()) {
    if (c.name() == "id") id_is_key = c.primary_key() && c.data_type() == "bigint";
  }
  EXPECT_TRUE(id_is_key);
  EXPECT_THAT(schema.schema_json(), HasSubstr("\"issues__labels\""));

  v1::ListRunsRequest list;
  list.set_pipeline("github");
  v1::ListRunsResponse runs;
  ASSERT_TRUE(Ok(stub_->ListRuns(AuthContext(kReader).get(), list, &runs)));
  ASSERT_EQ(runs.runs_size(), 1);
  EXPECT_EQ(runs.runs(0).run_id(), id);

  // A new column appears: a new schema version, and a diff that names it.
  testing::WriteAll(Path("issues.jsonl"), Issues(501, 10, ", \"milestone\": \"v2\""));
  EXPECT_EQ(RunToEnd("github").status(), v1::RUN_STATUS_SUCCEEDED);
  v1::DiffSchemasRequest diff_request;
  diff_request.set_pipeline("github");
  v1::DiffSchemasResponse diff;
  ASSERT_TRUE(Ok(stub_->DiffSchemas(AuthContext(kReader).get(), diff_request, &diff)));
  bool milestone_added = false;
  for (const auto& c : diff.changes()) {
    milestone_added |= c.kind() == v1::SchemaChange::COLUMN_ADDED && c.table() == "issues" && c.column() == "milestone";
  }
  EXPECT_TRUE(milestone_added) << diff.DebugString();
}

// ---------------------------------------------------------------------------
// Bad requests: the right status, the daemon unharmed

TEST_F(DaemonTest, BadRequestsGetTheRightStatusAndTheDaemonCarriesOn) {
  v1::ApplyPipelineRequest apply;
  v1::ApplyPipelineResponse applied;
  apply.set_spec_json(R"({"name": "bad", "resources": [{"name": "r", "write_disposition": "upsert",
                          "source": {"kind": "files", "paths": ["x"]}}]})");
  grpc::Status s = stub_->ApplyPipeline(AuthContext(kAdmin).get(), apply, &applied);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("resources[0].write_disposition"));
  apply.set_spec_json("{not json");
  s = stub_->ApplyPipeline(AuthContext(kAdmin).get(), apply, &applied);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::StartRunResponse started;
  s = StartRun("", started);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("pipeline"));
  s = StartRun("no_such_pipeline", started);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("no_such_pipeline"));

  v1::GetRunRequest get;
  get.set_run_id("run-0000000000000000");
  v1::Run run;
  EXPECT_EQ(stub_->GetRun(AuthContext(kReader).get(), get, &run).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::WatchRunRequest watch;
  watch.set_run_id("run-0000000000000000");
  auto context = AuthContext(kReader);
  auto reader = stub_->WatchRun(context.get(), watch);
  v1::RunEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  // Larger than the daemon's 4 MiB message limit.
  apply.set_spec_json(std::string(5 << 20, ' ') + "{}");
  s = stub_->ApplyPipeline(AuthContext(kAdmin).get(), apply, &applied);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  // Still serving.
  v1::GetVersionRequest version_request;
  v1::GetVersionResponse version;
  ASSERT_TRUE(Ok(stub_->GetVersion(AuthContext(kReader).get(), version_request, &version)));
  EXPECT_EQ(version.schema_engine_version(), 11u);
}

// The standard health service answers SERVING (grpc.health.v1, called with
// a generic stub: the request is an empty message, the response field 1 is
// the status enum, SERVING = 1).
TEST_F(DaemonTest, StandardHealthServiceReportsServing) {
  auto channel = grpc::CreateChannel(daemon_.grpc_address(), grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::ByteBuffer request;  // empty HealthCheckRequest
  grpc::Slice empty("", 0);
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(s); });
  grpc::Status s = done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// ---------------------------------------------------------------------------
// Contracts

TEST_F(DaemonTest, AFrozenContractStopsTheNextRunThatWouldAddAColumn) {
  testing::WriteAll(Path("c.jsonl"), Issues(1, 20));
  Apply(FilesSpec("contracts", "c.jsonl"));
  ASSERT_EQ(RunToEnd("contracts").status(), v1::RUN_STATUS_SUCCEEDED);

  v1::AlterContractRequest alter;
  alter.set_pipeline("contracts");
  alter.mutable_contract()->set_columns("sideways");
  v1::GetContractResponse contract;
  grpc::Status s = stub_->AlterContract(AuthContext(kAdmin).get(), alter, &contract);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("freeze"));
  alter.mutable_contract()->set_columns("freeze");
  alter.set_table("issues");
  ASSERT_TRUE(Ok(stub_->AlterContract(AuthContext(kAdmin).get(), alter, &contract)));
  ASSERT_EQ(contract.history_size(), 1);
  EXPECT_EQ(contract.history(0).changed_by(), "admin");
  ASSERT_EQ(contract.tables_size(), 1);
  EXPECT_EQ(contract.tables(0).effective().columns(), "freeze");

  testing::WriteAll(Path("c.jsonl"), Issues(100, 5, ", \"severity\": \"high\""));
  v1::Run frozen = RunToEnd("contracts");
  EXPECT_EQ(frozen.status(), v1::RUN_STATUS_FAILED);
  EXPECT_THAT(frozen.error().message(), HasSubstr("severity"));
  EXPECT_EQ(SqliteScalar(Sqlite("contracts"), "SELECT count(*) FROM issues"), 20) << "nothing of it was loaded";

  // Clearing the override restores evolve: the same data loads.
  alter.set_clear(true);
  ASSERT_TRUE(Ok(stub_->AlterContract(AuthContext(kAdmin).get(), alter, &contract)));
  v1::Run evolved = RunToEnd("contracts");
  EXPECT_EQ(evolved.status(), v1::RUN_STATUS_SUCCEEDED) << evolved.error().message();
  EXPECT_EQ(SqliteScalar(Sqlite("contracts"), "SELECT count(*) FROM issues WHERE severity = 'high'"), 5);
}

// ---------------------------------------------------------------------------
// State

TEST_F(DaemonTest, ResetStateReBackfillsFromTheInitialValue) {
  testing::WriteAll(Path("s.jsonl"), Issues(1, 30));
  Apply(FilesSpec("backfill", "s.jsonl", "append"));
  ASSERT_EQ(RunToEnd("backfill").status(), v1::RUN_STATUS_SUCCEEDED);
  ASSERT_EQ(RunToEnd("backfill").status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(SqliteScalar(Sqlite("backfill"), "SELECT count(*) FROM issues"), 30)
      << "the second run's incremental cursor skipped what the first loaded";

  v1::GetStateRequest get;
  get.set_pipeline("backfill");
  v1::GetStateResponse state;
  ASSERT_TRUE(Ok(stub_->GetState(AuthContext(kReader).get(), get, &state)));
  EXPECT_THAT(state.state_json(), HasSubstr("last_value"));

  v1::ResetStateRequest reset;
  reset.set_pipeline("backfill");
  reset.set_resource("nope");
  grpc::Status unknown = stub_->ResetState(AuthContext(kAdmin).get(), reset, &state);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unknown.error_message(), HasSubstr("nope"));
  reset.set_resource("issues");
  EXPECT_EQ(stub_->ResetState(AuthContext(kOperator).get(), reset, &state).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Ok(stub_->ResetState(AuthContext(kAdmin).get(), reset, &state)));
  EXPECT_THAT(state.state_json(), ::testing::Not(HasSubstr("last_value")));

  ASSERT_EQ(RunToEnd("backfill").status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(SqliteScalar(Sqlite("backfill"), "SELECT count(*) FROM issues"), 60) << "re-backfilled";
}

// ---------------------------------------------------------------------------
// Push

TEST_F(DaemonTest, PushedRecordsAreLoadedAsOnePackage) {
  Apply(R"({"name": "pushed", "resources": [{"name": "events", "primary_key": "id",
            "write_disposition": "merge", "source": {"kind": "push"}}]})");
  auto context = AuthContext(kOperator);
  v1::PushRecordsResponse response;
  auto writer = stub_->PushRecords(context.get(), &response);
  v1::PushRecordsRequest message;
  message.set_pipeline("pushed");
  int id = 0;
  for (int batch = 0; batch < 20; ++batch) {
    for (int i = 0; i < 100; ++i, ++id) {
      message.add_records("{\"id\": " + std::to_string(id) + ", \"payload\": {\"n\": " + std::to_string(i) + "}}");
    }
    ASSERT_TRUE(writer->Write(message));
    message.Clear();
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.records(), 2000u);
  EXPECT_EQ(response.run().status(), v1::RUN_STATUS_SUCCEEDED) << response.run().error().message();
  EXPECT_EQ(response.run().trigger(), v1::RUN_TRIGGER_PUSH);
  EXPECT_EQ(SqliteScalar(Sqlite("pushed"), "SELECT count(*) FROM events"), 2000);
  EXPECT_EQ(SqliteScalar(Sqlite("pushed"), "SELECT count(*) FROM _dlt_loads"), 1);

  // A record that is not an object: refused, nothing loaded.
  auto bad_context = AuthContext(kOperator);
  auto bad = stub_->PushRecords(bad_context.get(), &response);
  message.Clear();
  message.set_pipeline("pushed");
  message.add_records("{\"id\": 9000}");
  message.add_records("[1, 2]");
  bad->Write(message);
  bad->WritesDone();
  s = bad->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("records[1]"));
  EXPECT_EQ(SqliteScalar(Sqlite("pushed"), "SELECT count(*) FROM events"), 2000);
  EXPECT_EQ(SqliteScalar(Sqlite("pushed"), "SELECT count(*) FROM _dlt_loads"), 1);

  // A push with an idempotency key, then the same stream retried (a client
  // that lost the answer): the retry names the first run and loads nothing.
  auto push_with_key = [&](v1::PushRecordsResponse& answer) {
    auto keyed_context = AuthContext(kOperator);
    auto keyed = stub_->PushRecords(keyed_context.get(), &answer);
    v1::PushRecordsRequest keyed_message;
    keyed_message.set_pipeline("pushed");
    keyed_message.set_idempotency_key("batch-2026-11-22");
    for (int i = 0; i < 10; ++i) keyed_message.add_records("{\"id\": " + std::to_string(5000 + i) + "}");
    keyed->Write(keyed_message);
    keyed->WritesDone();
    return keyed->Finish();
  };
  v1::PushRecordsResponse first;
  ASSERT_TRUE(Ok(push_with_key(first)));
  v1::PushRecordsResponse retried;
  ASSERT_TRUE(Ok(push_with_key(retried)));
  EXPECT_EQ(retried.run().run_id(), first.run().run_id());
  EXPECT_EQ(retried.run().status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(SqliteScalar(Sqlite("pushed"), "SELECT count(*) FROM events"), 2010);
  EXPECT_EQ(SqliteScalar(Sqlite("pushed"), "SELECT count(*) FROM _dlt_loads"), 2);
  EXPECT_TRUE(fs::is_empty(Path("data/push"))) << "no staged file is left behind";
}

// ---------------------------------------------------------------------------
// Runs against a slow REST API: cancel, idempotency, restart

class SlowApiDaemonTest : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    server_ = TestHttpServer::Start([this](const TestHttpRequest& r) {
      const int page = std::atoi(r.QueryParam("page").value_or("1").c_str());
      std::string items;
      for (int i = 0; i < 50; ++i) {
        if (!items.empty()) items += ",";
        items += "{\"id\": " + std::to_string(page * 1000 + i) + ", \"page\": " + std::to_string(page) + "}";
      }
      TestHttpResponse response =
          TestHttpResponse::Json("{\"total_pages\": " + std::to_string(pages_) + ", \"items\": [" + items + "]}");
      response.delay_seconds = delay_.load();
      return response;
    });
  }

  std::string RestSpec(const std::string& name) {
    return R"({"name": ")" + name + R"(", "rest_api": {
        "client": {"base_url": ")" + server_->base_url() + R"(",
                   "paginator": {"type": "page_number", "base_page": 1, "total_path": "total_pages"}},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [{"name": "items", "endpoint": {"path": "items", "data_selector": "items"}}]}})";
  }

  int pages_ = 40;
  std::atomic<double> delay_{0.1};
  std::unique_ptr<TestHttpServer> server_;
};

TEST_F(SlowApiDaemonTest, CancelStopsARunPromptlyAndTheNextRunLoadsEverythingOnce) {
  Apply(RestSpec("slow"));
  const std::string id = Start("slow");
  // Wait until it is extracting.
  for (int i = 0; i < 200 && server_->request_count() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_GE(server_->request_count(), 3u);
  v1::CancelRunRequest cancel;
  cancel.set_run_id(id);
  v1::Run cancelled;
  const auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(Ok(stub_->CancelRun(AuthContext(kOperator).get(), cancel, &cancelled)));
  EXPECT_TRUE(cancelled.cancel_requested());
  std::vector<v1::RunEvent> events = Watch(id);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  ASSERT_TRUE(events.back().has_finished());
  EXPECT_EQ(events.back().finished().run().status(), v1::RUN_STATUS_CANCELLED);
  EXPECT_LT(took, 3.0) << "cancel is prompt (pages take 0.1 s)";
  EXPECT_LT(server_->request_count(), 40u);

  delay_ = 0;
  v1::Run next = RunToEnd("slow");
  EXPECT_EQ(next.status(), v1::RUN_STATUS_SUCCEEDED) << next.error().message();
  EXPECT_EQ(SqliteScalar(Sqlite("slow"), "SELECT count(*) FROM items"), 40 * 50);
  EXPECT_EQ(SqliteScalar(Sqlite("slow"), "SELECT count(DISTINCT id) FROM items"), 40 * 50);
}

TEST_F(SlowApiDaemonTest, AnIdempotencyKeyReturnsTheSameRunAndASecondStartIsRefusedOrQueued) {
  Apply(RestSpec("idem"));
  v1::StartRunResponse first;
  ASSERT_TRUE(Ok(StartRun("idem", first, "dag1/task/2026-11-22")));
  EXPECT_TRUE(first.created());
  v1::StartRunResponse again;
  ASSERT_TRUE(Ok(StartRun("idem", again, "dag1/task/2026-11-22")));
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.run().run_id(), first.run().run_id());

  v1::StartRunResponse other;
  grpc::Status s = StartRun("idem", other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr(first.run().run_id()));
  v1::StartRunRequest queue;
  queue.set_pipeline("idem");
  queue.set_on_active(v1::ON_ACTIVE_QUEUE);
  ASSERT_TRUE(Ok(stub_->StartRun(AuthContext(kOperator).get(), queue, &other)));
  EXPECT_EQ(other.run().status(), v1::RUN_STATUS_QUEUED);

  delay_ = 0;
  EXPECT_EQ(Watch(first.run().run_id()).back().finished().run().status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(Watch(other.run().run_id()).back().finished().run().status(), v1::RUN_STATUS_SUCCEEDED);
  // After it finished, the key still names the first run.
  ASSERT_TRUE(Ok(StartRun("idem", again, "dag1/task/2026-11-22")));
  EXPECT_EQ(again.run().run_id(), first.run().run_id());
  EXPECT_EQ(again.run().status(), v1::RUN_STATUS_SUCCEEDED);
}

TEST_F(SlowApiDaemonTest, AWatcherThatNeverReadsDoesNotHoldUpTheDaemon) {
  Apply(RestSpec("stalled"));
  const std::string id = Start("stalled");
  // Many watchers that never call Read().
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::RunEvent>>> readers;
  for (int i = 0; i < 20; ++i) {
    contexts.push_back(AuthContext(kReader, 120));
    v1::WatchRunRequest request;
    request.set_run_id(id);
    readers.push_back(stub_->WatchRun(contexts.back().get(), request));
  }
  // The daemon answers other calls meanwhile, and the run finishes.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(GetRun(id).run_id() == id);
  delay_ = 0;
  std::vector<v1::RunEvent> events = Watch(id);
  EXPECT_EQ(events.back().finished().run().status(), v1::RUN_STATUS_SUCCEEDED);
  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) r->Finish();
  EXPECT_EQ(GetRun(id).status(), v1::RUN_STATUS_SUCCEEDED);
}

TEST_F(SlowApiDaemonTest, SigtermStopsRunsAtASafePointAndARestartFinishesQueuedRuns) {
  Apply(RestSpec("first"));
  Apply(RestSpec("second"));
  // Restart with one run slot so the second run waits in the queue.
  daemon_.Stop();
  ASSERT_TRUE(StartDaemon({}, {"--max-concurrent-runs", "1"})) << daemon_.log();
  const std::string running = Start("first");
  for (int i = 0; i < 200 && server_->request_count() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string queued = Start("second");
  EXPECT_EQ(GetRun(queued).status(), v1::RUN_STATUS_QUEUED);

  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon_.Stop(), 0) << daemon_.log();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count(), 10.0);

  delay_ = 0;
  ASSERT_TRUE(StartDaemon()) << daemon_.log();
  v1::Run interrupted = GetRun(running);
  EXPECT_EQ(interrupted.status(), v1::RUN_STATUS_FAILED);
  EXPECT_EQ(interrupted.error().code(), "UNAVAILABLE");
  EXPECT_EQ(Watch(queued).back().finished().run().status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(SqliteScalar(Sqlite("second"), "SELECT count(*) FROM items"), 40 * 50);
}

TEST_F(SlowApiDaemonTest, PendingPackagesOfACrashedDaemonAreResumedAtStartUp) {
  delay_ = 0;
  Apply(RestSpec("crashy"));
  daemon_.Stop();
  // The daemon dies (SIGKILL) right after normalizing: a pending package.
  ASSERT_TRUE(StartDaemon({"INGESTD_CRASH_AT=normalized"})) << daemon_.log();
  const std::string crashed = Start("crashy");
  EXPECT_EQ(daemon_.WaitExit(60), -1) << "killed itself at the checkpoint: " << daemon_.log();
  ASSERT_TRUE(StartDaemon()) << daemon_.log();
  EXPECT_EQ(GetRun(crashed).status(), v1::RUN_STATUS_FAILED);
  // The resume run the daemon started by itself.
  v1::ListRunsRequest list;
  list.set_pipeline("crashy");
  v1::ListRunsResponse runs;
  ASSERT_TRUE(Ok(stub_->ListRuns(AuthContext(kReader).get(), list, &runs)));
  ASSERT_EQ(runs.runs_size(), 2);
  EXPECT_EQ(runs.runs(0).trigger(), v1::RUN_TRIGGER_RESUME);
  v1::Run resumed = Watch(runs.runs(0).run_id()).back().finished().run();
  EXPECT_EQ(resumed.status(), v1::RUN_STATUS_SUCCEEDED) << resumed.error().message();
  ASSERT_GE(resumed.summary().packages_size(), 1);
  EXPECT_TRUE(resumed.summary().packages(0).resumed());
  EXPECT_EQ(SqliteScalar(Sqlite("crashy"), "SELECT count(*) FROM items"), 40 * 50);
  // The resumed package and the resume run's own new one.
  EXPECT_EQ(SqliteScalar(Sqlite("crashy"), "SELECT count(*) FROM _dlt_loads"), 2);
  EXPECT_EQ(SqliteScalar(Sqlite("crashy"), "SELECT count(DISTINCT load_id) FROM _dlt_loads"), 2);
}

}  // namespace
}  // namespace ingestd
