#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/catalog/catalog.hpp"
#include "core/destinations/sqlite/sqlite_connection.hpp"
#include "tests/support/catalog_test_bodies.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::testing {
namespace {

using destinations::sqlite::SqliteConnection;
using destinations::sqlite::SqliteStatement;

// A catalog file in a fresh temporary directory.
class SqliteCatalogStore final : public CatalogStore {
 public:
  Result<std::unique_ptr<catalog::Catalog>> Open() override { return catalog::OpenSqliteCatalog(path()); }

  void OverwriteSchemaVersion(const std::string& value) override {
    Result<SqliteConnection> db = SqliteConnection::Open(path());
    ASSERT_TRUE(db.ok()) << ErrorText(db);
    Result<SqliteStatement> update =
        db->Prepare("UPDATE catalog_meta SET value = ?1 WHERE key = 'schema_version'", "test");
    ASSERT_TRUE(update.ok()) << ErrorText(update);
    ASSERT_TRUE(update->BindText(1, value).ok());
    ASSERT_TRUE(update->Run().ok());
    EXPECT_EQ(db->Changes(), 1);
  }

  std::string path() const { return dir_.path() + "/catalog.db"; }

 private:
  TempDir dir_{"catalog"};
};

INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogConformanceTest,
                         ::testing::Values(CatalogBackend{
                             "Sqlite",
                             [] { return std::unique_ptr<CatalogStore>(std::make_unique<SqliteCatalogStore>()); }}),
                         CatalogBackendName);

TEST(CatalogNamesTest, StatusAndTriggerNamesRoundTrip) {
  using catalog::RunStatus;
  using catalog::RunTrigger;
  for (RunStatus s :
       {RunStatus::kQueued, RunStatus::kRunning, RunStatus::kSucceeded, RunStatus::kFailed, RunStatus::kCancelled}) {
    EXPECT_EQ(catalog::ParseRunStatus(catalog::RunStatusName(s)), s);
  }
  EXPECT_EQ(catalog::RunStatusName(RunStatus::kCancelled), "cancelled");
  EXPECT_EQ(catalog::ParseRunStatus("Running"), std::nullopt);
  EXPECT_EQ(catalog::ParseRunStatus(""), std::nullopt);
  EXPECT_FALSE(catalog::IsTerminal(RunStatus::kRunning));
  EXPECT_TRUE(catalog::IsTerminal(RunStatus::kCancelled));
  for (RunTrigger t : {RunTrigger::kManual, RunTrigger::kSchedule, RunTrigger::kPush, RunTrigger::kResume}) {
    EXPECT_EQ(catalog::ParseRunTrigger(catalog::RunTriggerName(t)), t);
  }
  EXPECT_EQ(catalog::RunTriggerName(RunTrigger::kSchedule), "schedule");
  EXPECT_EQ(catalog::ParseRunTrigger("cron"), std::nullopt);
}

TEST(SqliteCatalogTest, CreatesTheFileInWalMode) {
  SqliteCatalogStore store;
  Result<std::unique_ptr<catalog::Catalog>> opened = store.Open();
  ASSERT_TRUE(opened.ok()) << ErrorText(opened);
  EXPECT_TRUE(std::filesystem::exists(store.path()));
  Result<SqliteConnection> db = SqliteConnection::Open(store.path(), {.busy_timeout_ms = 1000, .wal = false});
  ASSERT_TRUE(db.ok()) << ErrorText(db);
  Result<SqliteStatement> mode = db->Prepare("PRAGMA journal_mode", "test");
  ASSERT_TRUE(mode.ok()) << ErrorText(mode);
  Result<bool> row = mode->Step();
  ASSERT_TRUE(row.ok() && *row) << ErrorText(row);
  EXPECT_EQ(mode->ColumnText(0), "wal");
}

TEST(SqliteCatalogTest, AFileThatCannotBeOpenedIsAnError) {
  TempDir dir("catalog");
  Result<std::unique_ptr<catalog::Catalog>> opened = catalog::OpenSqliteCatalog(dir.path() + "/no/such/dir/catalog.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(opened.error().message(), ::testing::HasSubstr("catalog.db"));
}

}  // namespace
}  // namespace ingestd::testing
