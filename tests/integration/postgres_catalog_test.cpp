#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/destinations/postgres/pg_connection.hpp"
#include "tests/support/catalog_test_bodies.hpp"
#include "tests/support/pg_query.hpp"
#include "tests/support/postgres_fixture.hpp"

namespace ingestd::testing {
namespace {

using destinations::postgres::PgConnection;
using destinations::postgres::QualifiedName;
using destinations::postgres::QuoteIdent;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSecret = "Catalog-s3cret-Pa55";

// A schema name that only works quoted: upper case, spaces and a quote.
std::string OddSchemaName() { return "Catalog \"Q\" " + FreshDatasetName("cat"); }

// A fresh schema on the test server; dropped at the end.
class PostgresCatalogStore final : public CatalogStore {
 public:
  PostgresCatalogStore(std::string dsn, std::string schema) : dsn_(std::move(dsn)), schema_(std::move(schema)) {}
  ~PostgresCatalogStore() override {
    // PgConnection, unlike PgQuery, keeps the server's notices (one per
    // dropped table) off stderr.
    Result<PgConnection> conn = PgConnection::Connect(dsn_);
    if (!conn.ok()) {
      ADD_FAILURE() << ErrorText(conn);  // ASSERT_* cannot return from a destructor
      return;
    }
    auto dropped = conn->Exec("DROP SCHEMA IF EXISTS " + QuoteIdent(schema_) + " CASCADE");
    EXPECT_TRUE(dropped.ok()) << ErrorText(dropped);
  }

  Result<std::unique_ptr<catalog::Catalog>> Open() override { return catalog::OpenPostgresCatalog(dsn_, schema_); }

  void OverwriteSchemaVersion(const std::string& value) override {
    Result<PgConnection> conn = PgConnection::Connect(dsn_);
    ASSERT_TRUE(conn.ok()) << ErrorText(conn);
    auto updated = conn->ExecParams(
        "UPDATE " + QualifiedName(schema_, "catalog_meta") + " SET value = $1 WHERE key = 'schema_version'", {value});
    ASSERT_TRUE(updated.ok()) << ErrorText(updated);
    EXPECT_EQ(updated->affected_rows(), 1u);
  }

 private:
  std::string dsn_;
  std::string schema_;
};

std::string Dsn() {
  Result<std::string> dsn = TestPostgresDsn();
  EXPECT_TRUE(dsn.ok()) << ErrorText(dsn);
  return dsn.ok() ? *dsn : std::string();
}

std::unique_ptr<CatalogStore> MakeStore() {
  const std::string dsn = Dsn();
  if (dsn.empty()) return nullptr;
  return std::make_unique<PostgresCatalogStore>(dsn, OddSchemaName());
}

INSTANTIATE_TEST_SUITE_P(Postgres, CatalogConformanceTest, ::testing::Values(CatalogBackend{"Postgres", MakeStore}),
                         CatalogBackendName);

TEST(PostgresCatalogTest, TheSchemaNameIsTakenLiterally) {
  const std::string schema = OddSchemaName();
  PostgresCatalogStore store(Dsn(), schema);
  Result<std::unique_ptr<catalog::Catalog>> opened = store.Open();
  ASSERT_TRUE(opened.ok()) << ErrorText(opened);
  ASSERT_TRUE((*opened)->PutPipeline("p", "{}", 1).ok());
  // The name has no single quote, so it can sit in a literal here.
  const std::string literal = "'" + schema + "'";
  EXPECT_EQ(PgValue("SELECT count(*) FROM pg_namespace WHERE nspname = " + literal), "1");
  EXPECT_EQ(
      PgValue("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = " + literal),
      "catalog_meta,contract_changes,pipelines,run_events,runs,schema_versions");
  EXPECT_EQ(PgValue("SELECT name FROM " + QualifiedName(schema, "pipelines")), "p");
  EXPECT_EQ(PgValue("SELECT value FROM " + QualifiedName(schema, "catalog_meta") + " WHERE key = 'schema_version'"),
            "1");
}

TEST(PostgresCatalogTest, DaemonsOpeningOneNewCatalogAtOnceAllSucceed) {
  PostgresCatalogStore store(Dsn(), OddSchemaName());
  constexpr int kDaemons = 4;
  std::vector<std::optional<Result<std::unique_ptr<catalog::Catalog>>>> opened(kDaemons);
  std::vector<std::thread> threads;
  for (int i = 0; i < kDaemons; ++i) {
    threads.emplace_back([&, i] { opened[static_cast<std::size_t>(i)].emplace(store.Open()); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& o : opened) EXPECT_TRUE(o->ok()) << ErrorText(*o);
}

TEST(PostgresCatalogTest, ConnectionErrorsNeverShowTheDsnOrPassword) {
  const std::string dsn = Dsn();
  const std::string secret(kSecret);
  const std::vector<std::pair<std::string, ErrorCode>> cases = {
      {UnreachableDsn() + " password=" + secret, ErrorCode::kUnavailable},
      {"postgresql://postgres:" + secret + "@127.0.0.1:1/db?connect_timeout=5", ErrorCode::kUnavailable},
      // libpq's parse error would quote the unquoted second word.
      {"host=127.0.0.1 password=x " + secret + " dbname=y", ErrorCode::kInvalidArgument},
      {"postgresql://postgres@127.0.0.1:1/db?password=" + secret + "&bogus", ErrorCode::kInvalidArgument},
      {dsn + " dbname=no_such_db password=" + secret, ErrorCode::kFailedPrecondition},
  };
  for (const auto& [bad_dsn, code] : cases) {
    Result<std::unique_ptr<catalog::Catalog>> opened = catalog::OpenPostgresCatalog(bad_dsn, "catalog");
    ASSERT_FALSE(opened.ok()) << bad_dsn;
    EXPECT_EQ(opened.error().code(), code) << opened.error().ToString();
    EXPECT_THAT(opened.error().message(), Not(HasSubstr(secret)));
    EXPECT_THAT(opened.error().message(), Not(HasSubstr(bad_dsn)));
  }
  // A working DSN with a password (trust authentication ignores it): call
  // errors do not show it either.
  PostgresCatalogStore store(dsn + " password=" + secret, OddSchemaName());
  Result<std::unique_ptr<catalog::Catalog>> opened = store.Open();
  ASSERT_TRUE(opened.ok()) << ErrorText(opened);
  Result<catalog::PipelineRecord> missing = (*opened)->GetPipeline("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message(), Not(HasSubstr(secret)));
}

TEST(PostgresCatalogTest, ReconnectsWhenTheServerDropsTheConnection) {
  // Our own application_name picks out the catalog's connection.
  const std::string app = "ingestd_catalog_reconnect_" + FreshDatasetName("t");
  PostgresCatalogStore store(Dsn() + " application_name=" + app, OddSchemaName());
  Result<std::unique_ptr<catalog::Catalog>> opened = store.Open();
  ASSERT_TRUE(opened.ok()) << ErrorText(opened);
  catalog::Catalog& c = **opened;
  ASSERT_TRUE(c.PutPipeline("p", "{}", 1).ok());

  auto drop_connection = [&] {
    EXPECT_EQ(
        PgValue("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + app + "'"),
        "1");
    // Wait until the backend is gone, so the next call surely meets a dead
    // connection.
    for (int i = 0; i < 100; ++i) {
      if (PgValue("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'") == "0") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the backend did not exit";
  };

  drop_connection();
  Result<catalog::PipelineRecord> read = c.GetPipeline("p");
  ASSERT_TRUE(read.ok()) << ErrorText(read);
  EXPECT_EQ(read->version, 1);

  drop_connection();
  catalog::RunRecord run;
  run.run_id = "r1";
  run.pipeline = "p";
  Result<catalog::Catalog::CreateRunResult> created = c.CreateRun(run);
  ASSERT_TRUE(created.ok()) << ErrorText(created);
  EXPECT_TRUE(created->created);
  EXPECT_TRUE(c.GetRun("r1").ok());
}

}  // namespace
}  // namespace ingestd::testing
