#include "core/destinations/postgres/postgres_destination.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/destinations/postgres/pg_connection.hpp"
#include "core/json/rapidjson.hpp"
#include "core/naming/snake_case_convention.hpp"
#include "core/normalize/json_normalizer.hpp"
#include "core/package/load_file.hpp"
#include "core/schema/resource_hints.hpp"
#include "core/schema/schema_json.hpp"
#include "tests/support/postgres_fixture.hpp"

namespace ingestd::destinations::postgres {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kNull = "<null>";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path CaseDir(const std::string& name) {
  return fs::path(INGESTD_SOURCE_DIR) / "tests/conformance/cases/public" / name;
}

class PostgresDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> dsn = ingestd::testing::TestPostgresDsn();
    ASSERT_TRUE(dsn.ok()) << dsn.error().ToString();
    dsn_ = *dsn;
    dataset_ = ingestd::testing::FreshDatasetName("pgtest");
    Result<std::unique_ptr<Destination>> dest = OpenPostgres({dsn_, dataset_, ""});
    ASSERT_TRUE(dest.ok()) << dest.error().ToString();
    dest_ = std::move(dest).value();
    Result<PgConnection> conn = PgConnection::Connect(dsn_);
    ASSERT_TRUE(conn.ok()) << conn.error().ToString();
    conn_.emplace(std::move(conn).value());
    ASSERT_TRUE(conn_->Exec("SET TimeZone = 'UTC'; SET extra_float_digits = 1").ok());
    dir_ = fs::temp_directory_path() / ("ingestd-pgtest-" + dataset_);
    fs::create_directories(dir_);
    schema_ = schema::Schema::CreateDefault("pgtest");
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Hints(schema::ResourceHints hints) {
    naming::SnakeCaseConvention naming(63);
    auto applied = schema::ApplyResourceHints(schema_, hints, naming);
    ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  }

  /// Normalizes `json` into `table` on top of schema_ (which keeps growing)
  /// and writes one load file per table: a load package as the runner makes.
  LoadRequest Package(std::string_view json, const std::string& table, const std::string& load_id,
                      double created_at = 1700000000.0, const std::string& file_tag = "") {
    normalize::NormalizeOptions options;
    options.load_id = load_id;
    options.row_id_seed = ++seed_;
    auto normalizer = normalize::JsonNormalizer::Create(schema_, options);
    EXPECT_TRUE(normalizer.ok());
    normalize::NormalizedBatch batch;
    Status s = normalizer->Normalize(json, table, batch);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    schema_ = normalizer->schema();
    const bool bumped = schema_.BumpVersion();
    LoadRequest request;
    request.load_id = load_id;
    request.pipeline_name = "pgtest_pipeline";
    request.schema = &schema_;
    request.store_schema_version = bumped;
    request.created_at = created_at;
    for (const normalize::TableRows& rows : batch.tables()) {
      const std::string path = (dir_ / (load_id + file_tag + "." + rows.table + ".lf")).string();
      auto writer = package::LoadFileWriter::Create(path);
      EXPECT_TRUE(writer.ok()) << writer.error().ToString();
      Status appended = writer->Append(rows, *schema_.FindTable(rows.table));
      EXPECT_TRUE(appended.ok()) << appended.error().ToString();
      EXPECT_TRUE(writer->Finish().ok());
      request.tables.push_back(TableLoad{rows.table, {path}});
    }
    if (schema_.ResolveWriteDisposition(table) == schema::WriteDisposition::kReplace) {
      request.replace_tables.push_back(table);
    }
    return request;
  }

  LoadResult MustLoad(const LoadRequest& request) {
    Result<LoadResult> r = dest_->Load(request, std::stop_token{});
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : LoadResult{};
  }

  /// Rows of a query as text (NULL as "<null>").
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    Result<PgResult> r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return out;
    for (int i = 0; i < r->row_count(); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < r->column_count(); ++j) {
        row.push_back(r->IsNull(i, j) ? std::string(kNull) : std::string(r->Value(i, j)));
      }
      out.push_back(std::move(row));
    }
    return out;
  }

  std::string Q(std::string_view table) const { return QualifiedName(dataset_, table); }

  std::string Scalar(const std::string& sql) {
    auto rows = Query(sql);
    return rows.size() == 1 && rows[0].size() == 1 ? rows[0][0] : "<no single value>";
  }

  std::int64_t Count(std::string_view table) {
    return std::stoll(Scalar("SELECT count(*) FROM " + Q(table)));
  }

  /// "name type [NOT NULL]" per column in attribute order.
  std::vector<std::string> Columns(std::string_view table) {
    std::vector<std::string> out;
    for (auto& row : Query("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
                           "FROM pg_attribute a WHERE a.attrelid = '" + Q(table) +
                           "'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
      out.push_back(row[0] + " " + row[1] + (row[2] == "t" ? " NOT NULL" : ""));
    }
    return out;
  }

  std::vector<std::string> Constraints(std::string_view table) {
    std::vector<std::string> out;
    for (auto& row : Query("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '" +
                           Q(table) + "'::regclass ORDER BY 1")) {
      out.push_back(row[0]);
    }
    return out;
  }

  std::vector<std::string> Tables() {
    std::vector<std::string> out;
    for (auto& row : Query("SELECT tablename FROM pg_tables WHERE schemaname = '" + dataset_ +
                           "' ORDER BY 1")) {
      out.push_back(row[0]);
    }
    return out;
  }

  std::string dsn_;
  std::string dataset_;
  std::unique_ptr<Destination> dest_;
  std::optional<PgConnection> conn_;
  fs::path dir_;
  schema::Schema schema_;
  std::uint64_t seed_ = 0;
};

// ---------------------------------------------------------------------------

TEST_F(PostgresDestinationTest, AppendTwiceCreatesTablesLikeDltAndAppends) {
  LoadResult r1 = MustLoad(Package(R"([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])", "items", "1700000001.1"));
  EXPECT_FALSE(r1.already_loaded);
  EXPECT_THAT(r1.rows_per_table, ElementsAre(std::pair<std::string, std::uint64_t>("items", 2)));
  MustLoad(Package(R"([{"id": 3, "name": "c"}])", "items", "1700000002.2"));

  EXPECT_THAT(Tables(), ElementsAre("_dlt_loads", "_dlt_version", "items"));
  EXPECT_THAT(Columns("items"), ElementsAre("id bigint", "name character varying",
                                            "_dlt_load_id character varying NOT NULL",
                                            "_dlt_id character varying NOT NULL"));
  EXPECT_THAT(Constraints("items"), ElementsAre("UNIQUE (_dlt_id)"));
  EXPECT_THAT(Columns("_dlt_loads"),
              ElementsAre("load_id character varying(64) NOT NULL", "schema_name character varying",
                          "status bigint NOT NULL", "inserted_at timestamp with time zone NOT NULL",
                          "schema_version_hash character varying"));
  EXPECT_THAT(Columns("_dlt_version"),
              ElementsAre("version bigint NOT NULL", "engine_version bigint NOT NULL",
                          "inserted_at timestamp with time zone NOT NULL",
                          "schema_name character varying NOT NULL",
                          "version_hash character varying NOT NULL", "schema character varying NOT NULL"));
  EXPECT_EQ(Query("SELECT id, name, _dlt_load_id FROM " + Q("items") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "a", "1700000001.1"},
                                                   {"2", "b", "1700000001.1"},
                                                   {"3", "c", "1700000002.2"}}));
  EXPECT_EQ(Query("SELECT load_id, schema_name, status, inserted_at::text, schema_version_hash FROM " +
                  Q("_dlt_loads") + " ORDER BY load_id"),
            (std::vector<std::vector<std::string>>{
                {"1700000001.1", "pgtest", "0", "2023-11-14 22:13:20+00", schema_.version_hash()},
                {"1700000002.2", "pgtest", "0", "2023-11-14 22:13:20+00", schema_.version_hash()}}));
  // The schema did not change in run 2: one version row.
  EXPECT_EQ(Count("_dlt_version"), 1);
  EXPECT_EQ(Scalar("SELECT engine_version FROM " + Q("_dlt_version")), "11");
  EXPECT_EQ(Scalar("SELECT \"schema\" FROM " + Q("_dlt_version")), schema::SchemaToJson(schema_));
}

TEST_F(PostgresDestinationTest, NewColumnIsAddedWithAlterTable) {
  MustLoad(Package(R"({"id": 1})", "items", "1.1"));
  EXPECT_THAT(Columns("items"), ElementsAre("id bigint", "_dlt_load_id character varying NOT NULL",
                                            "_dlt_id character varying NOT NULL"));
  MustLoad(Package(R"({"id": 2, "extra": "x", "when": "2024-05-06T07:08:09.5Z"})", "items", "1.2"));
  EXPECT_THAT(Columns("items"),
              ElementsAre("id bigint", "_dlt_load_id character varying NOT NULL",
                          "_dlt_id character varying NOT NULL", "extra character varying",
                          "when timestamp with time zone"));
  EXPECT_EQ(Query("SELECT id, extra, \"when\" FROM " + Q("items") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "<null>", "<null>"},
                                                   {"2", "x", "2024-05-06 07:08:09.5+00"}}));
  EXPECT_EQ(Count("_dlt_version"), 2);
}

TEST_F(PostgresDestinationTest, AllTypesRoundTripThroughCopyText) {
  // A hand-built table with every data type and values COPY must escape.
  schema::TableSchema t("typed");
  auto col = [&](std::string name, schema::DataType type) {
    schema::ColumnSchema c;
    c.name = std::move(name);
    c.data_type = type;
    t.AddColumn(std::move(c));
  };
  using schema::DataType;
  col("t", DataType::kText);
  col("b", DataType::kBigint);
  col("d", DataType::kDouble);
  col("f", DataType::kBool);
  col("ts", DataType::kTimestamp);
  col("dt", DataType::kDate);
  col("tm", DataType::kTime);
  col("dec", DataType::kDecimal);
  col("wei", DataType::kWei);
  col("j", DataType::kJson);
  col("bin", DataType::kBinary);
  schema::ColumnSchema ts_naive;
  ts_naive.name = "naive";
  ts_naive.data_type = DataType::kTimestamp;
  ts_naive.timezone = false;
  t.AddColumn(ts_naive);
  schema_.AddTable(t);
  schema_.BumpVersion();

  normalize::TableRows rows;
  rows.table = "typed";
  const std::string text = "tab\there\\back\nnew\rcr \xC3\xA4 \\N";
  const std::string bytes("\x00\x01\\\xff", 4);
  auto cell = [](std::uint32_t column, schema::Value v) { return normalize::Cell{column, v}; };
  rows.cells = {
      cell(0, schema::Value::Text(DataType::kText, text)),
      cell(1, schema::Value::Bigint(-9223372036854775807LL)),
      cell(2, schema::Value::Double(0.1)),
      cell(3, schema::Value::Bool(true)),
      cell(4, schema::Value::Timestamp(-1)),  // 1969-12-31 23:59:59.999999
      cell(5, schema::Value::Date(-719528)),  // 0000-01-01 = 1 BC
      cell(6, schema::Value::Time(45296789012)),
      cell(7, schema::Value::Text(DataType::kDecimal, "-12.340")),
      cell(8, schema::Value::Text(DataType::kWei, "123456789012345678901234567890")),
      cell(9, schema::Value::Text(DataType::kJson, R"({"a":"x\ty","b":[1,2]})")),
      cell(10, schema::Value::Text(DataType::kBinary, bytes)),
      cell(11, schema::Value::Timestamp(1700000000123456)),
      // second row: only a NaN double and an infinite one elsewhere
      cell(2, schema::Value::Double(std::numeric_limits<double>::quiet_NaN())),
      cell(1, schema::Value::Bigint(7)),
  };
  rows.row_ends = {12, 14};
  const std::string path = (dir_ / "typed.lf").string();
  {
    auto writer = package::LoadFileWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Append(rows, *schema_.FindTable("typed")).ok());
    ASSERT_TRUE(writer->Finish().ok());
  }
  LoadRequest request;
  request.load_id = "types.1";
  request.schema = &schema_;
  request.tables = {TableLoad{"typed", {path}}};
  MustLoad(request);

  EXPECT_THAT(Columns("typed"),
              ElementsAre("t character varying", "b bigint", "d double precision", "f boolean",
                          "ts timestamp with time zone", "dt date", "tm time without time zone",
                          "dec numeric(38,9)", "wei numeric(156,78)", "j jsonb", "bin bytea",
                          "naive timestamp without time zone"));
  auto got = Query("SELECT t, b::text, d::text, f::text, ts::text, dt::text, tm::text, dec::text, "
                   "wei::text, j::text, encode(bin, 'hex'), naive::text FROM " + Q("typed") +
                   " ORDER BY b");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (std::vector<std::string>{
                        text, "-9223372036854775807", "0.1", "true", "1969-12-31 23:59:59.999999+00",
                        "0001-01-01 BC", "12:34:56.789012", "-12.340000000",
                        "123456789012345678901234567890." + std::string(78, '0'),
                        R"({"a": "x\ty", "b": [1, 2]})", "00015cff", "2023-11-14 22:13:20.123456"}));
  EXPECT_EQ(got[1][1], "7");
  EXPECT_EQ(got[1][2], "NaN");
  EXPECT_EQ(got[1][0], kNull);
}

TEST_F(PostgresDestinationTest, ValueTheServerRefusesNamesTableLineAndColumn) {
  schema::TableSchema t("amounts");
  schema::ColumnSchema c;
  c.name = "amount";
  c.data_type = schema::DataType::kDecimal;
  t.AddColumn(c);
  schema_.AddTable(t);
  normalize::TableRows rows;
  rows.table = "amounts";
  rows.cells = {normalize::Cell{0, schema::Value::Text(schema::DataType::kDecimal, "1.5")},
                normalize::Cell{0, schema::Value::Text(schema::DataType::kDecimal, "not-a-number")}};
  rows.row_ends = {1, 2};
  const std::string path = (dir_ / "amounts.lf").string();
  auto writer = package::LoadFileWriter::Create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Append(rows, *schema_.FindTable("amounts")).ok());
  ASSERT_TRUE(writer->Finish().ok());
  LoadRequest request;
  request.load_id = "bad.1";
  request.schema = &schema_;
  request.tables = {TableLoad{"amounts", {path}}};
  Result<LoadResult> r = dest_->Load(request, std::stop_token{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  EXPECT_THAT(r.error().message(), HasSubstr("table amounts"));
  EXPECT_THAT(r.error().message(), HasSubstr("line 2, column amount"));
  EXPECT_THAT(r.error().message(), HasSubstr("SQLSTATE 22P02"));
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Q("amounts") + "') IS NULL"), "t");
}

TEST_F(PostgresDestinationTest, ReplaceTruncatesRootAndNestedTables) {
  schema::ResourceHints hints;
  hints.table_name = "snapshot";
  hints.write_disposition = schema::WriteDisposition::kReplace;
  Hints(hints);
  const fs::path c = CaseDir("replace_two_runs");
  MustLoad(Package(ReadFile(c / "run1.json"), "snapshot", "2.1"));
  EXPECT_EQ(Count("snapshot"), 3);
  EXPECT_EQ(Count("snapshot__kids"), 3);
  EXPECT_EQ(Count("snapshot__other"), 2);
  LoadRequest second = Package(ReadFile(c / "run2.json"), "snapshot", "2.2");
  EXPECT_THAT(second.replace_tables, ElementsAre("snapshot"));
  MustLoad(second);
  EXPECT_EQ(Query("SELECT id::text, v FROM " + Q("snapshot") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "a2"}, {"4", "d"}}));
  EXPECT_EQ(Query("SELECT k::text FROM " + Q("snapshot__kids")),
            (std::vector<std::vector<std::string>>{{"9"}}));
  EXPECT_EQ(Count("snapshot__other"), 0) << "a nested table without new rows is emptied too";
}

TEST_F(PostgresDestinationTest, MergeDeleteInsertReplacesRowsAndNestedRowsByPrimaryKey) {
  schema::ResourceHints hints;
  hints.table_name = "customers";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.primary_key = {"id"};
  Hints(hints);
  const fs::path c = CaseDir("merge_primary_key_two_runs");
  MustLoad(Package(ReadFile(c / "run1.json"), "customers", "3.1"));
  MustLoad(Package(ReadFile(c / "run2.json"), "customers", "3.2"));
  EXPECT_EQ(Query("SELECT id::text, name, _dlt_load_id FROM " + Q("customers") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{
                {"1", "one", "3.1"}, {"2", "two-updated", "3.2"}, {"3", "three", "3.1"}, {"4", "four", "3.2"}}));
  EXPECT_EQ(Query("SELECT c.id::text, o.o FROM " + Q("customers__orders") + " o JOIN " + Q("customers") +
                  " c ON c._dlt_id = o._dlt_root_id ORDER BY 1, 2"),
            (std::vector<std::vector<std::string>>{{"1", "1a"}, {"2", "2z"}, {"4", "4a"}}));
  EXPECT_THAT(Columns("customers__orders"),
              ElementsAre("o character varying", "_dlt_root_id character varying NOT NULL",
                          "_dlt_parent_id character varying NOT NULL", "_dlt_list_idx bigint NOT NULL",
                          "_dlt_id character varying NOT NULL"));
  // Staging is left behind, holding the last package's rows.
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + QualifiedName(dataset_ + "_staging", "customers")), "2");
}

TEST_F(PostgresDestinationTest, MergeDeduplicatesByPrimaryKeyWithDedupSortAndHardDeletes) {
  schema::ResourceHints hints;
  hints.table_name = "events";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.primary_key = {"id"};
  schema::ColumnSchema seq;
  seq.name = "seq";
  seq.dedup_sort = "desc";
  schema::ColumnSchema deleted;
  deleted.name = "deleted";
  deleted.data_type = schema::DataType::kBool;
  deleted.SetHint(schema::ColumnHint::kHardDelete, true);
  hints.columns = {seq, deleted};
  Hints(hints);
  MustLoad(Package(R"([{"id": 1, "seq": 1, "v": "old", "tags": ["x", "y"]},
                       {"id": 1, "seq": 3, "v": "newest", "tags": ["z"]},
                       {"id": 1, "seq": 2, "v": "middle"},
                       {"id": 2, "seq": 1, "v": "two"},
                       {"id": 3, "seq": 1, "v": "three", "tags": ["t"]}])",
                   "events", "4.1"));
  EXPECT_EQ(Query("SELECT id::text, v FROM " + Q("events") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "newest"}, {"2", "two"}, {"3", "three"}}));
  EXPECT_EQ(Query("SELECT value FROM " + Q("events__tags") + " ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"t"}, {"z"}}));
  // id 3 deleted (its latest version is a delete), id 2 deleted then re-added.
  MustLoad(Package(R"([{"id": 3, "seq": 2, "deleted": true},
                       {"id": 2, "seq": 2, "deleted": true},
                       {"id": 2, "seq": 3, "v": "two again", "deleted": false}])",
                   "events", "4.2"));
  EXPECT_EQ(Query("SELECT id::text, v FROM " + Q("events") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "newest"}, {"2", "two again"}}));
  EXPECT_EQ(Query("SELECT value FROM " + Q("events__tags") + " ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"z"}}));
}

TEST_F(PostgresDestinationTest, MergeByMergeKeyReplacesAllRowsWithThatKey) {
  schema::ResourceHints hints;
  hints.table_name = "daily";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.merge_key = {"day"};
  Hints(hints);
  MustLoad(Package(R"([{"day": "d1", "v": 1}, {"day": "d1", "v": 2}, {"day": "d2", "v": 3}])", "daily", "5.1"));
  MustLoad(Package(R"([{"day": "d1", "v": 10}])", "daily", "5.2"));
  EXPECT_EQ(Query("SELECT day, v::text FROM " + Q("daily") + " ORDER BY day, v"),
            (std::vector<std::vector<std::string>>{{"d1", "10"}, {"d2", "3"}}));
}

TEST_F(PostgresDestinationTest, UpsertUpdatesInsertsAndRemovesOrphanedNestedRows) {
  schema::ResourceHints hints;
  hints.table_name = "users";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.merge_strategy = schema::MergeStrategy::kUpsert;
  hints.primary_key = {"id"};
  Hints(hints);
  MustLoad(Package(R"([{"id": 1, "v": "a", "kids": [{"k": 1}, {"k": 2}]}, {"id": 2, "v": "b", "kids": [{"k": 3}]}])",
                   "users", "6.1"));
  const std::string id_before = Scalar("SELECT _dlt_id FROM " + Q("users") + " WHERE id = 1");
  MustLoad(Package(R"([{"id": 1, "v": "a2", "kids": [{"k": 10}]}, {"id": 3, "v": "c"}])", "users", "6.2"));
  EXPECT_EQ(Query("SELECT id::text, v, _dlt_load_id FROM " + Q("users") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "a2", "6.2"}, {"2", "b", "6.1"}, {"3", "c", "6.2"}}));
  EXPECT_EQ(Scalar("SELECT _dlt_id FROM " + Q("users") + " WHERE id = 1"), id_before)
      << "upsert row ids are key hashes";
  EXPECT_EQ(Query("SELECT u.id::text, k.k::text FROM " + Q("users__kids") + " k JOIN " + Q("users") +
                  " u ON u._dlt_id = k._dlt_root_id ORDER BY 1, 2"),
            (std::vector<std::vector<std::string>>{{"1", "10"}, {"2", "3"}}));
}

TEST_F(PostgresDestinationTest, UpsertWithDuplicateKeysInOnePackageIsInvalidArgument) {
  schema::ResourceHints hints;
  hints.table_name = "users";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.merge_strategy = schema::MergeStrategy::kUpsert;
  hints.primary_key = {"id"};
  Hints(hints);
  MustLoad(Package(R"([{"id": 1, "v": "a"}])", "users", "6.1"));
  Result<LoadResult> r =
      dest_->Load(Package(R"([{"id": 1, "v": "b"}, {"id": 1, "v": "c"}])", "users", "6.2"), std::stop_token{});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("upsert"));
  EXPECT_EQ(Query("SELECT v FROM " + Q("users")), (std::vector<std::vector<std::string>>{{"a"}}));
}

TEST_F(PostgresDestinationTest, Scd2RetiresChangedAndMissingRecordsAndInsertsNewVersions) {
  schema::ResourceHints hints;
  hints.table_name = "dim";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.merge_strategy = schema::MergeStrategy::kScd2;
  Hints(hints);
  MustLoad(Package(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 3, "v": "c", "tags": ["t"]}])", "dim",
                   "7.1", 1700000000.0));
  EXPECT_THAT(Columns("dim"), ElementsAre("id bigint", "v character varying",
                                          "_dlt_load_id character varying NOT NULL",
                                          "_dlt_id character varying NOT NULL",
                                          "_dlt_valid_from timestamp with time zone",
                                          "_dlt_valid_to timestamp with time zone"));
  // id 2 changes, id 3 disappears, id 4 is new, id 1 is unchanged.
  MustLoad(Package(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b2"}, {"id": 4, "v": "d"}])", "dim", "7.2",
                   1700003600.0));
  EXPECT_EQ(Query("SELECT id::text, v, _dlt_valid_from::text, _dlt_valid_to::text FROM " + Q("dim") +
                  " ORDER BY id, _dlt_valid_from"),
            (std::vector<std::vector<std::string>>{
                {"1", "a", "2023-11-14 22:13:20+00", "<null>"},
                {"2", "b", "2023-11-14 22:13:20+00", "2023-11-14 23:13:20+00"},
                {"2", "b2", "2023-11-14 23:13:20+00", "<null>"},
                {"3", "c", "2023-11-14 22:13:20+00", "2023-11-14 23:13:20+00"},
                {"4", "d", "2023-11-14 23:13:20+00", "<null>"}}));
  EXPECT_EQ(Count("dim__tags"), 1);
  EXPECT_THAT(Constraints("dim"), ::testing::IsEmpty()) << "the row hash is no unique key in scd2";

  // A retired version that comes back is inserted again as a new version.
  MustLoad(Package(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 4, "v": "d"}])", "dim", "7.3",
                   1700007200.0));
  EXPECT_EQ(Query("SELECT id::text, v, _dlt_valid_from::text, _dlt_valid_to::text FROM " + Q("dim") +
                  " WHERE id = 2 ORDER BY _dlt_valid_from"),
            (std::vector<std::vector<std::string>>{
                {"2", "b", "2023-11-14 22:13:20+00", "2023-11-14 23:13:20+00"},
                {"2", "b2", "2023-11-14 23:13:20+00", "2023-11-15 00:13:20+00"},
                {"2", "b", "2023-11-15 00:13:20+00", "<null>"}}));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Q("dim") + " WHERE _dlt_valid_to IS NULL"), "3");
}

TEST_F(PostgresDestinationTest, SameLoadIdTwiceIsAlreadyLoaded) {
  LoadRequest request = Package(R"([{"id": 1}, {"id": 2}])", "items", "8.1");
  MustLoad(request);
  LoadResult again = MustLoad(request);
  EXPECT_TRUE(again.already_loaded);
  EXPECT_EQ(Count("items"), 2);
  EXPECT_EQ(Count("_dlt_loads"), 1);
  Result<bool> loaded = dest_->IsLoaded("8.1");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(*loaded);
  loaded = dest_->IsLoaded("8.2");
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(*loaded);
}

TEST_F(PostgresDestinationTest, FreshDatasetIsNotLoadedAndRestoresNothing) {
  Result<bool> loaded = dest_->IsLoaded("x");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_FALSE(*loaded);
  Result<StoredPipeline> stored = dest_->Restore("p", "s");
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  EXPECT_FALSE(stored->schema_json.has_value());
  EXPECT_FALSE(stored->state.has_value());
}

TEST_F(PostgresDestinationTest, StateAndSchemaAreStoredAndRestored) {
  LoadRequest request = Package(R"({"id": 1})", "items", "9.1");
  StateRow state;
  state.version = 3;
  state.pipeline_name = "pgtest_pipeline";
  state.state = "eNoLz0gsSszJ";
  state.created_at = 1700000123.25;
  state.version_hash = "hash3";
  request.state = state;
  MustLoad(request);
  EXPECT_THAT(Columns("_dlt_pipeline_state"),
              ElementsAre("version bigint NOT NULL", "engine_version bigint NOT NULL",
                          "pipeline_name character varying NOT NULL", "state character varying NOT NULL",
                          "created_at timestamp with time zone NOT NULL", "version_hash character varying",
                          "_dlt_load_id character varying(64) NOT NULL", "_dlt_id character varying NOT NULL"));
  EXPECT_THAT(Constraints("_dlt_pipeline_state"), ElementsAre("UNIQUE (_dlt_id)"));
  EXPECT_EQ(Scalar("SELECT length(_dlt_id) FROM " + Q("_dlt_pipeline_state")), "14");

  Result<StoredPipeline> stored = dest_->Restore("pgtest_pipeline", "pgtest");
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  ASSERT_TRUE(stored->schema_json.has_value());
  EXPECT_EQ(*stored->schema_json, schema::SchemaToJson(schema_));
  ASSERT_TRUE(stored->state.has_value());
  EXPECT_EQ(stored->state->version, 3);
  EXPECT_EQ(stored->state->engine_version, 4);
  EXPECT_EQ(stored->state->state, "eNoLz0gsSszJ");
  EXPECT_DOUBLE_EQ(stored->state->created_at, 1700000123.25);
  EXPECT_EQ(stored->state->version_hash, "hash3");
  // A state row whose load is not in _dlt_loads (an incomplete load) is ignored.
  ASSERT_TRUE(conn_->Exec("INSERT INTO " + Q("_dlt_pipeline_state") +
                          " VALUES (4, 4, 'pgtest_pipeline', 's4', now(), 'h4', '9.9', 'orphanrow00000')")
                  .ok());
  stored = dest_->Restore("pgtest_pipeline", "pgtest");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state->version, 3);
}

TEST_F(PostgresDestinationTest, FailureMidLoadRollsEverythingBack) {
  MustLoad(Package(R"([{"id": 1, "kids": [{"k": 1}]}])", "items", "10.1"));
  const auto tables_before = Tables();
  const auto columns_before = Columns("items");
  LoadRequest bad = Package(R"([{"id": 2, "new_col": "x", "kids": [{"k": 2}], "other": [{"o": 1}]}])", "items",
                            "10.2");
  ASSERT_EQ(bad.tables.size(), 3u);
  // Corrupt the last table's load file: the first tables are already copied
  // when the error comes.
  {
    std::ofstream out(bad.tables.back().files[0], std::ios::binary | std::ios::trunc);
    out << "INGESTD-LF1\nRgarbage";
  }
  Result<LoadResult> r = dest_->Load(bad, std::stop_token{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kDataLoss) << r.error().ToString();
  EXPECT_THAT(r.error().message(), HasSubstr(bad.tables.back().table));
  EXPECT_EQ(Tables(), tables_before);
  EXPECT_EQ(Columns("items"), columns_before);
  EXPECT_EQ(Count("items"), 1);
  EXPECT_EQ(Count("items__kids"), 1);
  EXPECT_EQ(Count("_dlt_loads"), 1);

  // A missing file fails the same way; then the destination still works.
  bad.tables.back().files[0] = (dir_ / "does-not-exist.lf").string();
  r = dest_->Load(bad, std::stop_token{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Count("items"), 1);
  MustLoad(Package(R"({"id": 3})", "items", "10.3"));
  EXPECT_EQ(Count("items"), 2);
}

TEST_F(PostgresDestinationTest, ConflictingColumnTypeIsAClearErrorAndChangesNothing) {
  MustLoad(Package(R"({"id": 1, "name": "a"})", "items", "11.1"));
  ASSERT_TRUE(conn_->Exec("ALTER TABLE " + Q("items") + " ALTER COLUMN name TYPE integer USING 0").ok());
  Result<LoadResult> r = dest_->Load(Package(R"({"id": 2, "name": "b", "added": true})", "items", "11.2"),
                                     std::stop_token{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.error().message(), HasSubstr("items"));
  EXPECT_THAT(r.error().message(), HasSubstr("column name exists as integer"));
  EXPECT_THAT(r.error().message(), HasSubstr("character varying"));
  EXPECT_THAT(Columns("items"), ElementsAre("id bigint", "name integer",
                                            "_dlt_load_id character varying NOT NULL",
                                            "_dlt_id character varying NOT NULL"));
  EXPECT_EQ(Count("items"), 1);
}

TEST_F(PostgresDestinationTest, UnreachableServerIsUnavailable) {
  Result<std::unique_ptr<Destination>> dest =
      OpenPostgres({ingestd::testing::UnreachableDsn(), "whatever", ""});
  ASSERT_FALSE(dest.ok());
  EXPECT_EQ(dest.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(dest.error().message(), HasSubstr("cannot connect"));
  EXPECT_THAT(dest.error().message(), HasSubstr("127.0.0.1"));
  EXPECT_TRUE(IsRetryable(dest.error()));
}

TEST_F(PostgresDestinationTest, InvalidConfigIsRejected) {
  EXPECT_EQ(OpenPostgres({dsn_, "", ""}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenPostgres({dsn_, "a", "a"}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenPostgres({dsn_, std::string(64, 'a'), ""}).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(PostgresDestinationTest, StopRequestCancelsAndRollsBack) {
  MustLoad(Package(R"({"id": 1})", "items", "12.1"));
  std::stop_source stop;
  stop.request_stop();
  Result<LoadResult> r = dest_->Load(Package(R"({"id": 2, "more": 1})", "items", "12.2"), stop.get_token());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(Count("items"), 1);
  EXPECT_EQ(Count("_dlt_loads"), 1);
  EXPECT_EQ(Columns("items").size(), 3u);
}

TEST_F(PostgresDestinationTest, StopDuringCopyRollsBack) {
  // Enough rows that the COPY takes a while; stop from another thread.
  std::string json = "[";
  for (int i = 0; i < 200000; ++i) {
    if (i > 0) json += ",";
    json += R"({"id": )" + std::to_string(i) + R"(, "name": "some text to make rows longer"})";
  }
  json += "]";
  LoadRequest request = Package(json, "big", "13.1");
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    stop.request_stop();
  });
  Result<LoadResult> r = dest_->Load(request, stop.get_token());
  stopper.join();
  if (r.ok()) GTEST_SKIP() << "the load finished before the stop request";
  EXPECT_EQ(r.error().code(), ErrorCode::kCancelled) << r.error().ToString();
  Result<bool> loaded = dest_->IsLoaded("13.1");
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(*loaded);
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Q("big") + "') IS NULL"), "t");
}

// --- load sessions: files appended while normalization goes on ---------------

// One part of a package: its files and the schema as it stood after them.
struct Part {
  std::vector<TableLoad> tables;
  schema::Schema schema;
};

TEST_F(PostgresDestinationTest, SessionTakesPartsAsTheSchemaGrowsAndCommitsOnce) {
  LoadRequest a = Package(R"([{"id": 1, "name": "a"}])", "events", "7.1", 1700000000.0, "a");
  Part first{a.tables, schema_};
  LoadRequest b = Package(R"([{"id": 2, "name": "b", "extra": true, "tags": ["x", "y"]}])", "events", "7.1",
                          1700000000.0, "b");
  Part second{b.tables, schema_};

  LoadBegin begin;
  begin.load_id = "7.1";
  begin.pipeline_name = "pgtest_pipeline";
  begin.created_at = 1700000000.0;
  Result<std::unique_ptr<LoadSession>> session = dest_->BeginLoad(begin, std::stop_token{});
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_FALSE((*session)->already_loaded());
  Status appended = (*session)->Append(first.schema, first.tables, std::stop_token{});
  ASSERT_TRUE(appended.ok()) << appended.error().ToString();
  EXPECT_TRUE(Tables().empty()) << "nothing is visible before the commit";
  // The second part brings a column and a nested table the first did not have.
  appended = (*session)->Append(second.schema, second.tables, std::stop_token{});
  ASSERT_TRUE(appended.ok()) << appended.error().ToString();
  EXPECT_TRUE(Tables().empty());

  LoadRequest commit = b;
  commit.tables.clear();
  commit.store_schema_version = true;
  Result<LoadResult> committed = (*session)->Commit(commit, std::stop_token{});
  ASSERT_TRUE(committed.ok()) << committed.error().ToString();
  EXPECT_THAT(committed->rows_per_table,
              ElementsAre(std::pair<std::string, std::uint64_t>("events", 2),
                          std::pair<std::string, std::uint64_t>("events__tags", 2)));
  EXPECT_EQ(Query("SELECT id::text, name, extra::text FROM " + Q("events") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "a", std::string(kNull)}, {"2", "b", "true"}}));
  EXPECT_EQ(Count("events__tags"), 2);
  EXPECT_EQ(Scalar("SELECT string_agg(load_id, ',') FROM " + Q("_dlt_loads")), "7.1");
  EXPECT_EQ(Count("_dlt_version"), 1);
}

TEST_F(PostgresDestinationTest, SessionDroppedUncommittedLeavesNothingAndTheConnectionWorks) {
  LoadRequest request = Package(R"([{"id": 1}, {"id": 2}])", "items", "7.2");
  LoadBegin begin;
  begin.load_id = "7.2";
  {
    Result<std::unique_ptr<LoadSession>> session = dest_->BeginLoad(begin, std::stop_token{});
    ASSERT_TRUE(session.ok()) << session.error().ToString();
    ASSERT_TRUE((*session)->Append(schema_, request.tables, std::stop_token{}).ok());
  }  // normalization failed: the session goes away uncommitted
  EXPECT_TRUE(Tables().empty());
  MustLoad(request);  // the package again, as the next run loads it
  EXPECT_EQ(Count("items"), 2);
  EXPECT_EQ(Count("_dlt_loads"), 1);
}

TEST_F(PostgresDestinationTest, SessionAfterAFailedAppendRefusesToCommit) {
  ASSERT_TRUE(conn_->Exec("CREATE SCHEMA " + dataset_ + "; CREATE TABLE " + Q("items") + " (id text)").ok());
  LoadRequest request = Package(R"([{"id": 1}])", "items", "7.3");
  LoadBegin begin;
  begin.load_id = "7.3";
  Result<std::unique_ptr<LoadSession>> session = dest_->BeginLoad(begin, std::stop_token{});
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  Status appended = (*session)->Append(schema_, request.tables, std::stop_token{});
  ASSERT_FALSE(appended.ok());
  EXPECT_THAT(appended.error().message(), HasSubstr("column id exists as text but the schema needs bigint"));
  EXPECT_THAT(appended.error().message(), HasSubstr("postgres load 7.3 into " + dataset_));
  request.tables.clear();
  Result<LoadResult> committed = (*session)->Commit(request, std::stop_token{});
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(committed.error().message(), HasSubstr("nothing of it was committed"));
  EXPECT_THAT(Tables(), ElementsAre("items"));
  EXPECT_EQ(Count("items"), 0);
}

TEST_F(PostgresDestinationTest, SessionMergeStagingGrowsWithTheParts) {
  schema::ResourceHints hints;
  hints.table_name = "customers";
  hints.write_disposition = schema::WriteDisposition::kMerge;
  hints.primary_key = {"id"};
  Hints(hints);
  MustLoad(Package(R"([{"id": 1, "name": "one"}, {"id": 3, "name": "three", "orders": [{"o": "3a"}]}])",
                   "customers", "7.4"));
  LoadRequest a = Package(R"([{"id": 1, "name": "uno"}])", "customers", "7.5", 1700000001.0, "a");
  Part first{a.tables, schema_};
  LoadRequest b = Package(R"([{"id": 2, "name": "two", "vip": true, "orders": [{"o": "2a"}, {"o": "2b"}]}])",
                          "customers", "7.5", 1700000001.0, "b");
  LoadBegin begin;
  begin.load_id = "7.5";
  Result<std::unique_ptr<LoadSession>> session = dest_->BeginLoad(begin, std::stop_token{});
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  ASSERT_TRUE((*session)->Append(first.schema, first.tables, std::stop_token{}).ok());
  // The second part's tables come with the final request instead.
  Result<LoadResult> committed = (*session)->Commit(b, std::stop_token{});
  ASSERT_TRUE(committed.ok()) << committed.error().ToString();
  EXPECT_EQ(Query("SELECT id::text, name, coalesce(vip::text, '-') FROM " + Q("customers") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "uno", "-"}, {"2", "two", "true"}, {"3", "three", "-"}}));
  EXPECT_EQ(Query("SELECT c.id::text, o.o FROM " + Q("customers__orders") + " o JOIN " + Q("customers") +
                  " c ON c._dlt_id = o._dlt_root_id ORDER BY 1, 2"),
            (std::vector<std::vector<std::string>>{{"2", "2a"}, {"2", "2b"}, {"3", "3a"}}));
}

TEST_F(PostgresDestinationTest, SessionReplaceEmptiesTablesBeforeTheirFirstRowsAndTheRestAtCommit) {
  schema::ResourceHints hints;
  hints.table_name = "snapshot";
  hints.write_disposition = schema::WriteDisposition::kReplace;
  Hints(hints);
  const fs::path c = CaseDir("replace_two_runs");
  MustLoad(Package(ReadFile(c / "run1.json"), "snapshot", "7.6"));
  LoadRequest second = Package(ReadFile(c / "run2.json"), "snapshot", "7.7");
  LoadBegin begin;
  begin.load_id = "7.7";
  begin.replace_tables = second.replace_tables;
  Result<std::unique_ptr<LoadSession>> session = dest_->BeginLoad(begin, std::stop_token{});
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  // Each table in its own part, as two jobs would hand them over.
  for (const TableLoad& t : second.tables) {
    ASSERT_TRUE((*session)->Append(schema_, {t}, std::stop_token{}).ok());
  }
  LoadRequest commit = second;
  commit.tables.clear();
  ASSERT_TRUE((*session)->Commit(commit, std::stop_token{}).ok());
  EXPECT_EQ(Query("SELECT id::text, v FROM " + Q("snapshot") + " ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "a2"}, {"4", "d"}}));
  EXPECT_EQ(Query("SELECT k::text FROM " + Q("snapshot__kids")), (std::vector<std::vector<std::string>>{{"9"}}));
  EXPECT_EQ(Count("snapshot__other"), 0) << "a nested table without new rows is emptied at commit";
}

TEST_F(PostgresDestinationTest, UniqueConstraintsOfNewTablesComeAfterTheRowsWithTheUsualNames) {
  MustLoad(Package(R"([{"id": 1, "tags": ["a"]}])", "items", "7.9"));
  EXPECT_EQ(Query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN ('" + Q("items") +
                  "'::regclass, '" + Q("items__tags") + "'::regclass) ORDER BY 1"),
            (std::vector<std::vector<std::string>>{{"items__dlt_id_key", "UNIQUE (_dlt_id)"},
                                                   {"items__tags__dlt_id_key", "UNIQUE (_dlt_id)"}}));
  // Rows that break the constraint fail the load at commit: nothing stays.
  const std::string path = (dir_ / "dup.lf").string();
  {
    LoadRequest dup = Package(R"([{"id": 2}])", "dups", "7.10");
    const std::string one = dup.tables.at(0).files.at(0);
    fs::copy_file(one, path);
    dup.tables.at(0).files.push_back(path);  // the same rows (and _dlt_id) twice
    Result<LoadResult> r = dest_->Load(dup, std::stop_token{});
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message(), HasSubstr("_dlt_id"));
    EXPECT_THAT(r.error().message(), HasSubstr("postgres load 7.10"));
  }
  EXPECT_THAT(Tables(), ElementsAre("_dlt_loads", "_dlt_version", "items", "items__tags"));
}

TEST_F(PostgresDestinationTest, SessionOfALoadedPackageDoesNothing) {
  LoadRequest request = Package(R"([{"id": 1}])", "items", "7.8");
  MustLoad(request);
  LoadBegin begin;
  begin.load_id = "7.8";
  Result<std::unique_ptr<LoadSession>> session = dest_->BeginLoad(begin, std::stop_token{});
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_TRUE((*session)->already_loaded());
  ASSERT_TRUE((*session)->Append(schema_, request.tables, std::stop_token{}).ok());
  Result<LoadResult> committed = (*session)->Commit(request, std::stop_token{});
  ASSERT_TRUE(committed.ok()) << committed.error().ToString();
  EXPECT_TRUE(committed->already_loaded);
  EXPECT_EQ(Count("items"), 1);
}

TEST_F(PostgresDestinationTest, CopyThroughput) {
  constexpr int kRows = 300000;
  std::string json = "[";
  for (int i = 0; i < kRows; ++i) {
    if (i > 0) json += ",";
    json += R"({"id": )" + std::to_string(i) +
            R"(, "name": "customer name\twith tab", "amount": 12.5, "ok": true, "at": "2024-01-02T03:04:05Z"})";
  }
  json += "]";
  LoadRequest request = Package(json, "bulk", "14.1");
  std::uintmax_t bytes = 0;
  for (const auto& t : request.tables) bytes += fs::file_size(t.files[0]);
  // Reading alone, to tell the load file's share from COPY's.
  auto read_start = std::chrono::steady_clock::now();
  {
    auto reader = package::LoadFileReader::Open(request.tables[0].files[0], *schema_.FindTable("bulk"));
    ASSERT_TRUE(reader.ok());
    std::span<const normalize::Cell> row;
    while (*reader->Next(row)) {
    }
  }
  const double read_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count();
  const auto start = std::chrono::steady_clock::now();
  LoadResult r = MustLoad(request);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(Count("bulk"), kRows);
  ASSERT_EQ(r.rows_per_table.size(), 1u);
  EXPECT_EQ(r.rows_per_table[0].second, static_cast<std::uint64_t>(kRows));
  std::printf("[ throughput ] %d rows (%.1f MB load file) in %.3f s: %.0f rows/s (reading the file alone: %.3f s)\n",
              kRows, static_cast<double>(bytes) / 1e6, seconds, kRows / seconds, read_seconds);
}

// ---------------------------------------------------------------------------
// The public conformance cases (except the contract ones, a normalizer
// concern): every table dlt created must come out with the same columns
// (order, format_type, nullability), constraints and row counts.

class PostgresConformanceTest : public PostgresDestinationTest,
                                public ::testing::WithParamInterface<std::string> {};

std::optional<schema::DataType> TypeOf(const rapidjson::Value& v) {
  if (!v.IsString()) return std::nullopt;
  return schema::ParseDataType(std::string_view(v.GetString(), v.GetStringLength()));
}

TEST_P(PostgresConformanceTest, TablesMatchDlt) {
  const fs::path dir = CaseDir(GetParam());
  rapidjson::Document spec;
  spec.Parse(ReadFile(dir / "case.json").c_str());
  ASSERT_FALSE(spec.HasParseError());
  rapidjson::Document expected;
  expected.Parse(ReadFile(dir / "expected.json").c_str());
  ASSERT_FALSE(expected.HasParseError());

  schema::ResourceHints hints;
  hints.table_name = spec["table_name"].GetString();
  hints.write_disposition = schema::ParseWriteDisposition(spec["write_disposition"].GetString());
  if (spec["merge_strategy"].IsString()) {
    hints.merge_strategy = schema::ParseMergeStrategy(spec["merge_strategy"].GetString());
  } else if (hints.write_disposition == schema::WriteDisposition::kMerge) {
    hints.merge_strategy = schema::MergeStrategy::kDeleteInsert;
  }
  for (const auto& k : spec["primary_key"].GetArray()) hints.primary_key.emplace_back(k.GetString());
  for (const auto& k : spec["merge_key"].GetArray()) hints.merge_key.emplace_back(k.GetString());
  for (const auto& m : spec["columns"].GetObject()) {
    schema::ColumnSchema c;
    c.name = m.name.GetString();
    if (m.value.HasMember("data_type")) c.data_type = TypeOf(m.value["data_type"]);
    if (m.value.HasMember("nullable") && m.value["nullable"].IsBool()) c.nullable = m.value["nullable"].GetBool();
    if (m.value.HasMember("precision") && m.value["precision"].IsInt()) c.precision = m.value["precision"].GetInt();
    if (m.value.HasMember("scale") && m.value["scale"].IsInt()) c.scale = m.value["scale"].GetInt();
    hints.columns.push_back(std::move(c));
  }
  if (spec["max_table_nesting"].IsInt()) hints.max_table_nesting = spec["max_table_nesting"].GetInt();
  Hints(hints);
  const std::string table = schema_.tables().back().name();

  int run = 0;
  for (const auto& r : spec["runs"].GetArray()) {
    ++run;
    LoadRequest request = Package(ReadFile(dir / r["input"].GetString()), table,
                                  "1700000000." + std::to_string(run), 1700000000.0 + run);
    if (run == 1) {
      StateRow state;
      state.version = 1;
      state.pipeline_name = "conformance";
      state.state = "x";
      request.state = state;
    }
    MustLoad(request);
  }

  std::vector<std::string> expected_tables;
  for (const auto& t : expected["tables"].GetObject()) {
    const std::string name = t.name.GetString();
    expected_tables.push_back(name);
    SCOPED_TRACE("table " + name);
    std::vector<std::string> want_columns;
    for (const auto& c : t.value["columns"].GetArray()) {
      std::string col = c["name"].GetString();
      want_columns.push_back(col + " " + c["data_type"].GetString() + (c["nullable"].GetBool() ? "" : " NOT NULL"));
    }
    EXPECT_EQ(Columns(name), want_columns);
    std::vector<std::string> want_constraints;
    for (const auto& c : t.value["constraints"].GetArray()) want_constraints.emplace_back(c["definition"].GetString());
    std::sort(want_constraints.begin(), want_constraints.end());
    EXPECT_EQ(Constraints(name), want_constraints);
    if (name != "_dlt_pipeline_state" && name != "_dlt_version") {
      EXPECT_EQ(Count(name), t.value["row_count"].GetInt64());
    }
  }
  std::sort(expected_tables.begin(), expected_tables.end());
  EXPECT_EQ(Tables(), expected_tables);
}

INSTANTIATE_TEST_SUITE_P(PublicCases, PostgresConformanceTest,
                         ::testing::Values("append_flat_types", "append_two_runs", "child_tables_list_of_dicts",
                                           "column_hints", "empty_and_null_containers", "identifiers_basic",
                                           "list_of_primitives", "lists_of_lists", "merge_primary_key_two_runs",
                                           "nested_dicts", "nulls_and_missing", "numbers_and_bools",
                                           "replace_two_runs", "timestamps_and_dates"));

}  // namespace
}  // namespace ingestd::destinations::postgres
