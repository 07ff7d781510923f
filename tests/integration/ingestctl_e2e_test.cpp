// End-to-end tests of ingestctl against a real `ingestd serve`: the commands
// a user and a shell script rely on, their output and their exit codes.

#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd {
namespace {

using ::testing::HasSubstr;
using testing::DaemonProcess;

struct CtlResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::int64_t Count(const std::string& path, const std::string& sql) {
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

class IngestctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteAll(Path("tokens.json"), R"({"tokens": [
        {"name": "ops", "role": "admin", "token": "adm1n"},
        {"name": "viewer", "role": "read", "token": "r3ad"}]})");
    DaemonProcess::Options options;
    options.binary = INGESTD_BINARY;
    options.data_dir = Path("data");
    options.tokens_file = Path("tokens.json");
    ASSERT_TRUE(daemon_.Start(options)) << daemon_.log();
    std::string lines;
    for (int i = 1; i <= 50; ++i) {
      lines += "{\"id\": " + std::to_string(i) + ", \"title\": \"t" + std::to_string(i) +
               "\", \"updated_at\": \"2024-02-01T00:00:00Z\"}\n";
    }
    testing::WriteAll(Path("specs/issues.jsonl"), lines);
    // A relative path: ingestctl resolves it against the spec file's directory.
    testing::WriteAll(Path("specs/cli.pipeline.json"), R"({"name": "cli", "resources": [{"name": "issues",
        "primary_key": "id", "write_disposition": "merge",
        "source": {"kind": "files", "paths": ["issues.jsonl"]}},
        {"name": "events", "source": {"kind": "push"}}]})");
  }

  std::string Path(const std::string& name) const {
    const std::string p = dir_.path() + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    return p;
  }

  CtlResult Ctl(const std::string& args, const std::string& token = "adm1n") {
    const std::string command = "INGESTD_ADDRESS='" + daemon_.grpc_address() + "' INGESTD_TOKEN='" + token +
                                "' '" INGESTCTL_BINARY "' " + args + " 2>&1";
    CtlResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.output.append(buf, n);
    const int status = pclose(pipe);
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    return result;
  }

  testing::TempDir dir_{"ingestctl"};
  DaemonProcess daemon_;
};

TEST_F(IngestctlTest, ApplyRunInspectAndScriptFriendlyExitCodes) {
  CtlResult r = Ctl("apply -f '" + Path("specs/cli.pipeline.json") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("created"));
  r = Ctl("apply -f '" + Path("specs/cli.pipeline.json") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("unchanged"));

  r = Ctl("run cli --wait");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("issues"));
  EXPECT_EQ(Count(Path("data/cli.sqlite"), "SELECT count(*) FROM issues"), 50);

  r = Ctl("get runs -o json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("\"run_id\""));
  EXPECT_THAT(r.output, HasSubstr("RUN_STATUS_SUCCEEDED"));
  r = Ctl("get pipelines");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cli"));
  r = Ctl("schema show cli");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("title"));

  testing::WriteAll(Path("events.jsonl"), "{\"id\": 1, \"kind\": \"click\"}\n{\"id\": 2, \"kind\": \"view\"}\n");
  r = Ctl("push cli -f '" + Path("events.jsonl") + "' --resource events");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Count(Path("data/cli.sqlite"), "SELECT count(*) FROM events"), 2);

  r = Ctl("state reset cli --resource issues");
  EXPECT_EQ(r.exit_code, 0) << r.output;

  // Exit codes: not found 3, permission 4, failed run 1, usage 2.
  EXPECT_EQ(Ctl("describe run run-0000000000000000").exit_code, 3);
  r = Ctl("run cli", "r3ad");
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PERMISSION_DENIED"));
  EXPECT_EQ(Ctl("get runs", "bogus").exit_code, 4);
  EXPECT_EQ(Ctl("frobnicate").exit_code, 2);

  r = Ctl("contract set cli --table issues --columns freeze");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string lines;
  for (int i = 51; i <= 55; ++i) lines += "{\"id\": " + std::to_string(i) + ", \"extra\": true}\n";
  testing::WriteAll(Path("specs/issues.jsonl"), lines);
  r = Ctl("run cli --wait");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("extra"));
}

}  // namespace
}  // namespace ingestd
