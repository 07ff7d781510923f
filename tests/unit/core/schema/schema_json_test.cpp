#include "core/schema/schema_json.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/schema/schema.hpp"

namespace ingestd::schema {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string FixturePath(const std::string& name) {
  return std::string(INGESTD_SOURCE_DIR) + "/tests/data/schemas/" + name;
}

ColumnSchema Column(std::string name, std::optional<DataType> type, std::optional<bool> nullable = {}) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  c.nullable = nullable;
  return c;
}

// A schema that uses every part of the model.
Schema RichSchema() {
  Schema s = Schema::CreateDefault("shop");
  s.description = "orders from the web shop";
  s.settings.preferred_types = {{"re:_at$", DataType::kTimestamp}};
  s.settings.schema_contract = SchemaContract{ContractMode::kFreeze, std::nullopt, std::nullopt};
  s.settings.extra = {{"x-settings-note", R"({"k":[1,2]})"}};
  s.normalizer_config.max_nesting = 4;
  s.normalizer_config.propagation_root = {{"_dlt_id", "_dlt_root_id"}};
  s.normalizer_config.propagation_tables = {{"orders", {{"_dlt_id", "_dlt_root_id"}}}};
  s.normalizer_config.extra = {{"root_key_propagation", "true"}};
  s.normalizers_extra = {{"use_break_path_on_normalize", "false"}};
  s.imported_version_hash = "aW1wb3J0ZWQ=";
  s.extra = {{"x-origin", R"("unit test")"}};

  TableSchema orders{"orders"};
  ColumnSchema id = Column("id", DataType::kBigint, false);
  id.SetHint(ColumnHint::kPrimaryKey, true);
  id.SetHint(ColumnHint::kCluster, false);  // an explicit false survives
  orders.AddColumn(id);
  ColumnSchema total = Column("total", DataType::kDecimal);
  total.precision = 10;
  total.scale = 2;
  total.description = "gross, in €";
  orders.AddColumn(total);
  ColumnSchema placed = Column("placed_at", DataType::kTimestamp, false);
  placed.timezone = false;
  placed.dedup_sort = "desc";
  placed.extra = {{"x-valid-from", "true"}};
  orders.AddColumn(placed);
  ColumnSchema variant = Column("total__v_text", DataType::kText, true);
  variant.variant = true;
  orders.AddColumn(variant);
  orders.AddColumn(Column("coupon", std::nullopt));  // incomplete: hints only
  orders.write_disposition = WriteDisposition::kMerge;
  orders.merge_strategy = MergeStrategy::kScd2;
  orders.resource = "order_feed";
  orders.description = "one row per order";
  orders.schema_contract = SchemaContract{std::nullopt, ContractMode::kDiscardValue, std::nullopt};
  orders.table_format = "delta";
  orders.file_format = "parquet";
  orders.seen_data = true;
  orders.evolve_columns_once = false;
  orders.max_nesting = 1;
  orders.normalizer_extra = {{"x-custom", R"({"b":1,"a":null})"}};
  orders.extra = {{"filters", R"({"includes":[],"excludes":["re:^tmp_"]})"}, {"table_sealed", "true"}};
  s.AddTable(std::move(orders));

  TableSchema items{"orders__items"};
  items.parent = "orders";
  items.AddColumn(Column("sku", DataType::kText, true));
  ColumnSchema parent_id = Column("_dlt_parent_id", DataType::kText, false);
  parent_id.SetHint(ColumnHint::kParentKey, true);
  items.AddColumn(parent_id);
  items.seen_data = true;
  s.AddTable(std::move(items));
  s.BumpVersion();
  return s;
}

TEST(SchemaJsonTest, RoundTripIsLosslessAndStable) {
  Schema original = RichSchema();
  for (bool pretty : {false, true}) {
    std::string json = SchemaToJson(original, pretty);
    Result<Schema> parsed = SchemaFromJson(json);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_EQ(*parsed, original) << json;
    EXPECT_EQ(SchemaToJson(*parsed, pretty), json);
    EXPECT_EQ(ComputeVersionHash(*parsed), original.version_hash());
  }
}

TEST(SchemaJsonTest, WritesKeysInDltOrder) {
  std::string json = SchemaToJson(RichSchema());
  auto before = [&](std::string_view a, std::string_view b) {
    auto pa = json.find(a);
    auto pb = json.find(b);
    return pa != std::string::npos && pb != std::string::npos && pa < pb;
  };
  EXPECT_EQ(json.rfind(R"({"version":1,"version_hash":")", 0), 0u) << json;
  EXPECT_TRUE(before(R"("engine_version":11,"name":"shop","description":)", R"("tables":)"));
  EXPECT_TRUE(before(R"("tables":)", R"("settings":)"));
  EXPECT_TRUE(before(R"("settings":)", R"("normalizers":)"));
  EXPECT_TRUE(before(R"("normalizers":)", R"("previous_hashes":[])"));
  EXPECT_TRUE(before(R"("previous_hashes":[])", R"("imported_version_hash":"aW1wb3J0ZWQ=","x-origin":"unit test"})"));
  // Columns carry their name first, hints in dlt's order, extras last.
  EXPECT_NE(json.find(R"("id":{"name":"id","data_type":"bigint","nullable":false,"cluster":false,"primary_key":true})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("placed_at":{"name":"placed_at","data_type":"timestamp","nullable":false,"timezone":false,)"
                      R"("dedup_sort":"desc","x-valid-from":true})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("coupon":{"name":"coupon"})"), std::string::npos);
  // Table hints follow the columns; x-normalizer gathers the normalizer's hints.
  EXPECT_NE(json.find(R"(},"write_disposition":"merge","resource":"order_feed","description":"one row per order",)"
                      R"("schema_contract":{"columns":"discard_value"},"table_format":"delta","file_format":"parquet",)"
                      R"("x-merge-strategy":"scd2","x-normalizer":{"seen-data":true,"evolve-columns-once":false,)"
                      R"("max_nesting":1,"x-custom":{"b":1,"a":null}},"filters":{"includes":[],"excludes":["re:^tmp_"]},)"
                      R"("table_sealed":true})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("parent":"orders","x-normalizer":{"seen-data":true}})"), std::string::npos);
  // System tables as dlt writes them: an empty contract is written as {}.
  EXPECT_NE(json.find(R"("write_disposition":"skip","resource":"_dlt_loads",)"
                      R"("description":"Created by DLT. Tracks completed loads","schema_contract":{}})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("settings":{"detections":["iso_timestamp"],"default_hints":{"not_null":[)"),
            std::string::npos);
  EXPECT_NE(json.find(R"("preferred_types":{"re:_at$":"timestamp"},"schema_contract":{"tables":"freeze"},)"
                      R"("x-settings-note":{"k":[1,2]}})"),
            std::string::npos);
  EXPECT_NE(json.find(R"("normalizers":{"names":"snake_case","json":{"module":"dlt.common.normalizers.json.relational",)"
                      R"("config":{"max_nesting":4,"propagation":{"root":{"_dlt_id":"_dlt_root_id"},)"
                      R"("tables":{"orders":{"_dlt_id":"_dlt_root_id"}}},"root_key_propagation":true}},)"
                      R"("use_break_path_on_normalize":false})"),
            std::string::npos)
      << json;
}

TEST(SchemaJsonTest, FreshSchemaOmitsEmptyNormalizerConfig) {
  std::string json = SchemaToJson(Schema::CreateDefault("fresh"));
  EXPECT_NE(json.find(R"("normalizers":{"names":"snake_case","json":{"module":"dlt.common.normalizers.json.relational"}})"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"({"version":0,"version_hash":"","engine_version":11,"name":"fresh","tables":{)"),
            std::string::npos);
}

// tests/data/schemas/retail.schema.json is laid out as dlt writes a schema
// file (to_pretty_json: two-space indent, tables keyed by name, names
// repeated inside). Its version_hash was computed with Python
// (hashlib.sha3_256 over json.dumps(sort_keys=True, separators=(",", ":"),
// ensure_ascii=False), then table and column names), as dlt does.
TEST(SchemaJsonTest, ParsesDltWrittenSchema) {
  std::string text = ReadFile(FixturePath("retail.schema.json"));
  ASSERT_FALSE(text.empty());
  Result<Schema> parsed = SchemaFromJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const Schema& s = *parsed;

  EXPECT_EQ(s.name(), "retail");
  EXPECT_EQ(s.version(), 4);
  EXPECT_EQ(s.version_hash(), "ffYuveC4maTzACXEY5FUGxtw57Qd7yf/0bI+dgasODQ=");
  ASSERT_EQ(s.previous_hashes().size(), 2u);
  EXPECT_EQ(s.description, "Sample stored schema for ingestd tests");
  ASSERT_EQ(s.tables().size(), 6u);
  EXPECT_EQ(s.tables()[2].name(), "stores");  // file order

  const TableSchema* sales = s.FindTable("sales");
  ASSERT_NE(sales, nullptr);
  EXPECT_EQ(sales->write_disposition, WriteDisposition::kMerge);
  EXPECT_EQ(sales->merge_strategy, MergeStrategy::kUpsert);
  EXPECT_EQ(sales->resource, "sales_feed");
  EXPECT_EQ(sales->schema_contract,
            (SchemaContract{std::nullopt, ContractMode::kFreeze, ContractMode::kDiscardRow}));
  EXPECT_EQ(sales->seen_data, true);
  EXPECT_EQ(sales->max_nesting, 2);
  ASSERT_EQ(sales->extra.size(), 2u);
  EXPECT_EQ(sales->extra[0].first, "references");
  EXPECT_EQ(sales->extra[0].second,
            R"([{"columns":["store_id"],"referenced_table":"stores","referenced_columns":["store_id"]}])");
  EXPECT_EQ(sales->extra[1].first, "x-owner");

  ASSERT_EQ(sales->columns().size(), 10u);
  EXPECT_EQ(sales->column(0).name, "sale_id");
  const ColumnSchema* amount = sales->FindColumn("amount");
  ASSERT_NE(amount, nullptr);
  EXPECT_EQ(amount->data_type, DataType::kDecimal);
  EXPECT_EQ(amount->precision, 12);
  EXPECT_EQ(amount->scale, 2);
  const ColumnSchema* sold_at = sales->FindColumn("sold_at");
  ASSERT_NE(sold_at, nullptr);
  EXPECT_EQ(sold_at->timezone, true);
  EXPECT_TRUE(sold_at->HasHint(ColumnHint::kSort));
  EXPECT_EQ(sold_at->dedup_sort, "desc");
  EXPECT_EQ(sales->FindColumn("note")->description, "Kassenbeleg – Freitext");
  EXPECT_TRUE(sales->FindColumn("amount__v_text")->IsVariant());
  EXPECT_TRUE(sales->FindColumn("deleted")->HasHint(ColumnHint::kHardDelete));
  EXPECT_TRUE(sales->FindColumn("store_id")->HasHint(ColumnHint::kMergeKey));

  const TableSchema* items = s.FindTable("sales__items");
  ASSERT_NE(items, nullptr);
  EXPECT_EQ(items->parent, "sales");
  EXPECT_FALSE(items->write_disposition.has_value());  // nested tables inherit
  EXPECT_TRUE(items->FindColumn("_dlt_root_id")->HasHint(ColumnHint::kRootKey));

  const TableSchema* returns = s.FindTable("returns");
  ASSERT_NE(returns, nullptr);
  EXPECT_FALSE(returns->column(0).IsComplete());
  EXPECT_TRUE(returns->column(0).HasHint(ColumnHint::kPrimaryKey));
  EXPECT_EQ(returns->evolve_columns_once, true);

  const ColumnSchema* city = s.FindTable("stores")->FindColumn("city");
  ASSERT_EQ(city->extra.size(), 1u);
  EXPECT_EQ(city->extra[0], (std::pair<std::string, std::string>{"x-annotation-pii", "false"}));

  EXPECT_EQ(s.settings.detections, (std::vector<std::string>{"iso_timestamp", "iso_date"}));
  ASSERT_EQ(s.settings.default_hints.size(), 6u);
  EXPECT_EQ(s.settings.default_hints[5].first, "partition");
  ASSERT_EQ(s.settings.preferred_types.size(), 2u);
  EXPECT_EQ(s.settings.preferred_types[1].second, DataType::kDecimal);
  EXPECT_EQ(s.settings.schema_contract, (SchemaContract{ContractMode::kEvolve, std::nullopt, std::nullopt}));
  EXPECT_EQ(s.naming, "snake_case");
  EXPECT_EQ(s.normalizer_config.max_nesting, 3);
  ASSERT_NE(s.normalizer_config.PropagationFor("sales"), nullptr);
  EXPECT_EQ(s.normalizers_extra.size(), 1u);

  // dlt's verify_schema_hash holds, and writing the schema back gives the file.
  EXPECT_EQ(ComputeVersionHash(s), s.version_hash());
  EXPECT_EQ(SchemaToJson(s, /*pretty=*/true), text);
}

// The expected hash was computed independently with Python:
//   d = json.loads(kTiny); drop version, version_hash, previous_hashes
//   h = hashlib.sha3_256(json.dumps(d, sort_keys=True, separators=(",", ":"),
//                                   ensure_ascii=False).encode())
//   for t in sorted(d["tables"]): h.update(t); for c in columns: h.update(c)
//   base64.b64encode(h.digest())
constexpr std::string_view kTiny =
    R"({"version":1,"version_hash":"","engine_version":11,"name":"tiny","tables":{)"
    R"("_dlt_version":{"name":"_dlt_version","columns":{},"write_disposition":"skip","resource":"_dlt_version"},)"
    R"("_dlt_loads":{"name":"_dlt_loads","columns":{},"write_disposition":"skip","resource":"_dlt_loads"},)"
    R"("café":{"name":"café","columns":{"zeta":{"name":"zeta","data_type":"text"},)"
    R"("ärger":{"name":"ärger","data_type":"double","x-meta":{"b":2.5,"a":[1,"\u0001"]}}},)"
    R"("write_disposition":"append","resource":"café","description":"tab\there \"quoted\" \u001f"}},)"
    R"("settings":{},"normalizers":{"names":"snake_case","json":{"module":"dlt.common.normalizers.json.relational"}},)"
    R"("previous_hashes":[]})";
constexpr std::string_view kTinyHash = "wcWOjfACGK+3rOvM7/fWRlbOpgG1U1NshLZe1VR65+o=";

TEST(SchemaJsonTest, VersionHashMatchesPython) {
  Result<Schema> tiny = SchemaFromJson(kTiny);
  ASSERT_TRUE(tiny.ok()) << tiny.error().ToString();
  EXPECT_EQ(ComputeVersionHash(*tiny), kTinyHash);
}

TEST(SchemaJsonTest, VersionHashIgnoresKeyOrderButNotColumnOrder) {
  // Same content, every object's keys (and the tables) in another order.
  constexpr std::string_view kReordered =
      R"({"previous_hashes":["b2xk"],"normalizers":{"json":{"module":"dlt.common.normalizers.json.relational"},)"
      R"("names":"snake_case"},"settings":{},"tables":{)"
      R"("café":{"description":"tab\there \"quoted\" \u001f","resource":"café","write_disposition":"append",)"
      R"("columns":{"zeta":{"data_type":"text","name":"zeta"},)"
      R"("ärger":{"x-meta":{"a":[1,"\u0001"],"b":2.5},"data_type":"double"}},"name":"café"},)"
      R"("_dlt_loads":{"resource":"_dlt_loads","write_disposition":"skip","columns":{}},)"
      R"("_dlt_version":{"columns":{},"write_disposition":"skip","resource":"_dlt_version"}},)"
      R"("name":"tiny","engine_version":11,"version_hash":"x","version":7})";
  Result<Schema> reordered = SchemaFromJson(kReordered);
  ASSERT_TRUE(reordered.ok()) << reordered.error().ToString();
  EXPECT_EQ(ComputeVersionHash(*reordered), kTinyHash);

  // Swapping two columns changes only their order, and the hash.
  std::string swapped(kTiny);
  std::string zeta = R"("zeta":{"name":"zeta","data_type":"text"},)";
  std::string aerger = R"("ärger":{"name":"ärger","data_type":"double","x-meta":{"b":2.5,"a":[1,"\u0001"]}})";
  auto pos = swapped.find(zeta + aerger);
  ASSERT_NE(pos, std::string::npos);
  swapped.replace(pos, zeta.size() + aerger.size(), aerger + "," + zeta.substr(0, zeta.size() - 1));
  Result<Schema> other = SchemaFromJson(swapped);
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  EXPECT_NE(ComputeVersionHash(*other), kTinyHash);
}

TEST(SchemaJsonTest, AppliesDltDefaultsToRootTables) {
  constexpr std::string_view kBare =
      R"({"engine_version":11,"name":"bare","tables":{"_dlt_version":{"columns":{}},"_dlt_loads":{"columns":{}},)"
      R"("events":{"columns":{"id":{"data_type":"bigint"}}},"events__tags":{"parent":"events","columns":{}}}})";
  Result<Schema> parsed = SchemaFromJson(kBare);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const TableSchema* events = parsed->FindTable("events");
  EXPECT_EQ(events->write_disposition, WriteDisposition::kAppend);
  EXPECT_EQ(events->resource, "events");
  const TableSchema* tags = parsed->FindTable("events__tags");
  EXPECT_FALSE(tags->write_disposition.has_value());
  EXPECT_FALSE(tags->resource.has_value());
  EXPECT_EQ(parsed->version(), 0);
  EXPECT_EQ(parsed->version_hash(), "");
  // A table built in code without them is written with them too, so the hash
  // is the one dlt computes after its own apply_defaults.
  Schema s = Schema::CreateDefault("bare");
  s.AddTable(TableSchema{"events"});
  std::string json = SchemaToJson(s);
  EXPECT_NE(json.find(R"("events":{"name":"events","columns":{},"write_disposition":"append","resource":"events"})"),
            std::string::npos)
      << json;
}

TEST(SchemaJsonTest, AcceptsLegacyNamesAndNulls) {
  constexpr std::string_view kLegacy =
      R"({"version":2,"version_hash":"h","engine_version":11,"name":"legacy","description":null,"tables":{)"
      R"("_dlt_version":{"columns":{}},"_dlt_loads":{"columns":{}},)"
      R"("docs":{"columns":{"body":{"data_type":"complex","nullable":null,"precision":null,"x-keep":null}},)"
      R"("schema_contract":"discard_row"}},)"
      R"("settings":{"preferred_types":{"payload":"complex"}},"normalizers":{"names":"snake_case",)"
      R"("json":{"module":"relational"}}})";
  Result<Schema> parsed = SchemaFromJson(kLegacy);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const ColumnSchema* body = parsed->FindTable("docs")->FindColumn("body");
  EXPECT_EQ(body->data_type, DataType::kJson);
  EXPECT_FALSE(body->nullable.has_value());
  EXPECT_FALSE(body->precision.has_value());
  ASSERT_EQ(body->extra.size(), 1u);
  EXPECT_EQ(body->extra[0].second, "null");  // unknown keys keep even null
  EXPECT_FALSE(parsed->description.has_value());
  EXPECT_EQ(parsed->FindTable("docs")->schema_contract, SchemaContract::All(ContractMode::kDiscardRow));
  EXPECT_EQ(parsed->settings.preferred_types[0].second, DataType::kJson);
  EXPECT_NE(SchemaToJson(*parsed).find(R"("body":{"name":"body","data_type":"json","x-keep":null})"),
            std::string::npos);
}

// Parses `json` and returns the error message ("" when it parsed).
std::string ParseError(std::string_view json) {
  Result<Schema> parsed = SchemaFromJson(json);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
  return parsed.error().message();
}

// A valid schema whose `orders` table has the given columns object text.
std::string WithColumns(std::string_view columns) {
  return std::string(R"({"version":1,"version_hash":"","engine_version":11,"name":"s","tables":{)"
                     R"("_dlt_version":{"columns":{}},"_dlt_loads":{"columns":{}},"orders":{"columns":)") +
         std::string(columns) + "}}}";
}

TEST(SchemaJsonTest, ErrorsNameThePath) {
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{"data_type":"int"}})")),
            "tables.orders.columns.id.data_type: unknown data type 'int' (expected one of text, double, bool, "
            "timestamp, bigint, binary, json, decimal, wei, date, time)");
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{"nullable":"no"}})")),
            "tables.orders.columns.id.nullable: expected a boolean, got a string");
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{"precision":1.5}})")),
            "tables.orders.columns.id.precision: expected an integer, got a fractional or out-of-range number");
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{"name":"key"}})")),
            "tables.orders.columns.id.name: column name 'key' does not match its key 'id'");
  EXPECT_EQ(ParseError(WithColumns(R"([{"name":"id"}])")),
            "tables.orders.columns: expected an object, got an array");
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{},"id":{}})")), "tables.orders.columns: duplicate key 'id'");
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{"primary_key":1}})")),
            "tables.orders.columns.id.primary_key: expected a boolean, got a number");
  EXPECT_EQ(ParseError(WithColumns(R"({"id":{"dedup_sort":"up"}})")),
            "tables.orders.columns.id.dedup_sort: unknown sort order 'up' (expected one of asc, desc)");
  EXPECT_EQ(ParseError(WithColumns(R"({}, "write_disposition":"upsert")")),
            "tables.orders.write_disposition: unknown write disposition 'upsert' (expected one of append, "
            "replace, merge, skip)");
  EXPECT_EQ(ParseError(WithColumns(R"({}, "schema_contract":{"rows":"freeze"})")),
            "tables.orders.schema_contract.rows: unknown contract entity (expected one of tables, columns, "
            "data_type)");
  EXPECT_EQ(ParseError(WithColumns(R"({}, "schema_contract":"strict")")),
            "tables.orders.schema_contract: unknown contract mode 'strict' (expected one of evolve, freeze, "
            "discard_row, discard_value)");
  EXPECT_EQ(ParseError(WithColumns(R"({}, "parent":"nowhere")")),
            "tables.orders.parent: parent table 'nowhere' is not in the schema");
  EXPECT_EQ(ParseError(WithColumns(R"({}, "name":"sales")")),
            "tables.orders.name: table name 'sales' does not match its key 'orders'");
  EXPECT_EQ(ParseError(WithColumns(R"({}, "x-merge-strategy":"merge")")),
            "tables.orders.x-merge-strategy: unknown merge strategy 'merge' (expected one of delete-insert, "
            "upsert, scd2, insert-only)");
}

TEST(SchemaJsonTest, RejectsOtherEngineVersions) {
  std::string json = WithColumns("{}");
  json.replace(json.find(R"("engine_version":11)"), 19, R"("engine_version":10)");
  std::string message = ParseError(json);
  EXPECT_EQ(message.rfind("engine_version: unsupported schema engine version 10", 0), 0u) << message;
  EXPECT_NE(message.find("supports only engine version 11"), std::string::npos) << message;
  EXPECT_EQ(ParseError(R"({"name":"s","tables":{}})"), "engine_version: missing");
  EXPECT_EQ(ParseError(R"({"engine_version":"11","name":"s","tables":{}})"),
            "engine_version: expected an integer, got a string");
}

TEST(SchemaJsonTest, ReportsMalformedJsonWithOffset) {
  EXPECT_EQ(ParseError(R"({"engine_version":11,"name":"s",})"),
            "malformed schema JSON at byte offset 32: Missing a name for object member.");
  EXPECT_EQ(ParseError(""), "malformed schema JSON at byte offset 0: The document is empty.");
  EXPECT_EQ(ParseError("[]"), "schema JSON: expected an object, got an array");
  // Strings must be valid UTF-8, as Python requires.
  std::string bad_utf8 = WithColumns("{}");
  bad_utf8.replace(bad_utf8.find(R"("name":"s")"), 10, "\"name\":\"s\xff\"");
  std::string message = ParseError(bad_utf8);
  EXPECT_EQ(message.rfind("malformed schema JSON at byte offset ", 0), 0u) << message;
  EXPECT_NE(message.find("Invalid encoding in string."), std::string::npos) << message;
}

TEST(SchemaJsonTest, RequiresNameTablesAndSystemTables) {
  EXPECT_EQ(ParseError(R"({"engine_version":11,"tables":{}})"), "name: missing (a schema needs a name)");
  EXPECT_EQ(ParseError(R"({"engine_version":11,"name":"1st","tables":{}})").rfind("name: invalid schema name '1st'", 0),
            0u);
  EXPECT_EQ(ParseError(R"({"engine_version":11,"name":"s"})"), "tables: missing (a schema has a tables object)");
  EXPECT_EQ(ParseError(R"({"engine_version":11,"name":"s","tables":{"_dlt_version":{"columns":{}}}})"),
            "tables: schema 's' is corrupted: it must contain table _dlt_loads (dlt's system tables _dlt_version "
            "and _dlt_loads)");
  EXPECT_EQ(ParseError(R"({"engine_version":11,"name":"s","tables":{"_dlt_loads":{}}})"),
            "tables._dlt_loads.columns: missing (every table has a columns object)");
}

TEST(SchemaJsonTest, RejectsUnsupportedNormalizer) {
  std::string json = WithColumns("{}");
  json.insert(json.size() - 1, R"(,"normalizers":{"json":{"module":"my.flattener"}})");
  EXPECT_EQ(ParseError(json),
            "normalizers.json.module: unsupported json normalizer 'my.flattener' (ingestd implements only "
            "dlt.common.normalizers.json.relational)");
}

TEST(SchemaJsonTest, RejectsHostileNestingInExtras) {
  std::string deep = std::string(200, '[') + std::string(200, ']');
  std::string json = WithColumns(R"({"id":{"x-deep":)" + deep + "}}");
  EXPECT_EQ(ParseError(json), "tables.orders.columns.id.x-deep: nested deeper than 64 levels");
}

}  // namespace
}  // namespace ingestd::schema
