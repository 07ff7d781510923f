// `ingestd run` into PostgreSQL loads each normalize job's files while later
// jobs still normalize, inside the package's one transaction. These tests
// check what that must not change: the loaded tables are the same as when
// loading after normalization (columns and nested tables that only late
// item files bring included), and a failure on either side commits nothing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
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
using testing::PgQuery;
using testing::PgRows;

constexpr int kRecords = 3000;
constexpr int kLateFrom = 2700;  // records from here on bring a column and a nested table

class OverlappedLoadTest : public ::testing::Test {
 protected:
  OverlappedLoadTest() : dir_("overlapped_load") {}

  void SetUp() override {
    auto dsn = testing::TestPostgresDsn();
    ASSERT_TRUE(dsn.ok()) << dsn.error().message();
    setenv("OVERLAPPED_LOAD_PG_DSN", dsn->c_str(), 1);
    std::string items;
    for (int i = 0; i < kRecords; ++i) {
      items += "{\"id\": " + std::to_string(i) + ", \"name\": \"n" + std::to_string(i) + "\", \"tags\": [\"a\", \"b\"]";
      if (i >= kLateFrom) items += ", \"late\": " + std::to_string(i * 2) + ", \"notes\": [{\"t\": \"x\"}]";
      items += "}\n";
    }
    testing::WriteAll(Path("items.jsonl"), items);
  }

  std::string Path(const std::string& name) const { return (fs::path(dir_.path()) / name).string(); }

  // A spec loading items.jsonl into `dataset` in jobs of 250 items (12 jobs).
  std::string WriteSpec(const std::string& dataset, const std::string& extra_resource_keys = "") {
    const std::string spec = Path(dataset + ".json");
    testing::WriteAll(spec, R"({
      "name": ")" + dataset + R"(",
      "destination": {"kind": "postgres", "dsn": "env:OVERLAPPED_LOAD_PG_DSN"},
      "dataset_name": ")" + dataset + R"(",
      "options": {"file_max_items": 250},
      "resources": [{"name": "items", )" + extra_resource_keys + R"(
                     "source": {"kind": "files", "paths": [")" + Path("items.jsonl") + R"("], "format": "jsonl"}}]
    })");
    return spec;
  }

  testing::ProcessResult Run(const std::string& spec, const std::string& environment = "",
                             const std::string& args = "--normalize-workers 2") {
    testing::IngestdRunOptions options;
    options.environment = environment;
    options.extra_args = args;
    return testing::RunIngestdProcess(INGESTD_BINARY, spec, Path("data"), options);
  }

  // Every table of `dataset` (system tables aside): columns with types, then
  // the rows sorted, without the random row ids and the load id.
  static std::string Dump(const std::string& dataset) {
    std::string out;
    for (const auto& table : PgQuery("SELECT tablename FROM pg_tables WHERE schemaname = '" + dataset +
                                     "' AND tablename NOT LIKE '\\_dlt%' ORDER BY 1")) {
      out += "table " + table[0] + ":";
      std::string select;
      for (const auto& column : PgQuery("SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                                        "WHERE table_schema = '" + dataset + "' AND table_name = '" + table[0] +
                                        "' ORDER BY column_name")) {
        out += " " + column[0] + " " + column[1] + " " + column[2] + ",";
        if (column[0].rfind("_dlt_", 0) == 0 && column[0] != "_dlt_list_idx") continue;
        select += (select.empty() ? "" : " || '|' || ") + ("coalesce(\"" + column[0] + "\"::text, '-')");
      }
      out += "\n";
      std::vector<std::string> lines;
      for (const auto& row : PgQuery("SELECT " + select + " FROM " + dataset + "." + table[0])) lines.push_back(row[0]);
      std::sort(lines.begin(), lines.end());
      for (const std::string& line : lines) out += "  " + line + "\n";
    }
    return out;
  }

  static std::string Scalar(const std::string& sql) {
    PgRows rows = PgQuery(sql);
    return rows.size() == 1 && rows[0].size() == 1 ? rows[0][0] : "<no single value>";
  }

  testing::TempDir dir_;
};

TEST_F(OverlappedLoadTest, TablesAreTheSameAsWhenLoadingAfterNormalization) {
  const std::string overlapped = testing::FreshDatasetName("overlap_on");
  const std::string sequential = testing::FreshDatasetName("overlap_off");
  testing::ProcessResult a = Run(WriteSpec(overlapped));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  testing::ProcessResult b = Run(WriteSpec(sequential), "INGESTD_BENCH_SEQUENTIAL_LOAD=1");
  ASSERT_EQ(b.exit_code, 0) << b.output;

  EXPECT_EQ(Scalar("SELECT count(*) FROM " + overlapped + ".items"), std::to_string(kRecords));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + overlapped + ".items WHERE late IS NOT NULL"),
            std::to_string(kRecords - kLateFrom))
      << "a column that only the last jobs bring is added inside the transaction";
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + overlapped + ".items__notes"), std::to_string(kRecords - kLateFrom));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + overlapped + "._dlt_loads"), "1");
  const std::string dump = Dump(overlapped);
  EXPECT_THAT(dump, HasSubstr("late bigint YES"));
  EXPECT_EQ(dump, Dump(sequential));
}

TEST_F(OverlappedLoadTest, ALateNormalizeFailureCommitsNothingAndTheNextRunLoadsEverything) {
  const std::string dataset = testing::FreshDatasetName("overlap_fail");
  // The first run creates the table; its data types are frozen from then on.
  const std::string frozen = WriteSpec(dataset, R"("schema_contract": {"data_type": "freeze"},)");
  testing::ProcessResult first = Run(frozen);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // The second run's last record has an `id` that is no bigint: the last
  // normalize job fails, after earlier jobs' files were loaded.
  std::string items;
  for (int i = 0; i < kRecords; ++i) {
    items += "{\"id\": " + (i == kRecords - 1 ? std::string("\"not a number\"") : std::to_string(kRecords + i)) +
             ", \"name\": \"m" + std::to_string(i) + "\"}\n";
  }
  testing::WriteAll(Path("items.jsonl"), items);
  testing::ProcessResult failed = Run(frozen);
  ASSERT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("normalize ("));
  EXPECT_THAT(failed.output, HasSubstr("stays pending"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + dataset + ".items"), std::to_string(kRecords))
      << "the rows of the jobs loaded before the failure were rolled back";
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + dataset + "._dlt_loads"), "1");

  // Relaxing the contract lets the pending package through, whole, before
  // the run extracts the file again.
  testing::ProcessResult resumed = Run(WriteSpec(dataset, R"("schema_contract": {"data_type": "evolve"},)"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + dataset + "._dlt_loads"), "3");
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + dataset + ".items"), std::to_string(3 * kRecords));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + dataset + ".items WHERE id__v_text = 'not a number'"), "2");
}

TEST_F(OverlappedLoadTest, ALoadFailureStopsNormalizationWithTheDestinationsError) {
  const std::string dataset = testing::FreshDatasetName("overlap_conflict");
  PgQuery("CREATE SCHEMA " + dataset);
  PgQuery("CREATE TABLE " + dataset + ".items (id bigint, name bigint)");
  testing::ProcessResult failed = Run(WriteSpec(dataset));
  ASSERT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("column name exists as bigint but the schema needs character varying"));
  EXPECT_THAT(failed.output, HasSubstr("load (package"));
  EXPECT_THAT(failed.output, HasSubstr("stays pending"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + dataset + ".items"), "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_tables WHERE schemaname = '" + dataset + "'"), "1");
}

}  // namespace
}  // namespace ingestd
