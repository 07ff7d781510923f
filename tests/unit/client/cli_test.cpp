// ingestctl's commands end to end against an in-process fake of the
// Control service: dispatch, flags, metadata, paging, output and exit codes.

#include "client/cli.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "client/exit_codes.hpp"
#include "tests/unit/client/fake_control_service.hpp"

namespace ingestd::client {
namespace {

using testing::FakeControlService;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

v1::Run MakeRun(const std::string& id, v1::RunStatus status) {
  v1::Run run;
  run.set_run_id(id);
  run.set_pipeline("github");
  run.set_status(status);
  run.set_trigger(v1::RUN_TRIGGER_MANUAL);
  run.mutable_created_at()->set_seconds(1714564800);
  return run;
}

v1::RunEvent MakeEvent(std::int64_t sequence) {
  v1::RunEvent event;
  event.set_run_id("run-00000000000000aa");
  event.set_sequence(sequence);
  event.mutable_time()->set_seconds(1714564800 + sequence);
  return event;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }
  void TearDown() override { server_->Shutdown(); }

  Outcome Run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    std::ostringstream out;
    std::ostringstream err;
    auto lookup = [env](std::string_view name) -> std::optional<std::string> {
      const auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    auto factory = [this](const ConnectionOptions& options) -> Result<std::unique_ptr<ControlClient>> {
      connection_ = options;
      return std::make_unique<ControlClient>(v1::Control::NewStub(channel_), options.token, options.timeout);
    };
    const int code = RunIngestctl(args, lookup, out, err, commands::TerminalInfo{}, factory);
    return {code, out.str(), err.str()};
  }

  void SetEvents(v1::RunStatus outcome) {
    auto started = MakeEvent(1);
    started.mutable_started()->set_owner("w1");
    auto progress = MakeEvent(2);
    progress.mutable_progress()->set_stage("extract");
    progress.mutable_progress()->set_rows(10);
    auto finished = MakeEvent(3);
    *finished.mutable_finished()->mutable_run() = MakeRun("run-00000000000000aa", outcome);
    service_.events = {started, progress, finished};
  }

  FakeControlService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  ConnectionOptions connection_;
};

TEST_F(CliTest, HelpListsEveryCommandAndExitCodes) {
  const Outcome outcome = Run({"--help"});
  EXPECT_EQ(outcome.code, 0);
  for (const char* text : {"usage: ingestctl", "apply -f SPEC.json", "get runs [--pipeline P]", "watch RUN",
                           "schema diff PIPELINE", "contract set PIPELINE", "state reset PIPELINE", "push PIPELINE",
                           "--address HOST:PORT", "INGESTD_TOKEN", "6  daemon unavailable"}) {
    EXPECT_NE(outcome.out.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(Run({"help"}).out, outcome.out);
  EXPECT_EQ(Run({}).code, kExitUsage);
}

TEST_F(CliTest, CommandHelpShowsItsFlags) {
  Outcome outcome = Run({"get", "runs", "--help"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_NE(outcome.out.find("usage: ingestctl get runs [--pipeline P]"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("--limit N"), std::string::npos);
  EXPECT_EQ(Run({"help", "get", "runs"}).out, outcome.out);
  EXPECT_EQ(Run({"--help", "get", "runs"}).out, outcome.out);

  outcome = Run({"schema", "--help"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_NE(outcome.out.find("usage: ingestctl schema <diff|show|versions>"), std::string::npos) << outcome.out;
}

TEST_F(CliTest, UsageErrorsAreOneLineWithExitCode2) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"frobnicate"},
                                             {"get"},
                                             {"get", "widgets"},
                                             {"run"},
                                             {"run", "a", "b"},
                                             {"get", "runs", "--limit", "many"},
                                             {"get", "runs", "--status", "done"},
                                             {"get", "runs", "--nope"},
                                             {"--nope", "version"},
                                             {"-o", "yaml", "get", "runs"},
                                             {"contract", "set", "github"},
                                             {"contract", "set", "github", "--columns", "melt"},
                                             {"contract", "set", "github", "--columns", "freeze", "--clear"},
                                             {"apply"},
                                             {"apply", "-f", "/nonexistent/spec.json"},
                                             {"push", "github", "-f", "/nonexistent/data.jsonl"},
                                             {"help", "frobnicate"}}) {
    const Outcome outcome = Run(args);
    EXPECT_EQ(outcome.code, kExitUsage) << args[0];
    EXPECT_TRUE(outcome.err.starts_with("ingestctl: ")) << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  }
  EXPECT_EQ(Run({"get", "runs", "--nope"}).err,
            "ingestctl: get runs: unknown flag --nope (see 'ingestctl get runs --help')\n");
  EXPECT_EQ(Run({"frobnicate"}).err, "ingestctl: unknown command 'frobnicate' (see 'ingestctl help')\n");
  EXPECT_TRUE(service_.authorizations.empty()) << "no call may reach the daemon";
}

TEST_F(CliTest, GlobalFlagsWorkAnywhereAndTheTokenGoesOnEveryCall) {
  Outcome outcome = Run({"--token", "s3cret", "version", "-o", "json", "--timeout", "5"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  ASSERT_EQ(service_.authorizations.size(), 1u);
  EXPECT_EQ(service_.authorizations[0], "Bearer s3cret");
  EXPECT_TRUE(service_.had_deadline[0]);
  EXPECT_EQ(connection_.timeout, std::chrono::seconds(5));
  EXPECT_NE(outcome.out.find("\"schema_engine_version\": 11"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("\"client\": {"), std::string::npos) << outcome.out;

  outcome = Run({"version"}, {{"INGESTD_TOKEN", "from-env"}, {"INGESTD_ADDRESS", "example:1"}});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(service_.authorizations.back(), "Bearer from-env");
  EXPECT_EQ(connection_.address, "example:1");
  EXPECT_TRUE(outcome.out.starts_with("ingestctl ")) << outcome.out;
  EXPECT_NE(outcome.out.find(" (gRPC "), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("\ningestd 9.9.9 at example:1 (schema engine 11)\n"), std::string::npos);

  outcome = Run({"version"});
  EXPECT_EQ(service_.authorizations.back(), "") << "no token, no metadata";
}

TEST_F(CliTest, GetRunsPagesUpToTheLimit) {
  for (int i = 0; i < 5; ++i) service_.runs.push_back(MakeRun("run-" + std::to_string(i), v1::RUN_STATUS_SUCCEEDED));
  Outcome outcome = Run({"get", "runs", "--limit", "3", "--status", "running,failed", "--pipeline", "github"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  ASSERT_EQ(service_.list_runs_requests.size(), 2u);
  EXPECT_EQ(service_.list_runs_requests[0].page_size(), 3u);
  EXPECT_EQ(service_.list_runs_requests[1].page_size(), 1u);
  EXPECT_EQ(service_.list_runs_requests[1].page_token(), "2");
  EXPECT_EQ(service_.list_runs_requests[0].pipeline(), "github");
  ASSERT_EQ(service_.list_runs_requests[0].statuses_size(), 2);
  EXPECT_EQ(service_.list_runs_requests[0].statuses(1), v1::RUN_STATUS_FAILED);
  EXPECT_EQ(outcome.out,
            "RUN    PIPELINE  STATUS     TRIGGER  CREATED               DURATION  ERROR\n"
            "run-0  github    succeeded  manual   2024-05-01T12:00:00Z  -         -\n"
            "run-1  github    succeeded  manual   2024-05-01T12:00:00Z  -         -\n"
            "run-2  github    succeeded  manual   2024-05-01T12:00:00Z  -         -\n");
  EXPECT_NE(outcome.err.find("showing the newest 3 runs"), std::string::npos);

  service_.list_runs_requests.clear();
  outcome = Run({"get", "runs", "--limit", "0", "-o", "json"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(service_.list_runs_requests.size(), 3u);
  EXPECT_NE(outcome.out.find("\"run_id\": \"run-4\""), std::string::npos);
  EXPECT_EQ(outcome.out.find("\"run_id\"", outcome.out.find("\"run-4\"") + 1), std::string::npos);
  EXPECT_EQ(outcome.out.front(), '{');
  EXPECT_TRUE(outcome.err.empty());
}

TEST_F(CliTest, ServerErrorsMapToExitCodes) {
  Outcome outcome = Run({"describe", "run", "run-nope"});
  EXPECT_EQ(outcome.code, kExitNotFound);
  EXPECT_EQ(outcome.err, "ingestctl: NOT_FOUND: run run-nope not found\n");
  EXPECT_TRUE(outcome.out.empty());

  service_.start_status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "run run-1 of github is active");
  outcome = Run({"run", "github"});
  EXPECT_EQ(outcome.code, kExitFailedPrecondition);
  EXPECT_EQ(outcome.err, "ingestctl: FAILED_PRECONDITION: run run-1 of github is active\n");

  service_.start_status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "token ci lacks role operate");
  EXPECT_EQ(Run({"run", "github"}).code, kExitAuth);

  // Not implemented by the fake: UNIMPLEMENTED is "any other error".
  outcome = Run({"get", "pipelines"});
  EXPECT_EQ(outcome.code, kExitRpcError);
  EXPECT_TRUE(outcome.err.starts_with("ingestctl: UNIMPLEMENTED")) << outcome.err;
}

TEST_F(CliTest, RunWithoutWaitPrintsTheRun) {
  const Outcome outcome = Run({"run", "github", "--queue", "--idempotency-key", "k1", "--timeout-seconds", "60"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "run run-00000000000000aa of pipeline github (version 2) queued\n");
  ASSERT_EQ(service_.start_requests.size(), 1u);
  EXPECT_EQ(service_.start_requests[0].on_active(), v1::ON_ACTIVE_QUEUE);
  EXPECT_EQ(service_.start_requests[0].idempotency_key(), "k1");
  EXPECT_EQ(service_.start_requests[0].timeout_seconds(), 60u);
}

TEST_F(CliTest, RunWaitFollowsTheRunAndExitsByOutcome) {
  SetEvents(v1::RUN_STATUS_SUCCEEDED);
  Outcome outcome = Run({"run", "github", "--wait"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(service_.start_requests[0].on_active(), v1::ON_ACTIVE_REFUSE);
  EXPECT_NE(outcome.err.find("started on w1\n"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("extract: 10 items"), std::string::npos) << outcome.err;
  EXPECT_TRUE(outcome.out.starts_with("Run:               run-00000000000000aa\n")) << outcome.out;
  ASSERT_FALSE(service_.had_deadline.empty());
  EXPECT_TRUE(service_.had_deadline[0]) << "StartRun has a deadline";
  EXPECT_FALSE(service_.had_deadline[1]) << "WatchRun has none";

  SetEvents(v1::RUN_STATUS_FAILED);
  outcome = Run({"run", "github", "--wait", "-o", "json"});
  EXPECT_EQ(outcome.code, kExitRunFailed);
  EXPECT_NE(outcome.out.find("\"status\": \"RUN_STATUS_FAILED\""), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.err.find("ingestctl: run run-00000000000000aa failed\n"), std::string::npos) << outcome.err;
}

TEST_F(CliTest, WatchResumesADroppedStreamAfterTheLastSequence) {
  SetEvents(v1::RUN_STATUS_CANCELLED);
  service_.drop_watch_after = 2;
  const Outcome outcome = Run({"watch", "run-00000000000000aa"});
  EXPECT_EQ(outcome.code, kExitRunFailed);
  ASSERT_EQ(service_.watch_requests.size(), 2u);
  EXPECT_EQ(service_.watch_requests[0].after_sequence(), 0);
  EXPECT_EQ(service_.watch_requests[1].after_sequence(), 2);
  EXPECT_NE(outcome.err.find("reconnecting in 0.5s (attempt 1 of 5)"), std::string::npos) << outcome.err;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 5) << outcome.err;  // 3 events, 1 note, 1 error
}

TEST_F(CliTest, PushStreamsNonBlankLinesInBatches) {
  const auto path = std::filesystem::temp_directory_path() / "ingestctl_push_test.jsonl";
  {
    std::ofstream file(path);
    file << "{\"id\":1}\n\n{\"id\":2}\r\n";
  }
  Outcome outcome = Run({"push", "events", "-f", path.string(), "--resource", "clicks", "--idempotency-key", "k"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  ASSERT_EQ(service_.push_messages.size(), 1u);
  EXPECT_EQ(service_.push_messages[0].pipeline(), "events");
  EXPECT_EQ(service_.push_messages[0].resource(), "clicks");
  EXPECT_EQ(service_.push_messages[0].idempotency_key(), "k");
  ASSERT_EQ(service_.push_messages[0].records_size(), 2);
  EXPECT_EQ(service_.push_messages[0].records(1), "{\"id\":2}");
  EXPECT_TRUE(outcome.out.starts_with("pushed 2 records to pipeline events: run run-00000000000000bb succeeded\n"))
      << outcome.out;
  EXPECT_FALSE(service_.had_deadline.back()) << "streams have no deadline";

  service_.push_outcome = v1::RUN_STATUS_FAILED;
  outcome = Run({"push", "events", "-f", path.string()});
  EXPECT_EQ(outcome.code, kExitRunFailed);
  EXPECT_EQ(outcome.err,
            "ingestctl: run run-00000000000000bb failed: INVALID_ARGUMENT: record 2: not a JSON object\n");

  service_.push_messages.clear();
  outcome = Run({"push", "missing", "-f", path.string()});
  EXPECT_EQ(outcome.code, kExitNotFound);
  std::filesystem::remove(path);
}

TEST_F(CliTest, ContractSetSendsOnlyTheGivenModes) {
  Outcome outcome = Run({"contract", "set", "github", "--table", "issues", "--columns", "freeze"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  ASSERT_EQ(service_.alter_contract_requests.size(), 1u);
  const auto& request = service_.alter_contract_requests[0];
  EXPECT_EQ(request.table(), "issues");
  EXPECT_EQ(request.contract().columns(), "freeze");
  EXPECT_EQ(request.contract().tables(), "");
  EXPECT_FALSE(request.clear());
  EXPECT_TRUE(outcome.out.starts_with("contract override of github table issues set")) << outcome.out;
  EXPECT_NE(outcome.out.find("Pipeline override:  columns=freeze\n"), std::string::npos) << outcome.out;

  outcome = Run({"contract", "set", "github", "--clear"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_TRUE(service_.alter_contract_requests[1].clear());
}

TEST_F(CliTest, ApplyResolvesRelativePathsAgainstTheSpecDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / "ingestctl_apply_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "spec.json";
  {
    std::ofstream file(path);
    file << R"({"name": "github", "destination": {"kind": "sqlite", "path": "out/github.sqlite"},
               "resources": [{"name": "issues", "source": {"kind": "files", "paths": ["data/*.jsonl"]}}]})";
  }
  Outcome outcome = Run({"apply", "-f", path.string()});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "pipeline github created (version 1)\n");
  ASSERT_EQ(service_.apply_requests.size(), 1u);
  const std::string& sent = service_.apply_requests[0].spec_json();
  EXPECT_NE(sent.find((dir / "out/github.sqlite").string()), std::string::npos) << sent;
  EXPECT_NE(sent.find((dir / "data/*.jsonl").string()), std::string::npos) << sent;

  EXPECT_EQ(Run({"apply", "-f", path.string()}).out, "pipeline github updated to version 2\n");
  EXPECT_EQ(Run({"apply", "-f", path.string()}).out, "pipeline github unchanged (version 3)\n");
  outcome = Run({"apply", "-f", path.string(), "--dry-run"});
  EXPECT_TRUE(service_.apply_requests.back().dry_run());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ingestd::client
