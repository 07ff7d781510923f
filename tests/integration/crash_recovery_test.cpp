// Crash tests: `ingestd run` is killed with SIGKILL at every point of a run
// (INGESTD_CRASH_AT), then run again; every source row must be in the
// destination exactly once and the incremental state must be right. The
// pipeline appends (so a double load would show as duplicates) and has an
// incremental cursor (so a lost state would re-extract or skip data).

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

constexpr int kItems = 6000;

testing::ProcessResult RunIngestd(const fs::path& spec, const fs::path& data_dir, const std::string& crash_at) {
  return testing::RunIngestdProcess(INGESTD_BINARY, spec.string(), data_dir.string(),
                                    crash_at.empty() ? "" : "INGESTD_CRASH_AT=" + crash_at);
}

class CrashRecoveryTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ingestd-crash-" + std::to_string(getpid()) + "-" + std::get<0>(GetParam()) + "-" +
            std::get<1>(GetParam()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Items with a nested list, large enough that the first COPY sends more
    // than one chunk (the "copy" crash point).
    std::ofstream data(dir_ / "items.jsonl");
    std::string padding(300, 'x');
    for (int i = 1; i <= kItems; ++i) {
      data << "{\"id\": " << i << ", \"name\": \"item " << i << " " << padding << "\", \"tags\": [\"a\", \"b\"]}\n";
    }
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  fs::path WriteSpec(const std::string& destination) {
    std::string dest;
    if (destination == "postgres") {
      auto dsn = testing::TestPostgresDsn();
      EXPECT_TRUE(dsn.ok());
      setenv("INGESTD_CRASH_TEST_DSN", dsn->c_str(), 1);
      dataset_ = testing::FreshDatasetName("crash");
      dest = R"("destination": {"kind": "postgres", "dsn": "env:INGESTD_CRASH_TEST_DSN"}, "dataset_name": ")" +
             dataset_ + "\", ";
    }
    fs::path spec = dir_ / "spec.json";
    std::ofstream(spec) << "{\"name\": \"crash\", " << dest
                        << R"("resources": [{"name": "items", "write_disposition": "append",
                               "incremental": {"cursor_path": "id"},
                               "source": {"kind": "files", "paths": ["items.jsonl"]}}]})";
    return spec;
  }

  // (rows, distinct ids, nested rows) in the destination.
  std::tuple<long, long, long> Counts(const std::string& destination) {
    const std::string root_sql = "SELECT count(*), count(DISTINCT id) FROM ";
    if (destination == "postgres") {
      auto dsn = testing::TestPostgresDsn();
      PGconn* conn = PQconnectdb(dsn->c_str());
      auto scalar = [&](const std::string& sql, int col) {
        PGresult* r = PQexec(conn, sql.c_str());
        long v = PQresultStatus(r) == PGRES_TUPLES_OK ? std::atol(PQgetvalue(r, 0, col)) : -1;
        PQclear(r);
        return v;
      };
      std::string t = dataset_ + ".items";
      long rows = scalar(root_sql + t, 0);
      long distinct = scalar(root_sql + t, 1);
      long nested = scalar("SELECT count(*) FROM " + dataset_ + ".items__tags", 0);
      PQfinish(conn);
      return {rows, distinct, nested};
    }
    sqlite3* db = nullptr;
    sqlite3_open((dir_ / "data" / "crash.sqlite").c_str(), &db);
    auto scalar = [&](const std::string& sql, int col) {
      sqlite3_stmt* st = nullptr;
      long v = -1;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, col);
      }
      sqlite3_finalize(st);
      return v;
    };
    long rows = scalar(root_sql + "items", 0);
    long distinct = scalar(root_sql + "items", 1);
    long nested = scalar("SELECT count(*) FROM items__tags", 0);
    sqlite3_close(db);
    return {rows, distinct, nested};
  }

  fs::path dir_;
  std::string dataset_;
};

TEST_P(CrashRecoveryTest, KilledRunRecoversExactlyOnce) {
  const auto& [destination, point] = GetParam();
  fs::path spec = WriteSpec(destination);
  fs::path data = dir_ / "data";

  testing::ProcessResult crashed = RunIngestd(spec, data, point);
  ASSERT_TRUE(crashed.killed_by_sigkill) << "the run should have been killed at " << point << ":\n" << crashed.output;

  testing::ProcessResult recovered = RunIngestd(spec, data, "");
  ASSERT_EQ(recovered.exit_code, 0) << recovered.output;
  auto [rows, distinct, nested] = Counts(destination);
  EXPECT_EQ(rows, kItems) << recovered.output;
  EXPECT_EQ(distinct, kItems);
  EXPECT_EQ(nested, 2 * kItems);

  // The cursor was stored with the data: a third run finds nothing new.
  testing::ProcessResult again = RunIngestd(spec, data, "");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, ::testing::HasSubstr("items extracted: 0"));
  auto [rows2, distinct2, nested2] = Counts(destination);
  EXPECT_EQ(rows2, kItems);
  EXPECT_EQ(nested2, 2 * kItems);
}

INSTANTIATE_TEST_SUITE_P(
    EveryPoint, CrashRecoveryTest,
    ::testing::Combine(::testing::Values("sqlite", "postgres"),
                       ::testing::Values("extract", "extracted", "normalize", "normalized", "copy", "commit",
                                         "loaded")),
    [](const auto& param_info) { return std::get<0>(param_info.param) + "_" + std::get<1>(param_info.param); });

}  // namespace
}  // namespace ingestd
