#include "core/pipeline/pipeline_spec.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ingestd::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMinimal = R"({
  "name": "shop",
  "resources": [{"name": "orders", "source": {"kind": "files", "paths": ["data/*.jsonl"]}}]
})";

// Replaces the first resource object of kMinimal's shape with `resource`.
std::string WithResource(const std::string& resource) {
  return R"({"name": "shop", "resources": [)" + resource + "]}";
}
std::string Res(const std::string& extra) {
  return R"({"name": "orders", "source": {"kind": "files", "paths": ["a.json"]})" +
         (extra.empty() ? std::string() : ", " + extra) + "}";
}

TEST(PipelineSpec, MinimalSpecGetsDefaults) {
  auto spec = ParsePipelineSpec(kMinimal);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->name, "shop");
  EXPECT_EQ(spec->destination.kind, DestinationKind::kSqlite);
  EXPECT_FALSE(spec->destination.sqlite_path.has_value());
  EXPECT_EQ(spec->dataset_name, "shop_dataset");
  EXPECT_EQ(spec->options.buffer_max_items, 5000u);
  EXPECT_FALSE(spec->options.file_max_items.has_value());
  EXPECT_FALSE(spec->options.file_max_bytes.has_value());
  EXPECT_FALSE(spec->options.max_identifier_length.has_value());
  ASSERT_EQ(spec->resources.size(), 1u);
  const ResourceSpec& r = spec->resources[0];
  EXPECT_EQ(r.name, "orders");
  EXPECT_EQ(r.table_name, "orders");
  EXPECT_EQ(r.write_disposition, schema::WriteDisposition::kAppend);
  EXPECT_FALSE(r.merge_strategy.has_value());
  EXPECT_TRUE(r.primary_key.empty());
  EXPECT_TRUE(r.columns.empty());
  EXPECT_FALSE(r.incremental.has_value());
  EXPECT_EQ(SourceKindName(r.source), "files");
  const auto& files = std::get<extract::FilesConfig>(r.source);
  EXPECT_EQ(files.paths, std::vector<std::string>{"data/*.jsonl"});
  EXPECT_EQ(files.format, extract::FileFormat::kAuto);
  EXPECT_EQ(files.csv.delimiter, ',');
  EXPECT_TRUE(files.csv.header);
}

TEST(PipelineSpec, FullSpec) {
  auto spec = ParsePipelineSpec(R"({
    "name": "shop_sync",
    "destination": {"kind": "postgres", "dsn": "env:SHOP_PG_DSN"},
    "dataset_name": "shop",
    "options": {"buffer_max_items": 100, "file_max_items": 50000, "file_max_bytes": 1000000,
                "max_identifier_length": 40},
    "resources": [{
      "name": "orders",
      "table_name": "shop_orders",
      "write_disposition": {"disposition": "merge", "strategy": "upsert"},
      "primary_key": ["id"],
      "merge_key": "region",
      "columns": {
        "id": {"data_type": "bigint", "nullable": false},
        "amount": {"data_type": "decimal", "precision": 12, "scale": 2},
        "created_at": {"data_type": "timestamp", "timezone": true, "partition": true},
        "deleted": {"hard_delete": true},
        "version": {"dedup_sort": "desc", "description": "row version"}
      },
      "max_table_nesting": 2,
      "schema_contract": {"tables": "evolve", "columns": "freeze", "data_type": "discard_row"},
      "incremental": {"cursor_path": "$.updated_at", "initial_value": "2024-01-01T00:00:00Z",
                      "end_value": "2025-01-01T00:00:00Z", "last_value_func": "max", "primary_key": [],
                      "on_cursor_value_missing": "exclude", "range_start": "open", "range_end": "closed"},
      "source": {"kind": "files", "paths": ["in/orders_*.csv.gz"], "format": "csv",
                 "csv": {"delimiter": ";", "header": false}}
    }, {
      "name": "customers", "write_disposition": "replace", "schema_contract": "freeze",
      "source": {"kind": "files", "paths": ["c.json"]}
    }]
  })");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->destination.kind, DestinationKind::kPostgres);
  EXPECT_EQ(spec->destination.postgres_dsn, "env:SHOP_PG_DSN");
  EXPECT_EQ(spec->dataset_name, "shop");
  EXPECT_EQ(spec->options.buffer_max_items, 100u);
  EXPECT_EQ(spec->options.file_max_items, 50000u);
  EXPECT_EQ(spec->options.file_max_bytes, 1000000u);
  EXPECT_EQ(spec->options.max_identifier_length, 40u);

  const ResourceSpec& r = spec->resources[0];
  EXPECT_EQ(r.table_name, "shop_orders");
  EXPECT_EQ(r.write_disposition, schema::WriteDisposition::kMerge);
  EXPECT_EQ(r.merge_strategy, schema::MergeStrategy::kUpsert);
  EXPECT_EQ(r.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(r.merge_key, std::vector<std::string>{"region"});
  ASSERT_EQ(r.columns.size(), 5u);
  EXPECT_EQ(r.columns[0].name, "id");
  EXPECT_EQ(r.columns[0].data_type, schema::DataType::kBigint);
  EXPECT_EQ(r.columns[0].nullable, false);
  EXPECT_EQ(r.columns[1].precision, 12);
  EXPECT_EQ(r.columns[1].scale, 2);
  EXPECT_EQ(r.columns[2].timezone, true);
  EXPECT_TRUE(r.columns[2].HasHint(schema::ColumnHint::kPartition));
  EXPECT_FALSE(r.columns[3].data_type.has_value());
  EXPECT_TRUE(r.columns[3].HasHint(schema::ColumnHint::kHardDelete));
  EXPECT_EQ(r.columns[4].dedup_sort, "desc");
  EXPECT_EQ(r.columns[4].description, "row version");
  EXPECT_EQ(r.max_table_nesting, 2);
  EXPECT_EQ(r.schema_contract, (schema::SchemaContract{schema::ContractMode::kEvolve, schema::ContractMode::kFreeze,
                                                       schema::ContractMode::kDiscardRow}));
  ASSERT_TRUE(r.incremental.has_value());
  const extract::IncrementalConfig& inc = *r.incremental;
  EXPECT_EQ(inc.cursor_path, "$.updated_at");
  EXPECT_EQ(inc.initial_value->ToJson(), R"("2024-01-01T00:00:00Z")");
  EXPECT_EQ(inc.end_value->ToJson(), R"("2025-01-01T00:00:00Z")");
  EXPECT_EQ(inc.primary_key, std::vector<std::string>{});
  EXPECT_EQ(inc.on_cursor_value_missing, extract::OnCursorValueMissing::kExclude);
  EXPECT_EQ(inc.range_start, extract::RangeBound::kOpen);
  EXPECT_EQ(inc.range_end, extract::RangeBound::kClosed);
  const auto& files = std::get<extract::FilesConfig>(r.source);
  EXPECT_EQ(files.format, extract::FileFormat::kCsv);
  EXPECT_EQ(files.csv.delimiter, ';');
  EXPECT_FALSE(files.csv.header);

  const ResourceSpec& c = spec->resources[1];
  EXPECT_EQ(c.write_disposition, schema::WriteDisposition::kReplace);
  EXPECT_EQ(c.schema_contract, schema::SchemaContract::All(schema::ContractMode::kFreeze));

  schema::ResourceHints hints = r.ToResourceHints();
  EXPECT_EQ(hints.table_name, "shop_orders");
  EXPECT_EQ(hints.write_disposition, schema::WriteDisposition::kMerge);
  EXPECT_EQ(hints.merge_strategy, schema::MergeStrategy::kUpsert);
  EXPECT_EQ(hints.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(hints.merge_key, std::vector<std::string>{"region"});
  EXPECT_EQ(hints.columns.size(), 5u);
  EXPECT_EQ(hints.max_table_nesting, 2);
  EXPECT_EQ(hints.schema_contract, r.schema_contract);
}

TEST(PipelineSpec, SqlitePathAndUpsertViaColumnHint) {
  auto spec = ParsePipelineSpec(R"({"name": "p", "destination": {"kind": "sqlite", "path": "/var/lib/p.db"},
    "resources": [{"name": "r", "write_disposition": {"disposition": "merge", "strategy": "upsert"},
                   "columns": {"id": {"primary_key": true}},
                   "incremental": {"cursor_path": "n", "initial_value": 1, "end_value": 0, "last_value_func": "min"},
                   "source": {"kind": "files", "paths": ["x"]}}]})");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->destination.sqlite_path, "/var/lib/p.db");
  EXPECT_EQ(spec->resources[0].incremental->last_value_func, extract::LastValueFunc::kMin);
}

TEST(PipelineSpec, NoScheduleByDefault) {
  auto spec = ParsePipelineSpec(kMinimal);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_FALSE(spec->schedule.has_value());
}

TEST(PipelineSpec, CronSchedule) {
  auto spec = ParsePipelineSpec(R"({"name": "shop", "schedule": {"cron": "*/5 9-17 * * mon-fri"},
    "resources": [{"name": "o", "source": {"kind": "files", "paths": ["a.json"]}}]})");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  ASSERT_TRUE(spec->schedule.has_value());
  EXPECT_EQ(spec->schedule->cron, "*/5 9-17 * * mon-fri");
  EXPECT_EQ(spec->schedule->interval_seconds, 0);
  EXPECT_EQ(spec->schedule->timeout_seconds, 0);
}

TEST(PipelineSpec, IntervalScheduleWithTimeout) {
  auto spec = ParsePipelineSpec(R"({"name": "shop", "schedule": {"interval_seconds": 300, "timeout_seconds": 90.5},
    "resources": [{"name": "o", "source": {"kind": "files", "paths": ["a.json"]}}]})");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  ASSERT_TRUE(spec->schedule.has_value());
  EXPECT_TRUE(spec->schedule->cron.empty());
  EXPECT_EQ(spec->schedule->interval_seconds, 300);
  EXPECT_EQ(spec->schedule->timeout_seconds, 90.5);
}

TEST(PipelineSpec, PushSource) {
  auto spec = ParsePipelineSpec(R"({"name": "shop", "resources": [
    {"name": "events", "primary_key": "id", "write_disposition": "merge",
     "incremental": {"cursor_path": "ts"}, "source": {"kind": "push"}}]})");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  const ResourceSpec& r = spec->resources[0];
  EXPECT_EQ(SourceKindName(r.source), "push");
  EXPECT_TRUE(std::holds_alternative<PushConfig>(r.source));
  EXPECT_EQ(r.write_disposition, schema::WriteDisposition::kMerge);
  // The extract stage filters any non-REST resource's items, pushed ones too.
  ASSERT_TRUE(r.incremental.has_value());
  EXPECT_EQ(r.incremental->cursor_path, "ts");
}

struct ErrorCase {
  std::string json;
  std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.json; }

class PipelineSpecErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PipelineSpecErrors, NamesThePathAndWhatIsAllowed) {
  auto spec = ParsePipelineSpec(GetParam().json);
  ASSERT_FALSE(spec.ok()) << GetParam().json;
  EXPECT_EQ(spec.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Spec, PipelineSpecErrors,
    ::testing::Values(
        // Document level.
        ErrorCase{"{\"name\": }", "pipeline spec: invalid JSON at line 1, column 10: Invalid value."},
        ErrorCase{"[]", "pipeline spec: expected an object, got an array"},
        ErrorCase{R"({"name": "p", "nme": 1, "resources": []})",
                  "nme: unknown key (allowed: name, destination, dataset_name, options, resources, rest_api, schedule)"},
        ErrorCase{R"({"name": "p", "name": "q", "resources": []})", "pipeline spec: duplicate key \"name\""},
        ErrorCase{R"({"resources": []})", "pipeline spec: missing required key \"name\""},
        ErrorCase{R"({"name": 5, "resources": []})", "name: expected a string, got a number"},
        ErrorCase{R"({"name": "my pipeline", "resources": []})",
                  "name: \"my pipeline\" is not a valid pipeline name (ASCII letters, digits and _, not starting "
                  "with a digit, 1 to 64 characters)"},
        ErrorCase{R"({"name": "1p", "resources": []})",
                  "name: \"1p\" is not a valid pipeline name (ASCII letters, digits and _, not starting with a "
                  "digit, 1 to 64 characters)"},
        ErrorCase{R"({"name": "p"})", "pipeline spec: missing required key \"resources\" (or \"rest_api\")"},
        ErrorCase{R"({"name": "p", "resources": {}})", "resources: expected an array of resources, got an object"},
        ErrorCase{R"({"name": "p", "resources": []})", "resources: expected at least one resource"},
        ErrorCase{R"({"name": "p", "dataset_name": "", "resources": []})", "dataset_name: must not be empty"},
        // Destination.
        ErrorCase{R"({"name": "p", "destination": "sqlite", "resources": []})",
                  "destination: expected an object, got a string"},
        ErrorCase{R"({"name": "p", "destination": {"kind": "duckdb"}, "resources": []})",
                  "destination.kind: expected one of \"sqlite\", \"postgres\", got \"duckdb\""},
        ErrorCase{R"({"name": "p", "destination": {"kind": "sqlite", "dsn": "x"}, "resources": []})",
                  "destination.dsn: unknown key (allowed: kind, path)"},
        ErrorCase{R"({"name": "p", "destination": {"kind": "postgres"}, "resources": []})",
                  "destination: missing required key \"dsn\" (kind \"postgres\")"},
        ErrorCase{R"({"name": "p", "destination": {"kind": "postgres", "dsn": "x", "path": "y"}, "resources": []})",
                  "destination.path: unknown key (allowed: kind, dsn)"},
        ErrorCase{R"({"name": "p", "destination": {"kind": "postgres", "dsn": "env:"}, "resources": []})",
                  "destination.dsn: secret reference \"env:\" names nothing (use env:VARIABLE or "
                  "file:/path/to/secret)"},
        ErrorCase{R"({"name": "p", "destination": {"path": ""}, "resources": []})",
                  "destination.path: must not be empty"},
        // Schedule.
        ErrorCase{R"({"name": "p", "schedule": "@daily", "resources": []})",
                  "schedule: expected an object, got a string"},
        ErrorCase{R"({"name": "p", "schedule": {}, "resources": []})",
                  "schedule: missing required key \"cron\" or \"interval_seconds\""},
        ErrorCase{R"({"name": "p", "schedule": {"cron": "@daily", "interval_seconds": 60}, "resources": []})",
                  "schedule: set one of \"cron\" and \"interval_seconds\", not both"},
        ErrorCase{R"({"name": "p", "schedule": {"cron": "*/0 * * * *"}, "resources": []})",
                  "schedule.cron: cron \"*/0 * * * *\": minute: step must be at least 1"},
        ErrorCase{R"({"name": "p", "schedule": {"cron": "0 0 31 2 *"}, "resources": []})",
                  "schedule.cron: cron \"0 0 31 2 *\": day-of-month: 31 never occurs in February, so the schedule "
                  "would never fire"},
        ErrorCase{R"({"name": "p", "schedule": {"cron": ""}, "resources": []})", "schedule.cron: must not be empty"},
        ErrorCase{R"({"name": "p", "schedule": {"cron": 5}, "resources": []})",
                  "schedule.cron: expected a string, got a number"},
        ErrorCase{R"({"name": "p", "schedule": {"interval_seconds": 0.5}, "resources": []})",
                  "schedule.interval_seconds: interval: expected at least 1 second, got 0.5"},
        ErrorCase{R"({"name": "p", "schedule": {"interval_seconds": "5m"}, "resources": []})",
                  "schedule.interval_seconds: expected a number, got a string"},
        ErrorCase{R"({"name": "p", "schedule": {"interval_seconds": 60, "timeout_seconds": 0}, "resources": []})",
                  "schedule.timeout_seconds: expected a positive number of seconds, got 0"},
        ErrorCase{R"({"name": "p", "schedule": {"interval_seconds": 60, "timeout": 5}, "resources": []})",
                  "schedule.timeout: unknown key (allowed: cron, interval_seconds, timeout_seconds)"},
        // Options.
        ErrorCase{R"({"name": "p", "options": {"buffer_max_items": 0}, "resources": []})",
                  "options.buffer_max_items: expected a positive integer, got 0"},
        ErrorCase{R"({"name": "p", "options": {"buffer_max_items": 1.5}, "resources": []})",
                  "options.buffer_max_items: expected a positive integer, got 1.5"},
        ErrorCase{R"({"name": "p", "options": {"file_max_bytes": "1MB"}, "resources": []})",
                  "options.file_max_bytes: expected a positive integer, got a string"},
        ErrorCase{R"({"name": "p", "options": {"buffer_size": 1}, "resources": []})",
                  "options.buffer_size: unknown key (allowed: buffer_max_items, file_max_items, file_max_bytes, "
                  "max_identifier_length)"},
        // Resources.
        ErrorCase{R"({"name": "p", "resources": [1]})", "resources[0]: expected an object, got a number"},
        ErrorCase{WithResource(R"({"source": {"kind": "files", "paths": ["a"]}})"),
                  "resources[0]: missing required key \"name\""},
        ErrorCase{WithResource(R"({"name": "", "source": {"kind": "files", "paths": ["a"]}})"),
                  "resources[0].name: must not be empty"},
        ErrorCase{WithResource(Res(R"("tabel_name": "x")")),
                  "resources[0].tabel_name: unknown key (allowed: name, table_name, write_disposition, "
                  "primary_key, merge_key, columns, max_table_nesting, schema_contract, incremental, source)"},
        ErrorCase{WithResource(Res("") + "," + Res("")),
                  "resources[1].name: duplicate resource name \"orders\" (also resources[0])"},
        ErrorCase{WithResource(R"({"name": "r"})"), "resources[0]: missing required key \"source\""},
        ErrorCase{WithResource(Res(R"("write_disposition": "upsert")")),
                  "resources[0].write_disposition: expected one of \"append\", \"replace\", \"merge\", got "
                  "\"upsert\""},
        ErrorCase{WithResource(Res(R"("write_disposition": 1)")),
                  "resources[0].write_disposition: expected one of \"append\", \"replace\", \"merge\" or an object "
                  "{disposition, strategy}, got a number"},
        ErrorCase{WithResource(Res(R"("write_disposition": {"strategy": "scd2"})")),
                  "resources[0].write_disposition: missing required key \"disposition\""},
        ErrorCase{WithResource(Res(R"("write_disposition": {"disposition": "append", "strategy": "scd2"})")),
                  "resources[0].write_disposition.strategy: a merge strategy needs disposition \"merge\", got "
                  "\"append\""},
        ErrorCase{WithResource(Res(R"("write_disposition": {"disposition": "merge", "strategy": "insert"})")),
                  "resources[0].write_disposition.strategy: expected one of \"delete-insert\", \"upsert\", "
                  "\"scd2\", got \"insert\""},
        ErrorCase{WithResource(Res(R"("write_disposition": {"disposition": "merge", "strategy": "upsert"})")),
                  "resources[0].write_disposition: strategy \"upsert\" needs a primary key (set primary_key, or "
                  "primary_key: true on a column)"},
        ErrorCase{WithResource(Res(R"("primary_key": 1)")),
                  "resources[0].primary_key: expected a column name or an array of column names, got a number"},
        ErrorCase{WithResource(Res(R"("primary_key": ["a", ""])")), "resources[0].primary_key[1]: must not be empty"},
        ErrorCase{WithResource(Res(R"("merge_key": ["a", "a"])")), "resources[0].merge_key[1]: duplicate column \"a\""},
        ErrorCase{WithResource(Res(R"("max_table_nesting": -1)")),
                  "resources[0].max_table_nesting: expected a non-negative integer, got -1"},
        ErrorCase{WithResource(Res(R"("schema_contract": "strict")")),
                  "resources[0].schema_contract: expected one of \"evolve\", \"freeze\", \"discard_row\", "
                  "\"discard_value\", got \"strict\""},
        ErrorCase{WithResource(Res(R"("schema_contract": {"rows": "freeze"})")),
                  "resources[0].schema_contract.rows: unknown key (allowed: tables, columns, data_type)"},
        ErrorCase{WithResource(Res(R"("schema_contract": {"columns": "discard"})")),
                  "resources[0].schema_contract.columns: expected one of \"evolve\", \"freeze\", \"discard_row\", "
                  "\"discard_value\", got \"discard\""},
        // Columns.
        ErrorCase{WithResource(Res(R"("columns": [])")),
                  "resources[0].columns: expected an object of column name -> column hints, got an array"},
        ErrorCase{WithResource(Res(R"("columns": {"id": {"data_type": "int"}})")),
                  "resources[0].columns.id.data_type: expected one of \"text\", \"double\", \"bool\", "
                  "\"timestamp\", \"bigint\", \"binary\", \"json\", \"decimal\", \"wei\", \"date\", \"time\", got "
                  "\"int\""},
        ErrorCase{WithResource(Res(R"("columns": {"id": {"nullable": "no"}})")),
                  "resources[0].columns.id.nullable: expected a boolean, got a string"},
        ErrorCase{WithResource(Res(R"("columns": {"id": {"row_key": true}})")),
                  "resources[0].columns.id.row_key: unknown key (allowed: data_type, nullable, precision, scale, "
                  "timezone, description, dedup_sort, partition, cluster, primary_key, sort, unique, merge_key, "
                  "hard_delete)"},
        ErrorCase{WithResource(Res(R"("columns": {"id": {"precision": 0}})")),
                  "resources[0].columns.id.precision: expected a positive integer, got 0"},
        ErrorCase{WithResource(Res(R"("columns": {"id": {"scale": 3000000000}})")),
                  "resources[0].columns.id.scale: expected a non-negative integer of at most 2147483647, got "
                  "3000000000"},
        ErrorCase{WithResource(Res(R"("columns": {"id": {"dedup_sort": "up"}})")),
                  "resources[0].columns.id.dedup_sort: expected one of \"asc\", \"desc\", got \"up\""},
        ErrorCase{WithResource(Res(R"("columns": {"": {}})")),
                  "resources[0].columns: a column name must not be empty"},
        // Incremental.
        ErrorCase{WithResource(Res(R"("incremental": {"initial_value": 1})")),
                  "resources[0].incremental: missing required key \"cursor_path\""},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "a..b"})")),
                  "resources[0].incremental.cursor_path: invalid cursor path 'a..b': empty field name"},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "last_value_func": "avg"})")),
                  "resources[0].incremental.last_value_func: expected one of \"max\", \"min\", got \"avg\""},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "initial_value": {"a": 1}})")),
                  "resources[0].incremental.initial_value: expected a number, a string, a boolean or null, got "
                  "an object"},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "end_value": 5})")),
                  "resources[0].incremental.end_value: needs initial_value"},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "initial_value": 5, "end_value": 5})")),
                  "resources[0].incremental.end_value: must be greater than initial_value 5 (last_value_func "
                  "\"max\"), got 5"},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "initial_value": 5, "end_value": "9"})")),
                  "resources[0].incremental.end_value: is a string but initial_value is a number"},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "on_cursor_value_missing": "skip"})")),
                  "resources[0].incremental.on_cursor_value_missing: expected one of \"raise\", \"include\", "
                  "\"exclude\", got \"skip\""},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "range_start": "half"})")),
                  "resources[0].incremental.range_start: expected one of \"closed\", \"open\", got \"half\""},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "range_end": 1})")),
                  "resources[0].incremental.range_end: expected one of \"open\", \"closed\", got a number"},
        ErrorCase{WithResource(Res(R"("incremental": {"cursor_path": "ts", "lag": 3})")),
                  "resources[0].incremental.lag: unknown key (allowed: cursor_path, initial_value, end_value, "
                  "last_value_func, primary_key, on_cursor_value_missing, range_start, range_end)"},
        // Source.
        ErrorCase{WithResource(R"({"name": "r", "source": {"paths": ["a"]}})"),
                  "resources[0].source: missing required key \"kind\" (one of \"files\", \"sql\", \"push\")"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "push", "paths": ["a"]}})"),
                  "resources[0].source.paths: unknown key (allowed: kind)"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "pull"}})"),
                  "resources[0].source.kind: expected one of \"files\", \"sql\", \"push\", got \"pull\""},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "rest_api"}})"),
                  "resources[0].source.kind: rest_api resources are declared in the top-level \"rest_api\" object (dlt's "
                  "config shape)"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files"}})"),
                  "resources[0].source: missing required key \"paths\""},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": "a.json"}})"),
                  "resources[0].source.paths: expected an array of paths or glob patterns, got a string"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": []}})"),
                  "resources[0].source.paths: expected at least one path or glob pattern"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": ["a", 3]}})"),
                  "resources[0].source.paths[1]: expected a string, got a number"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": ["a"], "format": "xml"}})"),
                  "resources[0].source.format: expected one of \"auto\", \"json\", \"jsonl\", \"csv\", got \"xml\""},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": ["a"], "url": "x"}})"),
                  "resources[0].source.url: unknown key (allowed: kind, paths, format, csv, http, retry, limits)"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": ["a"],
                                   "csv": {"delimiter": "::"}}})"),
                  "resources[0].source.csv.delimiter: expected one ASCII character other than '\"', CR and LF, got "
                  "\"::\""},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": ["a"],
                                   "csv": {"header": "yes"}}})"),
                  "resources[0].source.csv.header: expected a boolean, got a string"},
        ErrorCase{WithResource(R"({"name": "r", "source": {"kind": "files", "paths": ["a"],
                                   "csv": {"quote": "'"}}})"),
                  "resources[0].source.csv.quote: unknown key (allowed: delimiter, header)"}));

class PipelineSpecFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "ingestd_spec_XXXXXX").string();
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PipelineSpecFile, RelativePathsResolveAgainstTheSpecDirectory) {
  std::string path = (dir_ / "shop.json").string();
  std::ofstream(path) << R"({"name": "shop", "destination": {"path": "db/shop.sqlite"},
    "resources": [{"name": "o", "source": {"kind": "files", "paths": ["in/*.jsonl", "/abs/x.csv"]}}]})";
  auto spec = LoadPipelineSpecFile(path);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->destination.sqlite_path, (dir_ / "db/shop.sqlite").string());
  EXPECT_EQ(std::get<extract::FilesConfig>(spec->resources[0].source).paths,
            (std::vector<std::string>{(dir_ / "in/*.jsonl").string(), "/abs/x.csv"}));
}

TEST_F(PipelineSpecFile, ErrorsArePrefixedWithTheFile) {
  std::string path = (dir_ / "bad.json").string();
  std::ofstream(path) << R"({"name": "p", "resources": [{"name": "r"}]})";
  auto spec = LoadPipelineSpecFile(path);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message(), path + ": resources[0]: missing required key \"source\"");

  auto missing = LoadPipelineSpecFile((dir_ / "none.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

// The examples in docs/pipeline-spec.md must parse.
TEST(PipelineSpecDocs, ExamplesParse) {
  std::ifstream in(std::string(INGESTD_SOURCE_DIR) + "/docs/pipeline-spec.md");
  ASSERT_TRUE(in) << "docs/pipeline-spec.md missing";
  std::string line;
  std::string block;
  bool in_json = false;
  int parsed = 0;
  while (std::getline(in, line)) {
    if (!in_json && line == "```json") {
      in_json = true;
      block.clear();
    } else if (in_json && line == "```") {
      in_json = false;
      if (block.find("\"resources\"") == std::string::npos) continue;  // fragments
      auto spec = ParsePipelineSpec(block);
      EXPECT_TRUE(spec.ok()) << block << "\n" << spec.error().ToString();
      ++parsed;
    } else if (in_json) {
      block += line + "\n";
    }
  }
  EXPECT_GE(parsed, 2);
}

}  // namespace
}  // namespace ingestd::pipeline
