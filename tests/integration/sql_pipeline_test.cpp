// The `sql` source end to end: the real `ingestd run` binary copies a
// PostgreSQL table into another PostgreSQL dataset, incrementally, with the
// destination's column types taken from the source table's (reflection),
// not from inference. Driver-level behaviour is in sql_source_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/ingestd_process.hpp"
#include "tests/support/pg_query.hpp"
#include "tests/support/postgres_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using Rows = testing::PgRows;
using testing::PgQuery;

using RunResult = testing::ProcessResult;

RunResult RunIngestd(const fs::path& spec, const fs::path& data_dir) {
  return testing::RunIngestdProcess(INGESTD_BINARY, spec.string(), data_dir.string());
}


class SqlPipelineTest : public ::testing::Test {
 protected:
  SqlPipelineTest() : dir_("sql_pipeline") {}

  void SetUp() override {
    auto dsn = testing::TestPostgresDsn();
    ASSERT_TRUE(dsn.ok()) << dsn.error().message();
    // Source and destination share the server, not the schema.
    setenv("SQL_PIPELINE_PG_DSN", dsn->c_str(), 1);
    source_ = testing::FreshDatasetName("sql_src");
    dataset_ = testing::FreshDatasetName("sql_dst");
  }

  fs::path Spec() const { return fs::path(dir_.path()) / "spec.json"; }
  RunResult Run() const { return RunIngestd(Spec(), fs::path(dir_.path()) / "data"); }

  testing::TempDir dir_;
  std::string source_;
  std::string dataset_;
};

TEST_F(SqlPipelineTest, IncrementalMergeCopiesChangedRowsWithReflectedTypes) {
  PgQuery("CREATE SCHEMA " + source_);
  PgQuery("CREATE TABLE " + source_ + ".orders (id integer PRIMARY KEY, customer text NOT NULL, "
     "amount numeric(12,2), paid boolean, updated_at timestamptz NOT NULL)");
  PgQuery("INSERT INTO " + source_ + ".orders VALUES "
     "(1, 'ada', 10.50, false, '2024-05-01 10:00:00+00'), "
     "(2, 'linus', 20.00, true, '2024-05-02 10:00:00+00'), "
     "(3, 'grace', 12345678.99, NULL, '2024-05-03 10:00:00+00')");
  testing::WriteAll(Spec().string(), R"({
    "name": "orders_copy",
    "destination": {"kind": "postgres", "dsn": "env:SQL_PIPELINE_PG_DSN"},
    "dataset_name": ")" + dataset_ + R"(",
    "resources": [{
      "name": "orders",
      "write_disposition": "merge",
      "primary_key": "id",
      "incremental": {"cursor_path": "updated_at"},
      "source": {"kind": "sql", "dsn": "env:SQL_PIPELINE_PG_DSN", "table": ")" + source_ + R"(.orders",
                 "chunk_size": 2}
    }]
  })");
  const std::string table = dataset_ + ".orders";

  RunResult first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("items extracted: 3"));
  EXPECT_EQ(PgQuery("SELECT id, customer, amount, paid FROM " + table + " ORDER BY id"),
            (Rows{{"1", "ada", "10.50", "f"}, {"2", "linus", "20.00", "t"}, {"3", "grace", "12345678.99", "NULL"}}));
  const std::string load1 = PgQuery("SELECT load_id FROM " + dataset_ + "._dlt_loads").at(0).at(0);

  // Column types come from the source table, not from the JSON values.
  EXPECT_EQ(PgQuery("SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable "
               "FROM information_schema.columns WHERE table_schema = '" + dataset_ + "' AND table_name = 'orders' "
               "AND column_name IN ('id', 'customer', 'amount', 'paid', 'updated_at') ORDER BY column_name"),
            (Rows{{"amount", "numeric", "12", "2", "YES"},
                  {"customer", "character varying", "NULL", "NULL", "NO"},  // text is varchar, as in dlt
                  {"id", "bigint", "64", "0", "NO"},
                  {"paid", "boolean", "NULL", "NULL", "YES"},
                  {"updated_at", "timestamp with time zone", "NULL", "NULL", "NO"}}));

  // Order 1 changes, order 4 is new; 2 and 3 stay as they are (3 is the
  // boundary: read again by `updated_at >=` and dropped as already loaded).
  PgQuery("UPDATE " + source_ + ".orders SET amount = 11.25, updated_at = '2024-06-01 09:30:00+00' WHERE id = 1");
  PgQuery("INSERT INTO " + source_ + ".orders VALUES (4, 'edsger', 0.01, true, '2024-06-02 08:00:00+00')");
  RunResult second = Run();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("items extracted: 2"));
  const Rows loads = PgQuery("SELECT load_id FROM " + dataset_ + "._dlt_loads ORDER BY load_id");
  ASSERT_EQ(loads.size(), 2u);
  const std::string load2 = loads[1][0];
  EXPECT_EQ(PgQuery("SELECT id, amount, updated_at = '2024-06-01 09:30:00+00', _dlt_load_id FROM " + table +
               " ORDER BY id"),
            (Rows{{"1", "11.25", "t", load2},
                  {"2", "20.00", "f", load1},
                  {"3", "12345678.99", "f", load1},
                  {"4", "0.01", "f", load2}}));
  EXPECT_EQ(PgQuery("SELECT data_type FROM information_schema.columns WHERE table_schema = '" + dataset_ +
               "' AND table_name = 'orders' AND column_name = 'amount'"),
            Rows{{"numeric"}})
      << "still decimal after the second run";
}

}  // namespace
}  // namespace ingestd
