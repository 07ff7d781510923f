#include "core/destinations/sqlite/sqlite_destination.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/destinations/sqlite/sqlite_type_mapping.hpp"
#include "core/normalize/json_normalizer.hpp"
#include "core/package/load_file.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::destinations::sqlite {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using schema::ColumnHint;
using schema::ColumnSchema;
using schema::DataType;
using schema::MergeStrategy;
using schema::TableSchema;
using schema::WriteDisposition;

constexpr double kT1 = 1700000000;  // 2023-11-14 22:13:20 UTC
constexpr double kT2 = 1700003600;  // 23:13:20
constexpr double kT3 = 1700007200;  // 2023-11-15 00:13:20

ColumnSchema Col(std::string name, std::optional<DataType> type = std::nullopt) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  return c;
}

TableSchema Table(std::string name, WriteDisposition disposition,
                  std::optional<MergeStrategy> strategy = std::nullopt) {
  TableSchema t{std::move(name)};
  t.write_disposition = disposition;
  t.merge_strategy = strategy;
  return t;
}

ColumnSchema PrimaryKey(std::string name) {
  ColumnSchema c = Col(std::move(name));
  c.nullable = false;
  c.SetHint(ColumnHint::kPrimaryKey, true);
  return c;
}

class SqliteDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/ingestd_sqlite_test_XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
    path_ = dir_ + "/dataset.db";
    schema_ = schema::Schema::CreateDefault("test");
    auto destination = OpenSqlite({.path = path_, .dataset = "test"});
    ASSERT_TRUE(destination.ok()) << destination.error().ToString();
    destination_ = std::move(destination).value();
  }

  void TearDown() override {
    destination_.reset();
    std::filesystem::remove_all(dir_);
  }

  /// Normalizes `json` into `root` over schema_ (which becomes the working
  /// schema, as a pipeline keeps it), writes one load file per table and
  /// returns the request for it.
  LoadRequest Package(std::string_view json, std::string_view root, double created_at = kT1) {
    LoadRequest request;
    request.load_id = std::to_string(static_cast<long long>(created_at)) + "." + std::to_string(++load_counter_);
    request.pipeline_name = "pipe";
    request.created_at = created_at;
    normalize::NormalizeOptions options;
    options.load_id = request.load_id;
    options.row_id_seed = static_cast<std::uint64_t>(load_counter_);
    options.max_identifier_length = destination_->MaxIdentifierLength();
    auto normalizer = normalize::JsonNormalizer::Create(schema_, options);
    EXPECT_TRUE(normalizer.ok());
    normalize::NormalizedBatch batch;
    Status s = normalizer->Normalize(json, root, batch);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    schema_ = normalizer->schema();
    schema_.BumpVersion();
    const std::string package_dir = dir_ + "/" + request.load_id;
    std::filesystem::create_directories(package_dir);
    for (const normalize::TableRows& rows : batch.tables()) {
      const std::string file = package_dir + "/" + rows.table + ".lf";
      auto writer = package::LoadFileWriter::Create(file);
      EXPECT_TRUE(writer.ok()) << writer.error().ToString();
      Status appended = writer->Append(rows, *schema_.FindTable(rows.table));
      EXPECT_TRUE(appended.ok()) << appended.error().ToString();
      EXPECT_TRUE(writer->Finish().ok());
      request.tables.push_back({rows.table, {file}});
    }
    request.schema = &schema_;
    request.store_schema_version = true;
    return request;
  }

  LoadResult MustLoad(const LoadRequest& request) {
    auto result = destination_->Load(request, std::stop_token());
    EXPECT_TRUE(result.ok()) << result.error().ToString();
    return result.ok() ? *result : LoadResult{};
  }

  LoadResult MustLoad(std::string_view json, std::string_view root, double created_at = kT1) {
    return MustLoad(Package(json, root, created_at));
  }

  /// Rows of `sql` as "a|b|c" (NULL for nulls), read with a separate
  /// connection.
  std::vector<std::string> Query(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path_;
      sqlite3_close_v2(db);
      return rows;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      sqlite3_close_v2(db);
      return rows;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) row += "|";
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row += text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
    return rows;
  }

  void ExecDirect(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err != nullptr ? err : "");
    sqlite3_free(err);
    sqlite3_close_v2(db);
  }

  std::vector<std::string> Tables() {
    return Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  }

  std::string dir_;
  std::string path_;
  schema::Schema schema_;
  std::unique_ptr<Destination> destination_;
  int load_counter_ = 0;
};

TEST_F(SqliteDestinationTest, AppendTwiceAddsRowsAndNewColumns) {
  EXPECT_EQ(destination_->Kind(), "sqlite");
  LoadResult first = MustLoad(R"([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])", "items");
  EXPECT_FALSE(first.already_loaded);
  ASSERT_EQ(first.rows_per_table.size(), 1u);
  EXPECT_EQ(first.rows_per_table[0].first, "items");
  EXPECT_EQ(first.rows_per_table[0].second, 2u);

  MustLoad(R"({"id": 3, "name": "c", "score": 1.5})", "items", kT2);
  EXPECT_THAT(Query("SELECT id, name, score FROM items ORDER BY id"),
              ElementsAre("1|a|NULL", "2|b|NULL", "3|c|1.5"));
  EXPECT_THAT(Query("SELECT name, type, \"notnull\" FROM pragma_table_info('items')"),
              ElementsAre("id|INTEGER|0", "name|TEXT|0", "_dlt_load_id|TEXT|1", "_dlt_id|TEXT|1",
                          "score|REAL|0"));
  EXPECT_THAT(Query("SELECT COUNT(*), COUNT(DISTINCT _dlt_load_id) FROM items"), ElementsAre("3|2"));
  EXPECT_THAT(Query("SELECT schema_name, status, inserted_at FROM _dlt_loads ORDER BY load_id"),
              ElementsAre("test|0|2023-11-14 22:13:20+00:00", "test|0|2023-11-14 23:13:20+00:00"));
  // One `_dlt_version` row per schema version, holding the schema JSON.
  EXPECT_THAT(Query("SELECT COUNT(*), COUNT(DISTINCT version_hash) FROM _dlt_version"), ElementsAre("2|2"));
  EXPECT_THAT(Query("SELECT version_hash FROM _dlt_version ORDER BY version DESC LIMIT 1"),
              ElementsAre(schema_.version_hash()));
}

TEST_F(SqliteDestinationTest, ValuesAreStoredAsDocumented) {
  TableSchema t = Table("typed", WriteDisposition::kAppend);
  ColumnSchema amount = Col("amount", DataType::kDecimal);
  amount.precision = 50;
  amount.scale = 3;
  t.AddColumn(amount);
  t.AddColumn(Col("doc", DataType::kJson));
  t.AddColumn(Col("day", DataType::kDate));
  t.AddColumn(Col("at", DataType::kTime));
  t.AddColumn(Col("raw", DataType::kBinary));
  schema_.AddTable(t);
  MustLoad(R"({"amount": 123456789012345678901234567890.120, "doc": {"k": [1, 2]}, "day": "2024-02-29",
               "at": "12:34:56.5", "ts": "2024-01-02T03:04:05.123456Z", "flag": true,
               "big": 9007199254740993, "n": 0.1})",
           "typed");
  EXPECT_THAT(Query("SELECT name, type FROM pragma_table_info('typed') WHERE name IN "
                    "('amount', 'doc', 'day', 'at', 'raw', 'ts', 'flag', 'big', 'n')"),
              ElementsAre("amount|DECIMAL_TEXT", "doc|JSON_TEXT", "day|DATE", "at|TIME", "raw|BLOB",
                          "ts|TIMESTAMP", "flag|BOOLEAN", "big|INTEGER", "n|REAL"));
  EXPECT_THAT(Query("SELECT amount, typeof(amount), doc, day, at, ts, flag, typeof(flag), big, n FROM typed"),
              ElementsAre("123456789012345678901234567890.120|text|{\"k\":[1,2]}|2024-02-29|12:34:56.500000|"
                          "2024-01-02 03:04:05.123456+00:00|1|integer|9007199254740993|0.1"));
}

TEST_F(SqliteDestinationTest, ReplaceEmptiesRootAndNestedTables) {
  schema_.AddTable(Table("teams", WriteDisposition::kReplace));
  MustLoad(R"([{"id": 1, "members": [{"n": "x"}, {"n": "y"}]}, {"id": 2, "members": [{"n": "z"}]}])", "teams");
  EXPECT_THAT(Query("SELECT n FROM teams__members ORDER BY n"), ElementsAre("x", "y", "z"));

  LoadRequest second = Package(R"({"id": 3})", "teams", kT2);
  second.replace_tables = {"teams"};
  MustLoad(second);
  EXPECT_THAT(Query("SELECT id FROM teams"), ElementsAre("3"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM teams__members"), ElementsAre("0"));

  // A replace with no rows at all still empties the chain.
  LoadRequest third = Package("[]", "teams", kT3);
  third.tables.clear();
  third.replace_tables = {"teams"};
  MustLoad(third);
  EXPECT_THAT(Query("SELECT COUNT(*) FROM teams"), ElementsAre("0"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM _dlt_loads"), ElementsAre("3"));
}

TEST_F(SqliteDestinationTest, MergeDeleteInsertWithNestedTablesDedupAndHardDelete) {
  TableSchema t = Table("customers", WriteDisposition::kMerge, MergeStrategy::kDeleteInsert);
  t.AddColumn(PrimaryKey("id"));
  ColumnSchema deleted = Col("deleted", DataType::kBool);
  deleted.SetHint(ColumnHint::kHardDelete, true);
  t.AddColumn(deleted);
  schema_.AddTable(t);

  MustLoad(R"([{"id": 1, "v": "a", "tags": ["x", "y"]}, {"id": 2, "v": "b", "tags": ["z"]}])", "customers");
  // Two versions of id 1 in one load: the last one wins, and it has no tags.
  MustLoad(R"([{"id": 1, "v": "a1", "tags": ["q"]}, {"id": 1, "v": "a2"}, {"id": 3, "v": "c", "tags": ["w"]}])",
           "customers", kT2);
  EXPECT_THAT(Query("SELECT id, v FROM customers ORDER BY id"), ElementsAre("1|a2", "2|b", "3|c"));
  EXPECT_THAT(Query("SELECT c.id, t.value FROM customers__tags t JOIN customers c ON t._dlt_root_id = c._dlt_id "
                    "ORDER BY c.id, t._dlt_list_idx"),
              ElementsAre("2|z", "3|w"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM customers__tags"), ElementsAre("2"));

  // A hard delete removes the row and its nested rows and inserts nothing.
  MustLoad(R"({"id": 2, "deleted": true})", "customers", kT3);
  EXPECT_THAT(Query("SELECT id, v FROM customers ORDER BY id"), ElementsAre("1|a2", "3|c"));
  EXPECT_THAT(Query("SELECT value FROM customers__tags"), ElementsAre("w"));
}

// --- load sessions: files appended while normalization goes on ---------------

TEST_F(SqliteDestinationTest, SessionMergesPartsAsTheSchemaGrowsAndCommitsOnce) {
  TableSchema t = Table("customers", WriteDisposition::kMerge, MergeStrategy::kDeleteInsert);
  t.AddColumn(PrimaryKey("id"));
  schema_.AddTable(t);
  MustLoad(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b", "tags": ["x"]}])", "customers");

  LoadRequest first = Package(R"([{"id": 1, "v": "a2"}])", "customers", kT2);
  const schema::Schema first_schema = schema_;
  // The second part brings a column and staged rows of a nested table.
  LoadRequest second = Package(R"([{"id": 3, "v": "c", "vip": true, "tags": ["y", "z"]}])", "customers", kT2);
  LoadBegin begin;
  begin.load_id = "session.1";
  begin.created_at = kT2;
  auto session = destination_->BeginLoad(begin, std::stop_token());
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  ASSERT_TRUE((*session)->Append(first_schema, first.tables, std::stop_token()).ok());
  Status appended = (*session)->Append(schema_, second.tables, std::stop_token());
  ASSERT_TRUE(appended.ok()) << appended.error().ToString();
  EXPECT_THAT(Query("SELECT id, v FROM customers ORDER BY id"), ElementsAre("1|a", "2|b"))
      << "another connection sees nothing of the load before the commit";

  LoadRequest commit = second;
  commit.load_id = "session.1";
  commit.tables.clear();
  auto committed = (*session)->Commit(commit, std::stop_token());
  ASSERT_TRUE(committed.ok()) << committed.error().ToString();
  EXPECT_THAT(Query("SELECT id, v, vip FROM customers ORDER BY id"), ElementsAre("1|a2|NULL", "2|b|NULL", "3|c|1"));
  EXPECT_THAT(Query("SELECT c.id, t.value FROM customers__tags t JOIN customers c ON t._dlt_root_id = c._dlt_id "
                    "ORDER BY c.id, t._dlt_list_idx"),
              ElementsAre("2|x", "3|y", "3|z"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM _dlt_loads WHERE load_id = 'session.1'"), ElementsAre("1"));
}

TEST_F(SqliteDestinationTest, SessionDroppedUncommittedLeavesNothing) {
  MustLoad(R"([{"id": 1}])", "items");
  LoadRequest request = Package(R"([{"id": 2, "extra": "x"}])", "items", kT2);
  LoadBegin begin;
  begin.load_id = request.load_id;
  {
    auto session = destination_->BeginLoad(begin, std::stop_token());
    ASSERT_TRUE(session.ok()) << session.error().ToString();
    ASSERT_TRUE((*session)->Append(schema_, request.tables, std::stop_token()).ok());
  }
  EXPECT_THAT(Query("SELECT id FROM items ORDER BY id"), ElementsAre("1"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM pragma_table_info('items') WHERE name = 'extra'"), ElementsAre("0"));
  MustLoad(request);  // the package again, as the next run loads it
  EXPECT_THAT(Query("SELECT id, extra FROM items ORDER BY id"), ElementsAre("1|NULL", "2|x"));
}

TEST_F(SqliteDestinationTest, MergeDedupSortAndMergeKey) {
  TableSchema t = Table("events", WriteDisposition::kMerge, MergeStrategy::kDeleteInsert);
  t.AddColumn(PrimaryKey("id"));
  ColumnSchema version = Col("ver", DataType::kBigint);
  version.dedup_sort = "desc";
  t.AddColumn(version);
  schema_.AddTable(t);
  MustLoad(R"([{"id": 1, "ver": 2, "v": "new"}, {"id": 1, "ver": 1, "v": "old"}])", "events");
  EXPECT_THAT(Query("SELECT id, ver, v FROM events"), ElementsAre("1|2|new"));

  // Merge key without primary key: every row of a key value is replaced.
  TableSchema days = Table("days", WriteDisposition::kMerge, MergeStrategy::kDeleteInsert);
  ColumnSchema day = Col("day");
  day.SetHint(ColumnHint::kMergeKey, true);
  days.AddColumn(day);
  schema_.AddTable(days);
  MustLoad(R"([{"day": "d1", "v": 1}, {"day": "d1", "v": 2}, {"day": "d2", "v": 3}])", "days", kT2);
  MustLoad(R"([{"day": "d1", "v": 4}])", "days", kT3);
  EXPECT_THAT(Query("SELECT day, v FROM days ORDER BY day, v"), ElementsAre("d1|4", "d2|3"));
}

TEST_F(SqliteDestinationTest, UpsertUpdatesByPrimaryKeyAndReplacesNestedRows) {
  TableSchema t = Table("users", WriteDisposition::kMerge, MergeStrategy::kUpsert);
  t.AddColumn(PrimaryKey("id"));
  schema_.AddTable(t);
  MustLoad(R"([{"id": 1, "v": "a", "l": [1, 2]}, {"id": 2, "v": "b"}])", "users");
  const auto first_ids = Query("SELECT _dlt_id FROM users WHERE id = 1");
  MustLoad(R"([{"id": 1, "v": "a2", "l": [3]}, {"id": 3, "v": "c"}])", "users", kT2);
  EXPECT_THAT(Query("SELECT id, v FROM users ORDER BY id"), ElementsAre("1|a2", "2|b", "3|c"));
  EXPECT_EQ(Query("SELECT _dlt_id FROM users WHERE id = 1"), first_ids) << "upsert row id = key hash";
  EXPECT_THAT(Query("SELECT u.id, l.value FROM users__l l JOIN users u ON l._dlt_root_id = u._dlt_id"),
              ElementsAre("1|3"));
}

TEST_F(SqliteDestinationTest, InsertOnlyKeepsExistingRows) {
  TableSchema t = Table("log", WriteDisposition::kMerge, MergeStrategy::kInsertOnly);
  t.AddColumn(PrimaryKey("id"));
  schema_.AddTable(t);
  MustLoad(R"([{"id": 1, "v": "a", "l": [1]}])", "log");
  MustLoad(R"([{"id": 1, "v": "changed", "l": [9]}, {"id": 2, "v": "b", "l": [2]}])", "log", kT2);
  EXPECT_THAT(Query("SELECT id, v FROM log ORDER BY id"), ElementsAre("1|a", "2|b"));
  EXPECT_THAT(Query("SELECT value FROM log__l ORDER BY value"), ElementsAre("1", "2"));
}

TEST_F(SqliteDestinationTest, Scd2RetiresMissingVersionsAtTheBoundary) {
  schema_.AddTable(Table("dim", WriteDisposition::kMerge, MergeStrategy::kScd2));
  MustLoad(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b", "kids": [{"k": 1}]}])", "dim", kT1);
  MustLoad(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b2", "kids": [{"k": 1}]}])", "dim", kT2);
  MustLoad(R"([{"id": 1, "v": "a"}])", "dim", kT3);
  EXPECT_THAT(Query("SELECT id, v, _dlt_valid_from, _dlt_valid_to FROM dim ORDER BY rowid"),
              ElementsAre("1|a|2023-11-14 22:13:20+00:00|NULL",
                          "2|b|2023-11-14 22:13:20+00:00|2023-11-14 23:13:20+00:00",
                          "2|b2|2023-11-14 23:13:20+00:00|2023-11-15 00:13:20+00:00"));
  EXPECT_THAT(Query("SELECT name, type FROM pragma_table_info('dim') WHERE name LIKE '_dlt_valid%'"),
              ElementsAre("_dlt_valid_from|TIMESTAMP", "_dlt_valid_to|TIMESTAMP"));
  // Nested rows are keyed by parent hash, so each version's kids stay once.
  EXPECT_THAT(Query("SELECT d.v, k.k FROM dim__kids k JOIN dim d ON k._dlt_parent_id = d._dlt_id ORDER BY d.v"),
              ElementsAre("b|1", "b2|1"));
  // A version that comes back after being retired is inserted again.
  MustLoad(R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])", "dim", kT3 + 60);
  EXPECT_THAT(Query("SELECT v, _dlt_valid_from FROM dim WHERE _dlt_valid_to IS NULL ORDER BY v"),
              ElementsAre("a|2023-11-14 22:13:20+00:00", "b|2023-11-15 00:14:20+00:00"));
}

TEST_F(SqliteDestinationTest, SameLoadIdTwiceChangesNothing) {
  auto before = destination_->IsLoaded("nope");
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  LoadRequest request = Package(R"([{"id": 1}, {"id": 2}])", "items");
  EXPECT_FALSE(MustLoad(request).already_loaded);
  LoadResult again = MustLoad(request);
  EXPECT_TRUE(again.already_loaded);
  EXPECT_THAT(again.rows_per_table, IsEmpty());
  EXPECT_THAT(Query("SELECT COUNT(*) FROM items"), ElementsAre("2"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM _dlt_loads"), ElementsAre("1"));
  auto loaded = destination_->IsLoaded(request.load_id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(*loaded);
}

// Unique columns of tables a load creates are indexed after the rows (one
// sorted build), under the same name ALTER-added unique columns get, and
// rows that break them fail the load at commit with nothing left behind.
TEST_F(SqliteDestinationTest, UniqueIndexesOfNewTablesComeAfterTheRows) {
  MustLoad(R"([{"id": 1, "tags": ["a"]}])", "items");
  EXPECT_THAT(Query("SELECT name || ' ' || tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE "
                    "'items%' ORDER BY name"),
              ElementsAre("items___dlt_id__unique items", "items__tags___dlt_id__unique items__tags"));
  EXPECT_THAT(Query("SELECT \"unique\" FROM pragma_index_list('items')"), ElementsAre("1"));

  LoadRequest dup = Package(R"([{"id": 2}])", "dups", kT1 + 1);
  const std::string copy = dup.tables.at(0).files.at(0) + ".copy";
  std::filesystem::copy_file(dup.tables.at(0).files.at(0), copy);
  dup.tables.at(0).files.push_back(copy);  // the same rows (and _dlt_id) twice
  const auto tables_before = Tables();
  Result<LoadResult> r = destination_->Load(dup, std::stop_token{});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("UNIQUE"));
  EXPECT_THAT(r.error().message(), HasSubstr("dups._dlt_id"));
  EXPECT_EQ(Tables(), tables_before);
}

TEST_F(SqliteDestinationTest, FailureMidLoadRollsEverythingBack) {
  MustLoad(R"({"id": 1, "name": "a"})", "items");
  const auto items_before = Query("SELECT * FROM items");
  const auto loads_before = Query("SELECT * FROM _dlt_loads");
  const auto tables_before = Tables();

  // The first table's file loads (and adds a column), the second is missing.
  LoadRequest missing = Package(R"({"id": 2, "name": "b", "new_col": 7})", "items", kT2);
  missing.tables.push_back({"items", {dir_ + "/does-not-exist.lf"}});
  auto result = destination_->Load(missing, std::stop_token());
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message(), HasSubstr("does-not-exist.lf"));

  // A corrupt (truncated) file in a second table.
  LoadRequest corrupt = Package(R"({"id": 3, "other": [{"x": 1}, {"x": 2}]})", "items", kT3);
  ASSERT_EQ(corrupt.tables.size(), 2u);
  const std::string nested_file = corrupt.tables[1].files[0];
  std::filesystem::resize_file(nested_file, std::filesystem::file_size(nested_file) - 3);
  result = destination_->Load(corrupt, std::stop_token());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kDataLoss) << result.error().ToString();

  EXPECT_EQ(Query("SELECT * FROM items"), items_before);
  EXPECT_EQ(Query("SELECT * FROM _dlt_loads"), loads_before);
  EXPECT_EQ(Tables(), tables_before);
  EXPECT_THAT(Query("SELECT COUNT(*) FROM pragma_table_info('items') WHERE name = 'new_col'"), ElementsAre("0"));
  auto loaded = destination_->IsLoaded(corrupt.load_id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(*loaded);

  // The same destination keeps working after the rollbacks.
  MustLoad(R"({"id": 4, "name": "d"})", "items", kT3 + 1);
  EXPECT_THAT(Query("SELECT id FROM items ORDER BY id"), ElementsAre("1", "4"));
}

TEST_F(SqliteDestinationTest, ConflictingHandMadeColumnFailsAndChangesNothing) {
  ExecDirect("CREATE TABLE items (id TEXT, note TEXT); INSERT INTO items VALUES ('x', 'kept')");
  auto result = destination_->Load(Package(R"({"id": 1, "name": "a"})", "items"), std::stop_token());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(result.error().message(), HasSubstr("table items: column id"));
  EXPECT_THAT(result.error().message(), HasSubstr("'TEXT'"));
  EXPECT_THAT(result.error().message(), HasSubstr("'INTEGER'"));
  EXPECT_THAT(Tables(), ElementsAre("items"));
  EXPECT_THAT(Query("SELECT * FROM items"), ElementsAre("x|kept"));
  EXPECT_THAT(Query("SELECT name FROM pragma_table_info('items')"), ElementsAre("id", "note"));
}

TEST_F(SqliteDestinationTest, CancellationRollsBack) {
  MustLoad(R"({"id": 1})", "items");
  std::stop_source stop;
  stop.request_stop();
  LoadRequest request = Package(R"({"id": 2, "more": 1})", "items", kT2);
  auto result = destination_->Load(request, stop.get_token());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kCancelled);
  EXPECT_THAT(Query("SELECT id FROM items"), ElementsAre("1"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM _dlt_loads"), ElementsAre("1"));
}

TEST_F(SqliteDestinationTest, CancellationBetweenFilesRollsBack) {
  MustLoad(R"({"id": -1})", "before");
  std::string json = "[";
  for (int i = 0; i < 50000; ++i) json += (i > 0 ? ",{\"id\": " : "{\"id\": ") + std::to_string(i) + "}";
  json += "]";
  LoadRequest request = Package(json, "items", kT2);
  // The same file many times over (row ids repeat, so `_dlt_id` is not
  // unique here): far more work than the 100 ms before the stop.
  schema_.FindTable("items")->FindColumn("_dlt_id")->SetHint(ColumnHint::kUnique, false);
  ASSERT_EQ(request.tables.size(), 1u);
  const std::string file = request.tables[0].files[0];
  request.tables[0].files.assign(200, file);
  std::stop_source stop;
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  auto result = destination_->Load(request, stop.get_token());
  stopper.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kCancelled);
  // Stopped between files or, since the stop is also checked every 4096 rows, inside one.
  EXPECT_THAT(result.error().message(), HasSubstr("cancelled"));
  EXPECT_THAT(Tables(), ElementsAre("_dlt_loads", "_dlt_version", "before"));
  EXPECT_THAT(Query("SELECT id FROM before"), ElementsAre("-1"));
  EXPECT_THAT(Query("SELECT COUNT(*) FROM _dlt_loads"), ElementsAre("1"));
}

TEST_F(SqliteDestinationTest, RestoreReturnsNewestSchemaAndCompletedState) {
  auto empty = destination_->Restore("pipe", "test");
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  EXPECT_FALSE(empty->schema_json.has_value());
  EXPECT_FALSE(empty->state.has_value());

  LoadRequest request = Package(R"({"id": 1})", "items");
  StateRow state;
  state.version = 3;
  state.pipeline_name = "pipe";
  state.state = "eNoLy8xLS83NBAAP+APu";
  state.created_at = 1700000000.25;
  state.version_hash = "hash3";
  request.state = state;
  MustLoad(request);
  EXPECT_THAT(Query("SELECT version, engine_version, pipeline_name, created_at, version_hash, _dlt_load_id = '" +
                    request.load_id + "', length(_dlt_id) FROM _dlt_pipeline_state"),
              ElementsAre("3|4|pipe|2023-11-14 22:13:20.250000+00:00|hash3|1|14"));

  auto restored = destination_->Restore("pipe", "test");
  ASSERT_TRUE(restored.ok()) << restored.error().ToString();
  ASSERT_TRUE(restored->schema_json.has_value());
  auto parsed = schema::SchemaFromJson(*restored->schema_json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->version_hash(), schema_.version_hash());
  ASSERT_TRUE(restored->state.has_value());
  EXPECT_EQ(restored->state->version, 3);
  EXPECT_EQ(restored->state->state, state.state);
  EXPECT_DOUBLE_EQ(restored->state->created_at, state.created_at);
  EXPECT_EQ(restored->state->version_hash, "hash3");

  auto other = destination_->Restore("other", "nope");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->schema_json.has_value());
  EXPECT_FALSE(other->state.has_value());
}

TEST(SqliteTypeMappingTest, TimestampsRoundTrip) {
  EXPECT_EQ(FormatSqliteTimestamp(0), "1970-01-01 00:00:00+00:00");
  EXPECT_EQ(FormatSqliteTimestamp(-1), "1969-12-31 23:59:59.999999+00:00");
  EXPECT_EQ(FormatSqliteTimestamp(1700000000250000, false), "2023-11-14 22:13:20.250000");
  EXPECT_EQ(FormatSqliteDate(19782), "2024-02-29");
  EXPECT_EQ(FormatSqliteTime(45296500000), "12:34:56.500000");
  for (std::int64_t micros : {0LL, -1LL, 1700000000250000LL, 253402300799999999LL, -62135596800000000LL}) {
    EXPECT_EQ(ParseSqliteTimestamp(FormatSqliteTimestamp(micros)), micros) << micros;
  }
  EXPECT_EQ(ParseSqliteTimestamp("2023-11-14T23:13:20+01:00"), 1700000000000000LL);
  EXPECT_FALSE(ParseSqliteTimestamp("yesterday").has_value());
}

// Rows per second through Load() for a flat append table (printed; the
// assertion only guards against pathological slowness).
TEST_F(SqliteDestinationTest, AppendThroughput) {
  std::string json = "[";
  constexpr int kRows = 100000;
  for (int i = 0; i < kRows; ++i) {
    if (i > 0) json += ",";
    json += R"({"id": )" + std::to_string(i) + R"(, "name": "row )" + std::to_string(i) +
            R"(", "score": 1.25, "flag": true, "ts": "2024-01-02T03:04:05Z"})";
  }
  json += "]";
  LoadRequest request = Package(json, "bulk");
  const auto start = std::chrono::steady_clock::now();
  MustLoad(request);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ sqlite ] %d rows (6 columns) in %.3f s: %.0f rows/s\n", kRows, seconds, kRows / seconds);
  EXPECT_THAT(Query("SELECT COUNT(*) FROM bulk"), ElementsAre(std::to_string(kRows)));
  EXPECT_LT(seconds, 30.0);
}

}  // namespace
}  // namespace ingestd::destinations::sqlite
