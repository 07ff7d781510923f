// `ingestd run` end to end: bad input leaves the destination unchanged,
// an empty data directory restores schema and state from the destination,
// replace and merge across runs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/ingestd_process.hpp"
#include "tests/support/postgres_fixture.hpp"

namespace ingestd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

testing::ProcessResult RunIngestd(const fs::path& spec, const fs::path& data_dir) {
  return testing::RunIngestdProcess(INGESTD_BINARY, spec.string(), data_dir.string());
}

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ingestd-run-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  void Write(const std::string& name, const std::string& content) { std::ofstream(dir_ / name) << content; }

  long SqliteScalar(const std::string& sql) {
    sqlite3* db = nullptr;
    long v = -1;
    if (sqlite3_open_v2((dir_ / "data" / "p.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
  }

  long PgScalar(const std::string& sql) {
    auto dsn = testing::TestPostgresDsn();
    PGconn* conn = PQconnectdb(dsn->c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? std::atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(conn);
    return v;
  }

  fs::path dir_;
};

TEST_F(RunCommandTest, FileThatIsNotJsonHalfwayChangesNothing) {
  Write("items.jsonl", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3, oops\n{\"id\": 4}\n");
  Write("spec.json", R"({"name": "p", "resources": [{"name": "items",
      "source": {"kind": "files", "paths": ["items.jsonl"]}}]})");
  testing::ProcessResult bad = RunIngestd(dir_ / "spec.json", dir_ / "data");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.output, HasSubstr("items.jsonl"));
  EXPECT_THAT(bad.output, HasSubstr("line 3"));
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM sqlite_master WHERE name = 'items'"), 0)
      << "no table, no rows: the failed run loaded nothing";
  // Nothing pending either: the next run after the fix loads each row once.
  Write("items.jsonl", "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3}\n{\"id\": 4}\n");
  testing::ProcessResult good = RunIngestd(dir_ / "spec.json", dir_ / "data");
  ASSERT_EQ(good.exit_code, 0) << good.output;
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM items"), 4);
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM _dlt_loads"), 1);
}

TEST_F(RunCommandTest, SpecMistakesNameThePlace) {
  Write("spec.json", R"({"name": "p", "resources": [{"name": "items", "write_disposition": "upsert",
      "source": {"kind": "files", "paths": ["items.jsonl"]}}]})");
  testing::ProcessResult r = RunIngestd(dir_ / "spec.json", dir_ / "data");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("resources[0].write_disposition"));
  EXPECT_FALSE(fs::exists(dir_ / "data" / "p.sqlite"));
}

TEST_F(RunCommandTest, UnreachableDatabaseIsAClearError) {
  setenv("INGESTD_RUN_TEST_BAD_DSN", testing::UnreachableDsn().c_str(), 1);
  Write("items.jsonl", "{\"id\": 1}\n");
  Write("spec.json", R"({"name": "p", "destination": {"kind": "postgres", "dsn": "env:INGESTD_RUN_TEST_BAD_DSN"},
      "resources": [{"name": "items", "source": {"kind": "files", "paths": ["items.jsonl"]}}]})");
  testing::ProcessResult r = RunIngestd(dir_ / "spec.json", dir_ / "data");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("cannot connect"));
}

TEST_F(RunCommandTest, EmptyDataDirectoryRestoresSchemaAndStateFromPostgres) {
  auto dsn = testing::TestPostgresDsn();
  ASSERT_TRUE(dsn.ok()) << dsn.error().message();
  setenv("INGESTD_RUN_TEST_DSN", dsn->c_str(), 1);
  const std::string dataset = testing::FreshDatasetName("restore");
  Write("items.jsonl", "{\"id\": 1, \"v\": \"a\"}\n{\"id\": 2, \"v\": \"b\"}\n");
  Write("spec.json", R"({"name": "p", "destination": {"kind": "postgres", "dsn": "env:INGESTD_RUN_TEST_DSN"},
      "dataset_name": ")" + dataset + R"(", "resources": [{"name": "items", "write_disposition": "append",
      "incremental": {"cursor_path": "id"}, "source": {"kind": "files", "paths": ["items.jsonl"]}}]})");
  ASSERT_EQ(RunIngestd(dir_ / "spec.json", dir_ / "data").exit_code, 0);
  fs::remove_all(dir_ / "data");
  Write("items.jsonl", "{\"id\": 1, \"v\": \"a\"}\n{\"id\": 2, \"v\": \"b\"}\n{\"id\": 3, \"v\": \"c\"}\n");
  testing::ProcessResult r = RunIngestd(dir_ / "spec.json", dir_ / "data");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("restored schema and state from the destination"));
  EXPECT_THAT(r.output, HasSubstr("items extracted: 1"));
  EXPECT_EQ(PgScalar("SELECT count(*) FROM " + dataset + ".items"), 3);
  EXPECT_EQ(PgScalar("SELECT count(DISTINCT id) FROM " + dataset + ".items"), 3);
}

TEST_F(RunCommandTest, ReplaceEmptiesNestedTablesAndMergeUpdates) {
  Write("a.jsonl", "{\"id\": 1, \"kids\": [1, 2]}\n{\"id\": 2, \"kids\": [3]}\n");
  Write("spec.json", R"({"name": "p", "resources": [
      {"name": "snap", "write_disposition": "replace", "source": {"kind": "files", "paths": ["a.jsonl"]}},
      {"name": "cust", "write_disposition": "merge", "primary_key": "id",
       "source": {"kind": "files", "paths": ["a.jsonl"]}}]})");
  ASSERT_EQ(RunIngestd(dir_ / "spec.json", dir_ / "data").exit_code, 0);
  Write("a.jsonl", "{\"id\": 2, \"kids\": []}\n");
  testing::ProcessResult r = RunIngestd(dir_ / "spec.json", dir_ / "data");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM snap"), 1);
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM snap__kids"), 0) << "replace empties nested tables too";
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM cust"), 2);
  EXPECT_EQ(SqliteScalar("SELECT count(*) FROM cust__kids"), 2) << "id 2's kids replaced by none";
}

}  // namespace
}  // namespace ingestd
