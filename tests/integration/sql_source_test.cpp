#include "core/extract/sql/sql_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/destinations/postgres/pg_connection.hpp"
#include "core/extract/sql/pg_value_to_json.hpp"
#include "core/extract/sql/sql_query_builder.hpp"
#include "tests/support/postgres_fixture.hpp"

namespace ingestd::extract::sql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using destinations::postgres::PgConnection;
using schema::DataType;

constexpr std::string_view kSecret = "Sw0rdfish-Secret-42";

// Keeps every item, optionally stopping the run after `stop_after` items.
class CapturingSink : public ItemSink {
 public:
  Status Accept(std::string_view json_item) override {
    items.emplace_back(json_item);
    if (stop_source != nullptr && items.size() == stop_after) stop_source->request_stop();
    return OkStatus();
  }
  std::vector<std::string> items;
  std::stop_source* stop_source = nullptr;
  std::size_t stop_after = 0;
};

class FailingSink : public ItemSink {
 public:
  Status Accept(std::string_view) override { return DataLoss("sink is full"); }
};

class SqlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> dsn = ingestd::testing::TestPostgresDsn();
    ASSERT_TRUE(dsn.ok()) << dsn.error().ToString();
    dsn_ = *dsn;
    schema_ = ingestd::testing::FreshDatasetName("sqlsrc");
    Result<PgConnection> conn = PgConnection::Connect(dsn_);
    ASSERT_TRUE(conn.ok()) << conn.error().ToString();
    conn_.emplace(std::move(conn).value());
    Exec("CREATE SCHEMA " + schema_);
  }

  void TearDown() override {
    if (conn_) Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }

  void Exec(const std::string& sql) {
    Result<destinations::postgres::PgResult> r = conn_->Exec(sql);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }

  // Ten events: id 1..10, ts 2024-01-01T00:00:<id>Z, label 'e<id>'.
  void CreateEvents() {
    Exec("CREATE TABLE " + schema_ +
         ".events (id integer NOT NULL, ts timestamptz NOT NULL, label text, score double precision)");
    Exec("INSERT INTO " + schema_ +
         ".events SELECT i, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', 'e' || i, i / 2.0 "
         "FROM generate_series(1, 10) AS i");
  }

  SqlConfig TableConfig(const std::string& table) {
    SqlConfig config;
    config.dsn = dsn_;
    config.table = schema_ + "." + table;
    return config;
  }

  // Runs a resource to the end; items in `sink`.
  Status Run(const SqlConfig& config, CapturingSink& sink, const Incremental* incremental = nullptr) {
    SqlResource resource("res", config, incremental);
    return resource.Extract(sink, std::stop_token());
  }

  std::vector<std::string> Items(const SqlConfig& config, const Incremental* incremental = nullptr) {
    CapturingSink sink;
    Status status = Run(config, sink, incremental);
    EXPECT_TRUE(status.ok()) << status.error().ToString();
    return sink.items;
  }

  // The ids of `items` (each starts with {"id":N,...).
  static std::vector<int> Ids(const std::vector<std::string>& items) {
    std::vector<int> ids;
    for (const std::string& item : items) ids.push_back(std::stoi(item.substr(item.find(':') + 1)));
    return ids;
  }

  static Incremental MakeIncremental(IncrementalConfig config, std::optional<IncrementalState> state = std::nullopt) {
    Result<Incremental> inc = Incremental::Create(std::move(config), std::move(state));
    EXPECT_TRUE(inc.ok()) << inc.error().ToString();
    return std::move(inc).value();
  }

  std::string dsn_;
  std::string schema_;
  std::optional<PgConnection> conn_;
};

TEST_F(SqlSourceTest, EveryTypeAsExactJson) {
  Exec("CREATE TABLE " + schema_ +
       ".\"AllTypes\" (id integer NOT NULL, small smallint, big bigint, r real, dbl double precision, "
       "num numeric(38,9), num_bare numeric, flag boolean, txt text, vc varchar(20), ch char(3), d date, "
       "ts timestamp, tstz timestamptz, t time, js json, jsb jsonb, uid uuid, bin bytea, arr integer[], "
       "iv interval)");
  Exec("INSERT INTO " + schema_ +
       ".\"AllTypes\" VALUES (1, 32767, 9223372036854775807, 1.5, 0.1, "
       "12345678901234567890123456789.123456789, 1.50, true, E'say \"hi\"\\n\\t\\\\ \\u00e9 \\u2713', 'abc', "
       "'ab', '2024-01-02', '2024-01-02 03:04:05.12', '2024-01-02 03:04:05.123456+02', '03:04:05.5', "
       "'{\"b\": 1,\n \"a\": [1, 2.50, \"x\"]}', '{\"b\": 1, \"a\": [1, 2.50]}', "
       "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{1,2,NULL}', '1 day 02:00:00')");
  Exec("INSERT INTO " + schema_ + ".\"AllTypes\" (id) VALUES (2)");
  Exec("INSERT INTO " + schema_ +
       ".\"AllTypes\" (id, r, dbl, num_bare, ts, tstz, t, bin) VALUES (3, 'NaN', '-Infinity', 'NaN', "
       "'2024-01-02 03:04:05', '2024-01-02 03:04:05+00', '23:59:59', '')");

  std::vector<std::string> items = Items(TableConfig("AllTypes"));
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0],
            R"({"id":1,"small":32767,"big":9223372036854775807,"r":1.5,"dbl":0.1,)"
            R"("num":"12345678901234567890123456789.123456789","num_bare":"1.50","flag":true,)"
            R"("txt":"say \"hi\"\n\t\\ é ✓","vc":"abc","ch":"ab ","d":"2024-01-02",)"
            R"("ts":"2024-01-02T03:04:05.120000","tstz":"2024-01-02T01:04:05.123456+00:00",)"
            R"("t":"03:04:05.500000","js":{"b":1,"a":[1,2.50,"x"]},"jsb":{"a":[1,2.50],"b":1},)"
            R"("uid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","bin":"AP8Q","arr":"{1,2,NULL}",)"
            R"("iv":"1 day 02:00:00"})");
  EXPECT_EQ(items[1],
            R"({"id":2,"small":null,"big":null,"r":null,"dbl":null,"num":null,"num_bare":null,"flag":null,)"
            R"("txt":null,"vc":null,"ch":null,"d":null,"ts":null,"tstz":null,"t":null,"js":null,"jsb":null,)"
            R"("uid":null,"bin":null,"arr":null,"iv":null})");
  EXPECT_EQ(items[2],
            R"({"id":3,"small":null,"big":null,"r":null,"dbl":null,"num":null,"num_bare":null,"flag":null,)"
            R"("txt":null,"vc":null,"ch":null,"d":null,"ts":"2024-01-02T03:04:05",)"
            R"("tstz":"2024-01-02T03:04:05+00:00","t":"23:59:59","js":null,"jsb":null,"uid":null,"bin":"",)"
            R"("arr":null,"iv":null})");

  // Quoted names: a schema-qualified table written with quotes.
  SqlConfig quoted = TableConfig("AllTypes");
  quoted.table = "\"" + schema_ + "\".\"AllTypes\"";
  quoted.columns = {"id"};
  EXPECT_THAT(Items(quoted), ElementsAre(R"({"id":1})", R"({"id":2})", R"({"id":3})"));

  // Reflection: types, precision, nullability.
  SqlResource resource("res", TableConfig("AllTypes"), nullptr);
  Result<std::vector<schema::ColumnSchema>> columns = resource.ReflectColumns();
  ASSERT_TRUE(columns.ok()) << columns.error().ToString();
  ASSERT_EQ(columns->size(), 21u);
  auto col = [&](std::string_view name) -> const schema::ColumnSchema& {
    for (const auto& c : *columns) {
      if (c.name == name) return c;
    }
    ADD_FAILURE() << "no column " << name;
    return columns->front();
  };
  EXPECT_EQ(col("id").data_type, DataType::kBigint);
  EXPECT_EQ(col("id").nullable, false);
  EXPECT_EQ(col("small").data_type, DataType::kBigint);
  EXPECT_EQ(col("small").nullable, true);
  EXPECT_EQ(col("big").data_type, DataType::kBigint);
  EXPECT_EQ(col("r").data_type, DataType::kDouble);
  EXPECT_EQ(col("dbl").data_type, DataType::kDouble);
  EXPECT_EQ(col("num").data_type, DataType::kDecimal);
  EXPECT_EQ(col("num").precision, 38);
  EXPECT_EQ(col("num").scale, 9);
  EXPECT_EQ(col("num_bare").data_type, DataType::kDecimal);
  EXPECT_EQ(col("num_bare").precision, std::nullopt);
  EXPECT_EQ(col("flag").data_type, DataType::kBool);
  EXPECT_EQ(col("txt").data_type, DataType::kText);
  EXPECT_EQ(col("vc").data_type, DataType::kText);
  EXPECT_EQ(col("ch").data_type, DataType::kText);
  EXPECT_EQ(col("d").data_type, DataType::kDate);
  EXPECT_EQ(col("ts").data_type, DataType::kTimestamp);
  EXPECT_EQ(col("ts").timezone, false);
  EXPECT_EQ(col("tstz").data_type, DataType::kTimestamp);
  EXPECT_EQ(col("tstz").timezone, true);
  EXPECT_EQ(col("t").data_type, DataType::kTime);
  EXPECT_EQ(col("js").data_type, DataType::kJson);
  EXPECT_EQ(col("jsb").data_type, DataType::kJson);
  EXPECT_EQ(col("uid").data_type, DataType::kText);
  EXPECT_EQ(col("bin").data_type, DataType::kBinary);
  EXPECT_EQ(col("arr").data_type, DataType::kText);
  EXPECT_EQ(col("iv").data_type, DataType::kText);
  EXPECT_EQ((*columns)[0].name, "id");  // table order
  EXPECT_EQ((*columns)[20].name, "iv");
}

TEST_F(SqlSourceTest, ChunksStreamEveryRowInOrder) {
  CreateEvents();
  SqlConfig config = TableConfig("events");
  config.chunk_size = 3;
  config.columns = {"id", "label"};
  CapturingSink sink;
  SqlResource resource("res", config, nullptr);
  Status status = resource.Extract(sink, std::stop_token());
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_THAT(Ids(sink.items), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  EXPECT_EQ(sink.items[0], R"({"id":1,"label":"e1"})");
  EXPECT_EQ(resource.rows_read(), 10u);
  // chunk_size dividing the row count exactly, and chunk_size 1.
  config.chunk_size = 5;
  EXPECT_EQ(Items(config).size(), 10u);
  config.chunk_size = 1;
  EXPECT_EQ(Items(config).size(), 10u);
  // An empty table.
  Exec("DELETE FROM " + schema_ + ".events");
  EXPECT_TRUE(Items(config).empty());
}

TEST_F(SqlSourceTest, ColumnsSubsetKeepsTheGivenOrder) {
  CreateEvents();
  SqlConfig config = TableConfig("events");
  config.columns = {"label", "id"};
  std::vector<std::string> items = Items(config);
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items[9], R"({"label":"e10","id":10})");

  SqlResource resource("res", config, nullptr);
  auto columns = resource.ReflectColumns();
  ASSERT_TRUE(columns.ok()) << columns.error().ToString();
  ASSERT_EQ(columns->size(), 2u);
  EXPECT_EQ((*columns)[0].name, "label");
  EXPECT_EQ((*columns)[1].name, "id");
  EXPECT_EQ((*columns)[1].nullable, false);
}

TEST_F(SqlSourceTest, QueryMode) {
  CreateEvents();
  SqlConfig config;
  config.dsn = dsn_;
  config.query = "SELECT id, id * 2 AS doubled, ts FROM " + schema_ + ".events WHERE id <= 3 ORDER BY id DESC;\n";
  config.chunk_size = 2;
  EXPECT_THAT(Items(config), ElementsAre(R"({"id":3,"doubled":6,"ts":"2024-01-01T00:00:03+00:00"})",
                                         R"({"id":2,"doubled":4,"ts":"2024-01-01T00:00:02+00:00"})",
                                         R"({"id":1,"doubled":2,"ts":"2024-01-01T00:00:01+00:00"})"));
  // A subset of the query's columns; a trailing comment does not break it.
  config.query = "SELECT id, label FROM " + schema_ + ".events WHERE id = 7 -- only seven";
  config.columns = {"label"};
  EXPECT_THAT(Items(config), ElementsAre(R"({"label":"e7"})"));

  // Reflection of a query: every column nullable.
  config.columns.clear();
  config.query = "SELECT id, 1.5::numeric(5,2) AS price FROM " + schema_ + ".events";
  SqlResource resource("res", config, nullptr);
  auto columns = resource.ReflectColumns();
  ASSERT_TRUE(columns.ok()) << columns.error().ToString();
  ASSERT_EQ(columns->size(), 2u);
  EXPECT_EQ((*columns)[0].data_type, DataType::kBigint);
  EXPECT_EQ((*columns)[0].nullable, true);
  EXPECT_EQ((*columns)[1].data_type, DataType::kDecimal);
  EXPECT_EQ((*columns)[1].precision, 5);
  EXPECT_EQ((*columns)[1].scale, 2);

  // Duplicate column names cannot become one object.
  config.query = "SELECT id, id FROM " + schema_ + ".events";
  CapturingSink sink;
  Status status = Run(config, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message(), HasSubstr("'id' appears twice"));

  // One statement only: a second one is refused by the server.
  config.query = "SELECT 1 AS x; SELECT 2 AS y";
  status = Run(config, sink);
  ASSERT_FALSE(status.ok());
}

TEST_F(SqlSourceTest, IncrementalStartValuePushdown) {
  CreateEvents();
  IncrementalConfig ic;
  ic.cursor_path = "id";
  ic.initial_value = CursorValue::Int(5);
  Incremental closed = MakeIncremental(ic);
  SqlConfig config = TableConfig("events");
  config.columns = {"id"};
  config.chunk_size = 4;
  EXPECT_THAT(Ids(Items(config, &closed)), ElementsAre(5, 6, 7, 8, 9, 10));

  ic.range_start = RangeBound::kOpen;
  Incremental open = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &open)), ElementsAre(6, 7, 8, 9, 10));

  // end_value: open by default, closed keeps it.
  ic.range_start = RangeBound::kClosed;
  ic.end_value = CursorValue::Int(8);
  Incremental end_open = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &end_open)), ElementsAre(5, 6, 7));
  ic.range_end = RangeBound::kClosed;
  Incremental end_closed = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &end_closed)), ElementsAre(5, 6, 7, 8));

  // No start value: everything, ordered by the cursor.
  IncrementalConfig none;
  none.cursor_path = "id";
  Exec("UPDATE " + schema_ + ".events SET id = 11 - id");  // physical order now 10..1
  Incremental unbounded = MakeIncremental(none);
  EXPECT_THAT(Ids(Items(config, &unbounded)), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
}

TEST_F(SqlSourceTest, IncrementalMinFlipsBoundsAndOrder) {
  CreateEvents();
  SqlConfig config = TableConfig("events");
  config.columns = {"id"};
  IncrementalConfig ic;
  ic.cursor_path = "id";
  ic.last_value_func = LastValueFunc::kMin;
  ic.initial_value = CursorValue::Int(5);
  Incremental inc = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &inc)), ElementsAre(5, 4, 3, 2, 1));

  ic.range_start = RangeBound::kOpen;
  ic.end_value = CursorValue::Int(2);
  Incremental window = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &window)), ElementsAre(4, 3));
  ic.range_end = RangeBound::kClosed;
  Incremental window_closed = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &window_closed)), ElementsAre(4, 3, 2));

  // Through the filter, as the runner wires it: every pushed-down row is kept.
  ic.range_start = RangeBound::kClosed;
  ic.range_end = RangeBound::kOpen;
  ic.end_value.reset();
  Incremental filtered = MakeIncremental(ic);
  CapturingSink sink;
  IncrementalFilter filter(filtered, sink);
  SqlResource resource("res", config, &filtered);
  ASSERT_TRUE(resource.Extract(filter, std::stop_token()).ok());
  EXPECT_THAT(Ids(sink.items), ElementsAre(5, 4, 3, 2, 1));
  EXPECT_EQ(filtered.stats().out_of_range, 0u);
  EXPECT_EQ(filtered.last_value(), CursorValue::Int(1));
}

TEST_F(SqlSourceTest, IncrementalTimestampAcrossRunsDedupsTheBoundary) {
  CreateEvents();
  SqlConfig config = TableConfig("events");
  config.columns = {"id", "ts"};
  IncrementalConfig ic;
  ic.cursor_path = "ts";
  ic.initial_value = CursorValue::String("2024-01-01T00:00:07+00:00");
  ic.primary_key = std::vector<std::string>{"id"};

  // Run 1: rows 7..10 go through; the state remembers ts of row 10.
  Incremental run1 = MakeIncremental(ic);
  CapturingSink sink1;
  IncrementalFilter filter1(run1, sink1);
  ASSERT_TRUE(SqlResource("res", config, &run1).Extract(filter1, std::stop_token()).ok());
  EXPECT_THAT(Ids(sink1.items), ElementsAre(7, 8, 9, 10));
  IncrementalState state = run1.State();
  ASSERT_TRUE(state.last_value.has_value());
  EXPECT_EQ(state.last_value->ToJson(), R"("2024-01-01T00:00:10+00:00")");

  // Run 2 after new rows (one at the boundary, one fractional): the source
  // pushes down ts >= last_value (row 10 comes again), the filter drops it.
  Exec("INSERT INTO " + schema_ +
       ".events VALUES (11, '2024-01-01 00:00:10+00', 'e11', 0), (12, '2024-01-01 00:00:10.5+00', 'e12', 0)");
  Incremental run2 = MakeIncremental(ic, state);
  CapturingSink raw;
  ASSERT_TRUE(SqlResource("res", config, &run2).Extract(raw, std::stop_token()).ok());
  EXPECT_THAT(Ids(raw.items), UnorderedElementsAre(10, 11, 12));  // 10 and 11 tie on ts
  EXPECT_EQ(raw.items[2], R"({"id":12,"ts":"2024-01-01T00:00:10.500000+00:00"})");

  Incremental run2b = MakeIncremental(ic, state);
  CapturingSink sink2;
  IncrementalFilter filter2(run2b, sink2);
  ASSERT_TRUE(SqlResource("res", config, &run2b).Extract(filter2, std::stop_token()).ok());
  EXPECT_THAT(Ids(sink2.items), ElementsAre(11, 12));
  EXPECT_EQ(run2b.stats().deduplicated, 1u);
  EXPECT_EQ(run2b.last_value()->ToJson(), R"("2024-01-01T00:00:10.500000+00:00")");
}

TEST_F(SqlSourceTest, IncrementalTextCursorUsesByteOrderAndNullHandling) {
  Exec("CREATE TABLE " + schema_ + ".words (id integer, w text)");
  Exec("INSERT INTO " + schema_ + ".words VALUES (1, 'a'), (2, 'B'), (3, 'C'), (4, NULL), (5, 'b')");
  SqlConfig config = TableConfig("words");
  IncrementalConfig ic;
  ic.cursor_path = "w";
  ic.initial_value = CursorValue::String("C");
  Incremental inc = MakeIncremental(ic);
  // Byte order: 'B' < 'C' < 'a' < 'b', whatever the database's collation.
  EXPECT_THAT(Ids(Items(config, &inc)), ElementsAre(3, 1, 5));

  ic.on_cursor_value_missing = OnCursorValueMissing::kInclude;
  Incremental include = MakeIncremental(ic);
  EXPECT_THAT(Ids(Items(config, &include)), ElementsAre(3, 1, 5, 4));

  IncrementalConfig no_start;
  no_start.cursor_path = "w";
  no_start.on_cursor_value_missing = OnCursorValueMissing::kExclude;
  Incremental exclude = MakeIncremental(no_start);
  EXPECT_THAT(Ids(Items(config, &exclude)), ElementsAre(2, 3, 1, 5));
}

TEST_F(SqlSourceTest, IncrementalConfigErrors) {
  CreateEvents();
  Exec("ALTER TABLE " + schema_ + ".events ADD COLUMN amount numeric(10,2)");
  SqlConfig config = TableConfig("events");
  auto fails = [&](IncrementalConfig ic, std::string_view fragment) {
    Incremental inc = MakeIncremental(std::move(ic));
    CapturingSink sink;
    Status status = Run(config, sink, &inc);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(status.error().message(), HasSubstr(fragment));
    EXPECT_THAT(status.error().message(), HasSubstr("resource res"));
    EXPECT_TRUE(sink.items.empty());
  };
  IncrementalConfig ic;
  ic.cursor_path = "id";
  ic.initial_value = CursorValue::String("5");
  fails(ic, "start value \"5\" is a string but cursor column 'id' (integer) holds numbers");
  ic.cursor_path = "amount";
  ic.initial_value = CursorValue::Int(1);
  fails(ic, "cursor column 'amount' has type numeric");
  ic.cursor_path = "missing";
  fails(ic, "cursor column 'missing' is not among the selected columns (id, ts, label, score, amount)");
  ic.cursor_path = "meta.updated";
  fails(ic, "must name a top-level column");
  // A bound the column type cannot parse is the server's error.
  ic.cursor_path = "ts";
  ic.initial_value = CursorValue::String("yesterday-ish");
  Incremental bad = MakeIncremental(ic);
  CapturingSink sink;
  Status status = Run(config, sink, &bad);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message(), HasSubstr("yesterday-ish"));
}

TEST_F(SqlSourceTest, Errors) {
  CreateEvents();
  CapturingSink sink;
  // Unknown table: kNotFound naming it.
  Status status = Run(TableConfig("no_such_table"), sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(status.error().message(), HasSubstr("resource res"));
  EXPECT_THAT(status.error().message(), HasSubstr("no_such_table"));
  // Unknown column.
  SqlConfig config = TableConfig("events");
  config.columns = {"id", "nope"};
  status = Run(config, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(status.error().message(), HasSubstr("\"nope\""));
  // Bad configs.
  config = TableConfig("events");
  config.query = "SELECT 1";
  status = Run(config, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  config.query.reset();
  config.chunk_size = 0;
  EXPECT_EQ(Run(config, sink).error().code(), ErrorCode::kInvalidArgument);
  config.chunk_size = 10;
  config.table = "s.";
  EXPECT_EQ(Run(config, sink).error().code(), ErrorCode::kInvalidArgument);
  config = TableConfig("events");
  config.dsn = "env:SOURCE_DSN";
  status = Run(config, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message(), HasSubstr("unresolved secret reference"));
  // A sink error comes back unchanged.
  FailingSink failing;
  status = SqlResource("res", TableConfig("events"), nullptr).Extract(failing, std::stop_token());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(status.error().message(), "sink is full");
  EXPECT_TRUE(sink.items.empty());
}

TEST_F(SqlSourceTest, ConnectionErrorsNeverShowThePassword) {
  CreateEvents();
  const std::string secret(kSecret);
  std::vector<std::pair<std::string, std::optional<ErrorCode>>> dsns = {
      {ingestd::testing::UnreachableDsn() + " password=" + secret, ErrorCode::kUnavailable},
      {"postgresql://postgres:" + secret + "@127.0.0.1:1/db?connect_timeout=5", ErrorCode::kUnavailable},
      // libpq's parse error would quote the unquoted second word.
      {"host=127.0.0.1 password=x " + secret + " dbname=y", ErrorCode::kInvalidArgument},
      {dsn_ + " dbname=no_such_db password=" + secret, ErrorCode::kFailedPrecondition},
  };
  for (const auto& [dsn, code] : dsns) {
    SqlConfig config = TableConfig("events");
    config.dsn = dsn;
    CapturingSink sink;
    Status status = Run(config, sink);
    ASSERT_FALSE(status.ok()) << dsn;
    EXPECT_EQ(status.error().code(), *code) << status.error().ToString();
    EXPECT_THAT(status.error().message(), HasSubstr("cannot connect to the sql source of resource res: "));
    EXPECT_THAT(status.error().message(), Not(HasSubstr(secret)));
    SqlResource resource("res", config, nullptr);
    auto columns = resource.ReflectColumns();
    ASSERT_FALSE(columns.ok());
    EXPECT_THAT(columns.error().message(), Not(HasSubstr(secret)));
  }
  // A query error on a connection whose DSN has a password (trust auth
  // ignores it).
  SqlConfig config = TableConfig("no_such_table");
  config.dsn = dsn_ + " password=" + secret;
  CapturingSink sink;
  Status status = Run(config, sink);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message(), Not(HasSubstr(secret)));
  EXPECT_THAT(status.error().message(), HasSubstr("no_such_table"));
}

TEST_F(SqlSourceTest, CancellationBetweenRowsAndBeforeStart) {
  CreateEvents();
  SqlConfig config = TableConfig("events");
  config.chunk_size = 3;
  std::stop_source stop;
  CapturingSink sink;
  sink.stop_source = &stop;
  sink.stop_after = 4;
  Status status = SqlResource("res", config, nullptr).Extract(sink, stop.get_token());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(sink.items.size(), 4u);

  CapturingSink none;
  status = SqlResource("res", config, nullptr).Extract(none, stop.get_token());
  EXPECT_EQ(status.error().code(), ErrorCode::kCancelled);
  EXPECT_TRUE(none.items.empty());
}

TEST(SqlSourceQueryBuilderTest, TableNamesAndPushdownSql) {
  auto plain = ParseTableName("orders");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(QuotedTableName(*plain), "\"orders\"");
  auto qualified = ParseTableName("Sales.Orders");
  ASSERT_TRUE(qualified.ok());
  EXPECT_EQ(QuotedTableName(*qualified), "\"Sales\".\"Orders\"");
  auto quoted = ParseTableName("\"my.schema\".\"we\"\"ird\"");
  ASSERT_TRUE(quoted.ok()) << quoted.error().ToString();
  EXPECT_EQ(quoted->schema, "my.schema");
  EXPECT_EQ(quoted->table, "we\"ird");
  EXPECT_EQ(QuotedTableName(*quoted), "\"my.schema\".\"we\"\"ird\"");
  EXPECT_FALSE(ParseTableName("").ok());
  EXPECT_FALSE(ParseTableName("s.").ok());
  EXPECT_FALSE(ParseTableName("\"open").ok());
  EXPECT_FALSE(ParseTableName("\"a\"b").ok());

  CursorFilter filter;
  filter.column = "updated_at";
  filter.type_sql = "timestamp with time zone";
  filter.start = "2024-01-01T00:00:00+00:00";
  filter.end = "2024-02-01T00:00:00+00:00";
  SelectStatement max = BuildSelect("\"t\"", {"id", "updated_at"}, filter);
  EXPECT_EQ(max.sql,
            "SELECT \"id\", \"updated_at\" FROM \"t\" WHERE \"updated_at\" >= $1::timestamp with time zone AND "
            "\"updated_at\" < $2::timestamp with time zone ORDER BY \"updated_at\" ASC");
  EXPECT_THAT(max.params, ElementsAre("2024-01-01T00:00:00+00:00", "2024-02-01T00:00:00+00:00"));

  filter.descending = true;
  filter.start_open = true;
  filter.end_closed = true;
  filter.nulls = CursorFilter::Nulls::kInclude;
  filter.collate_c = true;
  filter.type_sql = "text";
  EXPECT_EQ(BuildSelect("\"t\"", {}, filter).sql,
            "SELECT * FROM \"t\" WHERE (\"updated_at\" COLLATE \"C\" < $1::text AND \"updated_at\" COLLATE \"C\" >= "
            "$2::text) OR \"updated_at\" IS NULL ORDER BY \"updated_at\" COLLATE \"C\" DESC");

  EXPECT_EQ(QueryRelation("  SELECT 1 ;\n; "), "(\nSELECT 1\n) AS \"ingestd_query\"");
}

TEST(SqlSourceValueTest, DateTimesAndBytea) {
  EXPECT_EQ(PgDateTimeToIso("2024-01-02 03:04:05+00"), "2024-01-02T03:04:05+00:00");
  EXPECT_EQ(PgDateTimeToIso("2024-01-02 03:04:05.1+05:30"), "2024-01-02T03:04:05.100000+05:30");
  EXPECT_EQ(PgDateTimeToIso("2024-01-02 03:04:05.123456"), "2024-01-02T03:04:05.123456");
  EXPECT_EQ(PgDateTimeToIso("03:04:05.5-02"), "03:04:05.500000-02:00");
  EXPECT_EQ(PgDateTimeToIso("infinity"), "infinity");
  EXPECT_EQ(PgDateTimeToIso("0044-03-15 12:00:00 BC"), "0044-03-15 12:00:00 BC");
  EXPECT_EQ(PgByteaHexToBytes("\\x00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(PgByteaHexToBytes("\\x"), std::string());
  EXPECT_EQ(PgByteaHexToBytes("\\x0"), std::nullopt);
  EXPECT_EQ(PgByteaHexToBytes("\\xzz"), std::nullopt);
}

}  // namespace
}  // namespace ingestd::extract::sql
