#include "core/normalize/json_normalizer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/normalize/row_id.hpp"
#include "tests/support/batch_view.hpp"

namespace ingestd::normalize {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ingestd::testing::ColumnNames;
using ingestd::testing::ColumnTypes;
using ingestd::testing::RowsOf;
using schema::ContractEntity;
using schema::ContractMode;

class JsonNormalizerTest : public ::testing::Test {
 protected:
  JsonNormalizerTest() : schema_(schema::Schema::CreateDefault("test")) {
    options_.load_id = "1700000000.5";
    options_.row_id_seed = 42;
  }

  /// Normalizes `json` into `table` with a fresh normalizer over schema_ and
  /// keeps the working schema for assertions.
  Status Run(std::string_view json, std::string_view table = "items") {
    auto normalizer = JsonNormalizer::Create(schema_, options_);
    if (!normalizer.ok()) return normalizer.error();
    batch_.Clear();
    Status s = normalizer->Normalize(json, table, batch_);
    working_ = normalizer->schema();
    update_ = normalizer->TakeUpdate();
    return s;
  }

  /// Runs and then makes the working schema the base of the next run, the
  /// way a pipeline keeps its schema between runs.
  void RunAndKeep(std::string_view json, std::string_view table = "items") {
    ASSERT_TRUE(Run(json, table).ok());
    schema_ = working_;
  }

  std::vector<ingestd::testing::RowView> Rows(const std::string& table) {
    return RowsOf(batch_, working_, table);
  }

  schema::Schema schema_;
  schema::Schema working_;
  schema::SchemaUpdate update_;
  NormalizeOptions options_;
  NormalizedBatch batch_;
};

TEST_F(JsonNormalizerTest, FlatRecordGetsTypedColumnsAndSystemColumns) {
  ASSERT_TRUE(Run(R"({"id": 1, "name": "alpha", "score": 1.5, "active": true, "note": null})").ok());
  EXPECT_THAT(ColumnTypes(working_, "items"),
              ElementsAre("id:bigint", "name:text", "score:double", "active:bool",
                          "_dlt_load_id:text", "_dlt_id:text"));
  auto rows = Rows("items");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], "1");
  EXPECT_EQ(rows[0]["name"], "alpha");
  EXPECT_EQ(rows[0]["score"], "1.5");
  EXPECT_EQ(rows[0]["active"], "true");
  EXPECT_EQ(rows[0]["_dlt_load_id"], "1700000000.5");
  EXPECT_EQ(rows[0]["_dlt_id"].size(), 14u);
  EXPECT_EQ(rows[0].count("note"), 0u) << "nulls never create a column";

  const schema::TableSchema* t = working_.FindTable("items");
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->FindColumn("_dlt_id")->IsNullable());
  EXPECT_TRUE(t->FindColumn("_dlt_id")->HasHint(schema::ColumnHint::kUnique));
  EXPECT_TRUE(t->FindColumn("_dlt_id")->HasHint(schema::ColumnHint::kRowKey));
  EXPECT_FALSE(t->FindColumn("_dlt_load_id")->IsNullable());
  EXPECT_TRUE(t->FindColumn("id")->IsNullable());
  EXPECT_EQ(t->seen_data, true);
  EXPECT_EQ(t->write_disposition, schema::WriteDisposition::kAppend);
}

TEST_F(JsonNormalizerTest, NestedDictsFlattenInDltColumnOrder) {
  // dlt flattens with a stack: own keys first, then nested dicts last-seen
  // first, so `meta` columns come before `profile` columns.
  ASSERT_TRUE(Run(R"({"id": 1, "profile": {"name": "Ann", "address": {"city": "Oslo",
                      "geo": {"lat": 59.9}}}, "meta": {"source": "api", "version": 3}})")
                  .ok());
  EXPECT_THAT(ColumnNames(working_, "items"),
              ElementsAre("id", "meta__source", "meta__version", "profile__name",
                          "profile__address__city", "profile__address__geo__lat", "_dlt_load_id",
                          "_dlt_id"));
}

TEST_F(JsonNormalizerTest, ListsBecomeChildTablesLinkedByIds) {
  ASSERT_TRUE(Run(R"({"id": 7, "items": [{"sku": "a", "opts": [{"k": "x"}]}, {"sku": "b"}]})",
                  "orders")
                  .ok());
  auto orders = Rows("orders");
  auto items = Rows("orders__items");
  auto opts = Rows("orders__items__opts");
  ASSERT_EQ(orders.size(), 1u);
  ASSERT_EQ(items.size(), 2u);
  ASSERT_EQ(opts.size(), 1u);
  EXPECT_THAT(ColumnNames(working_, "orders__items"),
              ElementsAre("sku", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"));
  EXPECT_EQ(items[0]["_dlt_parent_id"], orders[0]["_dlt_id"]);
  EXPECT_EQ(items[1]["_dlt_list_idx"], "1");
  EXPECT_EQ(opts[0]["_dlt_parent_id"], items[0]["_dlt_id"]);
  // Nested ids are deterministic: digest of parent id, table and index.
  char expected[kRowIdChars];
  NestedRowId(orders[0]["_dlt_id"], "orders__items", 1, expected);
  EXPECT_EQ(items[1]["_dlt_id"], std::string(expected, kRowIdChars));
  EXPECT_EQ(working_.FindTable("orders__items")->parent, "orders");
  EXPECT_EQ(working_.FindTable("orders__items__opts")->parent, "orders__items");
  EXPECT_FALSE(working_.FindTable("orders__items")->write_disposition.has_value());
  EXPECT_EQ(items[0].count("_dlt_load_id"), 0u) << "only root rows carry the load id";
}

TEST_F(JsonNormalizerTest, ListsOfPrimitivesAndListsOfLists) {
  ASSERT_TRUE(Run(R"({"id": 1, "tags": ["a", "b"], "matrix": [[1, 2], [], [3]], "pts": [[{"x": 1}]]})",
                  "grids")
                  .ok());
  EXPECT_THAT(ColumnTypes(working_, "grids__tags"),
              ElementsAre("value:text", "_dlt_parent_id:text", "_dlt_list_idx:bigint", "_dlt_id:text"));
  EXPECT_EQ(Rows("grids__tags").size(), 2u);
  EXPECT_EQ(Rows("grids__matrix").size(), 3u) << "one intermediate row per inner list, empty included";
  auto cells = Rows("grids__matrix__list");
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[2]["value"], "3");
  EXPECT_EQ(cells[2]["_dlt_parent_id"], Rows("grids__matrix")[2]["_dlt_id"]);
  EXPECT_THAT(ColumnNames(working_, "grids__pts__list"),
              ElementsAre("x", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"));
}

TEST_F(JsonNormalizerTest, EmptyContainersAndNullsLeaveNoTrace) {
  ASSERT_TRUE(Run(R"([{"id": 1, "d": {}, "l": [], "n": null}, {"id": 2, "d": null, "e": {"f": {}}}])",
                  "c")
                  .ok());
  EXPECT_THAT(ColumnNames(working_, "c"), ElementsAre("id", "_dlt_load_id", "_dlt_id"));
  EXPECT_EQ(working_.FindTable("c__l"), nullptr);
  EXPECT_EQ(Rows("c").size(), 2u);
}

TEST_F(JsonNormalizerTest, NamesFollowSnakeCase) {
  ASSERT_TRUE(Run(R"({"UserID": 1, "Last Name": "Lee", "e-mail": "x", "CamelCaseNested": {"innerList": [{"DeepKey": 1}]}})",
                  "My Table-Name")
                  .ok());
  EXPECT_THAT(ColumnNames(working_, "my_table_name"),
              ElementsAre("user_id", "last_name", "e_mail", "_dlt_load_id", "_dlt_id"));
  EXPECT_NE(working_.FindTable("my_table_name__camel_case_nested__inner_list"), nullptr);
}

TEST_F(JsonNormalizerTest, LongNamesAreShortenedToTheIdentifierLimit) {
  std::string key(80, 'a');
  ASSERT_TRUE(Run("{\"" + key + "\": 1}").ok());
  auto names = ColumnNames(working_, "items");
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].size(), 63u);
}

TEST_F(JsonNormalizerTest, NestingBudgetKeepsDeeperValuesAsJson) {
  options_.max_nesting = 1;
  ASSERT_TRUE(Run(R"({"a": {"b": {"c": 1}, "x": 2}, "l": [{"m": {"n": 1}, "k": [1]}]})").ok());
  EXPECT_THAT(ColumnTypes(working_, "items"),
              ElementsAre("a__b:json", "a__x:bigint", "_dlt_load_id:text", "_dlt_id:text"));
  auto rows = Rows("items");
  EXPECT_EQ(rows[0]["a__b"], R"({"c":1})");
  EXPECT_THAT(ColumnTypes(working_, "items__l"),
              ElementsAre("m:json", "k:json", "_dlt_parent_id:text", "_dlt_list_idx:bigint",
                          "_dlt_id:text"));
}

TEST_F(JsonNormalizerTest, ZeroNestingKeepsEverythingWhole) {
  options_.max_nesting = 0;
  ASSERT_TRUE(Run(R"({"a": {"b": 1}, "l": [1, 2]})").ok());
  auto rows = Rows("items");
  EXPECT_EQ(rows[0]["a"], R"({"b":1})");
  EXPECT_EQ(rows[0]["l"], "[1,2]");
  EXPECT_EQ(working_.FindTable("items__l"), nullptr);
}

TEST_F(JsonNormalizerTest, JsonColumnHintKeepsObjectsWhole) {
  schema::TableSchema t{"items"};
  schema::ColumnSchema payload;
  payload.name = "payload";
  payload.data_type = schema::DataType::kJson;
  t.AddColumn(payload);
  schema_.AddTable(t);
  ASSERT_TRUE(Run(R"({"payload": {"a": [1, 2], "b": {"c": null}}})").ok());
  EXPECT_EQ(Rows("items")[0]["payload"], R"({"a":[1,2],"b":{"c":null}})");
  EXPECT_EQ(working_.FindTable("items__payload__a"), nullptr);
}

TEST_F(JsonNormalizerTest, ValuesThatDoNotFitGoToVariantColumns) {
  RunAndKeep(R"({"id": 1, "answer": 42})");
  ASSERT_TRUE(Run(R"({"id": 2, "answer": "forty-two"})").ok());
  EXPECT_THAT(ColumnTypes(working_, "items"),
              ElementsAre("id:bigint", "answer:bigint", "_dlt_load_id:text", "_dlt_id:text",
                          "answer__v_text:text"));
  EXPECT_TRUE(working_.FindTable("items")->FindColumn("answer__v_text")->IsVariant());
  auto rows = Rows("items");
  EXPECT_EQ(rows[0]["answer__v_text"], "forty-two");
  EXPECT_EQ(rows[0].count("answer"), 0u);
  // A coercible value stays in the column.
  ASSERT_TRUE(Run(R"({"id": 3, "answer": "17"})").ok());
  EXPECT_EQ(Rows("items")[0]["answer"], "17");
}

TEST_F(JsonNormalizerTest, IsoTimestampsAreDetected) {
  ASSERT_TRUE(Run(R"({"created_at": "2024-01-15T10:30:00Z", "day": "2024-01-15", "bad": "yesterday"})").ok());
  EXPECT_THAT(ColumnTypes(working_, "items"),
              ElementsAre("created_at:timestamp", "day:text", "bad:text", "_dlt_load_id:text",
                          "_dlt_id:text"));
}

TEST_F(JsonNormalizerTest, HugeIntegersDoNotBecomeBigint) {
  ASSERT_TRUE(Run(R"({"small": 9223372036854775807, "big": 9223372036854775808})").ok());
  auto types = ColumnTypes(working_, "items");
  EXPECT_EQ(types[0], "small:bigint");
  // ingestd's documented choice (docs/compat.md): beyond int64 is decimal,
  // so a later load cannot fail on it.
  EXPECT_EQ(types[1], "big:decimal");
  EXPECT_EQ(Rows("items")[0]["big"], "9223372036854775808.000000000");
}

TEST_F(JsonNormalizerTest, NumbersBeyondDoubleRangeAreAClearError) {
  // RapidJSON refuses numbers whose magnitude overflows a double even in
  // numbers-as-strings mode; the error must name the place.
  Status s = Run(R"({"ok": 1, "huge": 1e400})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message(), HasSubstr("offset"));
  EXPECT_FALSE(Run("{\"n\": " + std::string(400, '9') + "}").ok());
  // Within range, the exact digits survive as decimal or text.
  ASSERT_TRUE(Run("{\"n\": " + std::string(40, '9') + "}").ok());
  EXPECT_EQ(Rows("items")[0]["n"], std::string(40, '9'));
}

TEST_F(JsonNormalizerTest, DuplicateKeysKeepTheLastValue) {
  ASSERT_TRUE(Run(R"({"a": 1, "A": 2, "a": 3})").ok());
  EXPECT_THAT(ColumnNames(working_, "items"), ElementsAre("a", "_dlt_load_id", "_dlt_id"));
  EXPECT_EQ(Rows("items")[0]["a"], "3");
}

TEST_F(JsonNormalizerTest, TopLevelArrayIsASequenceOfItemsAndScalarsAreWrapped) {
  ASSERT_TRUE(Run(R"([{"a": 1}, 5, [1, 2]])").ok());
  auto rows = Rows("items");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1]["value"], "5");
  EXPECT_EQ(Rows("items__value").size(), 2u);
  ASSERT_TRUE(Run("\"just text\"").ok());
  EXPECT_EQ(Rows("items")[0]["value"], "just text");
}

TEST_F(JsonNormalizerTest, JsonLinesNormalizeEachDocument) {
  auto normalizer = JsonNormalizer::Create(schema_, options_);
  ASSERT_TRUE(normalizer.ok());
  ASSERT_TRUE(normalizer->NormalizeLines("{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3}\n", "items", batch_).ok());
  EXPECT_EQ(batch_.FindTable("items")->row_count(), 3u);
  EXPECT_EQ(normalizer->items_seen(), 3u);
}

TEST_F(JsonNormalizerTest, RowIdsAreDeterministicForASeed) {
  ASSERT_TRUE(Run(R"([{"a": 1}, {"a": 2}])").ok());
  auto first = Rows("items");
  ASSERT_TRUE(Run(R"([{"a": 1}, {"a": 2}])").ok());
  auto second = Rows("items");
  EXPECT_EQ(first[0]["_dlt_id"], second[0]["_dlt_id"]);
  EXPECT_NE(first[0]["_dlt_id"], first[1]["_dlt_id"]);
  options_.row_id_seed = 43;
  ASSERT_TRUE(Run(R"([{"a": 1}])").ok());
  EXPECT_NE(Rows("items")[0]["_dlt_id"], first[0]["_dlt_id"]);
}

// --- merge tables -----------------------------------------------------------

schema::TableSchema MergeTable(std::string name, schema::MergeStrategy strategy) {
  schema::TableSchema t{std::move(name)};
  t.write_disposition = schema::WriteDisposition::kMerge;
  t.merge_strategy = strategy;
  schema::ColumnSchema id;
  id.name = "id";
  id.nullable = false;
  id.SetHint(schema::ColumnHint::kPrimaryKey, true);
  t.AddColumn(id);
  return t;
}

TEST_F(JsonNormalizerTest, MergeTablesPropagateRootIdToNestedRows) {
  schema_.AddTable(MergeTable("customers", schema::MergeStrategy::kDeleteInsert));
  ASSERT_TRUE(Run(R"({"id": 1, "orders": [{"o": "x"}]})", "customers").ok());
  EXPECT_THAT(ColumnNames(working_, "customers__orders"),
              ElementsAre("o", "_dlt_root_id", "_dlt_parent_id", "_dlt_list_idx", "_dlt_id"));
  EXPECT_EQ(Rows("customers__orders")[0]["_dlt_root_id"], Rows("customers")[0]["_dlt_id"]);
  EXPECT_TRUE(working_.FindTable("customers")->FindColumn("id")->IsComplete());
  EXPECT_FALSE(working_.FindTable("customers")->FindColumn("id")->IsNullable());
}

TEST_F(JsonNormalizerTest, UpsertRootIdIsThePrimaryKeyHash) {
  schema_.AddTable(MergeTable("u", schema::MergeStrategy::kUpsert));
  ASSERT_TRUE(Run(R"([{"id": 1, "v": "a"}, {"id": 1, "v": "b"}, {"id": 2}])", "u").ok());
  auto rows = Rows("u");
  EXPECT_EQ(rows[0]["_dlt_id"], rows[1]["_dlt_id"]);
  EXPECT_NE(rows[0]["_dlt_id"], rows[2]["_dlt_id"]);
  char expected[kRowIdChars];
  ContentRowId(R"({"id":1})", expected);
  EXPECT_EQ(rows[0]["_dlt_id"], std::string(expected, kRowIdChars));
  Status missing = Run(R"({"v": "no key"})", "u");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message(), HasSubstr("primary key column id"));
}

TEST_F(JsonNormalizerTest, Scd2RootIdHashesTheWholeItemIncludingNestedLists) {
  schema_.AddTable(MergeTable("s", schema::MergeStrategy::kScd2));
  ASSERT_TRUE(Run(R"([{"id": 1, "l": [1, 2]}, {"l": [1, 2], "id": 1}, {"id": 1, "l": [1, 3]}])", "s").ok());
  auto rows = Rows("s");
  EXPECT_EQ(rows[0]["_dlt_id"], rows[1]["_dlt_id"]) << "key order does not matter";
  EXPECT_NE(rows[0]["_dlt_id"], rows[2]["_dlt_id"]) << "nested content does";
  EXPECT_EQ(working_.FindTable("s__l")->FindColumn("_dlt_root_id"), nullptr)
      << "dlt does not propagate the root key for scd2";
}

TEST_F(JsonNormalizerTest, NullInANotNullColumnIsAnError) {
  schema_.AddTable(MergeTable("m", schema::MergeStrategy::kDeleteInsert));
  schema::Schema base = schema_;
  RunAndKeep(R"({"id": 1})", "m");
  Status s = Run(R"({"id": null})", "m");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("column id is not nullable"));
}

// --- contracts -------------------------------------------------------------

TEST_F(JsonNormalizerTest, FrozenColumnsFailWithTheOffendingPlace) {
  RunAndKeep(R"({"id": 1, "name": "a"})", "frozen");
  schema_.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kFreeze, std::nullopt};
  Status s = Run(R"([{"id": 2, "name": "b"}, {"id": 4, "name": "d", "new_col": "boom"}])", "frozen");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(s.error().message(), HasSubstr("table frozen, column new_col"));
  EXPECT_THAT(s.error().message(), HasSubstr("columns contract is freeze"));
  EXPECT_THAT(s.error().message(), HasSubstr("\"boom\""));
  EXPECT_THAT(s.error().message(), HasSubstr("at item 1"));
  EXPECT_EQ(working_.FindTable("frozen")->FindColumn("new_col"), nullptr);
  // The item before the failing one stays; the failing one left nothing.
  EXPECT_EQ(batch_.FindTable("frozen")->row_count(), 1u);
}

TEST_F(JsonNormalizerTest, DiscardRowDropsRowsWithNewColumnsAndRecordsThem) {
  RunAndKeep(R"({"id": 1, "name": "a"})", "guarded");
  schema_.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kDiscardRow, std::nullopt};
  ASSERT_TRUE(Run(R"([{"id": 2, "extra": 1}, {"id": 3, "name": "c"}, {"id": 4, "extra": 2}])", "guarded").ok());
  auto rows = Rows("guarded");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], "3");
  EXPECT_EQ(working_.FindTable("guarded")->FindColumn("extra"), nullptr);
  ASSERT_EQ(batch_.violations().size(), 2u);
  const auto& v = batch_.violations()[0];
  EXPECT_EQ(v.table, "guarded");
  EXPECT_EQ(v.column, "extra");
  EXPECT_EQ(v.entity, ContractEntity::kColumns);
  EXPECT_EQ(v.mode, ContractMode::kDiscardRow);
  EXPECT_EQ(v.observed_type, "bigint");
  EXPECT_EQ(v.item_index, 0u);
  EXPECT_EQ(batch_.violations()[1].item_index, 2u);
  EXPECT_EQ(batch_.violation_total(), 2u);
}

TEST_F(JsonNormalizerTest, DiscardValueKeepsTheRowWithoutTheValue) {
  RunAndKeep(R"({"id": 1})", "t");
  schema_.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kDiscardValue, std::nullopt};
  ASSERT_TRUE(Run(R"({"id": 2, "extra": "x"})", "t").ok());
  auto rows = Rows("t");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count("extra"), 0u);
  EXPECT_EQ(batch_.violation_total(), 1u);
}

TEST_F(JsonNormalizerTest, NewTablesEvolveFreelyDuringTheirFirstRun) {
  // dlt's "evolve once": a table new in this run takes all its columns even
  // with a frozen columns contract.
  schema_.settings.schema_contract = schema::SchemaContract{std::nullopt, ContractMode::kFreeze, std::nullopt};
  ASSERT_TRUE(Run(R"([{"id": 1}, {"id": 2, "late": true}])", "fresh").ok());
  EXPECT_NE(working_.FindTable("fresh")->FindColumn("late"), nullptr);
}

TEST_F(JsonNormalizerTest, FrozenTablesRefuseNewTablesIncludingNestedOnes) {
  RunAndKeep(R"({"id": 1})", "t");
  schema_.settings.schema_contract = schema::SchemaContract::All(ContractMode::kFreeze);
  Status s = Run(R"({"id": 2, "kids": [1]})", "t");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("table t__kids: tables contract is freeze"));
}

TEST_F(JsonNormalizerTest, DiscardedTablesDropTheirRowsForTheRun) {
  RunAndKeep(R"({"id": 1})", "t");
  schema_.settings.schema_contract =
      schema::SchemaContract{ContractMode::kDiscardRow, std::nullopt, std::nullopt};
  ASSERT_TRUE(Run(R"([{"id": 2, "kids": [1, 2]}, {"id": 3, "kids": [3]}])", "t").ok());
  EXPECT_EQ(Rows("t").size(), 2u);
  EXPECT_EQ(batch_.FindTable("t__kids"), nullptr);
  EXPECT_EQ(working_.FindTable("t__kids"), nullptr);
  EXPECT_EQ(batch_.violation_total(), 3u);
}

TEST_F(JsonNormalizerTest, DataTypeContractGovernsVariants) {
  RunAndKeep(R"({"n": 1})", "t");
  schema_.settings.schema_contract =
      schema::SchemaContract{std::nullopt, std::nullopt, ContractMode::kDiscardValue};
  ASSERT_TRUE(Run(R"([{"n": "text"}, {"n": 5}])", "t").ok());
  auto rows = Rows("t");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].count("n"), 0u);
  EXPECT_EQ(rows[1]["n"], "5");
  EXPECT_EQ(working_.FindTable("t")->FindColumn("n__v_text"), nullptr);
  ASSERT_EQ(batch_.violations().size(), 1u);
  EXPECT_EQ(batch_.violations()[0].entity, ContractEntity::kDataType);
  EXPECT_EQ(batch_.violations()[0].column, "n__v_text");
}

TEST_F(JsonNormalizerTest, TableContractHintOverridesSchemaSettings) {
  RunAndKeep(R"({"id": 1})", "t");
  schema_.settings.schema_contract = schema::SchemaContract::All(ContractMode::kFreeze);
  schema_.FindTable("t")->schema_contract = schema::SchemaContract::All(ContractMode::kEvolve);
  EXPECT_TRUE(Run(R"({"id": 2, "new": 1})", "t").ok());
}

// --- bad input ---------------------------------------------------------------

TEST_F(JsonNormalizerTest, MalformedJsonNamesTheOffset) {
  Status s = Run(R"({"a": 1, "b": })");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message(), HasSubstr("malformed JSON at offset 14"));
}

TEST_F(JsonNormalizerTest, TrailingContentAndEmptyInputAreErrors) {
  EXPECT_THAT(Run(R"({"a": 1} {"a": 2})").error().message(), HasSubstr("after the JSON document"));
  EXPECT_THAT(Run("   ").error().message(), HasSubstr("empty JSON input"));
}

TEST_F(JsonNormalizerTest, InvalidUtf8IsRejected) {
  std::string bad = "{\"a\": \"\xC3\x28\"}";
  Status s = Run(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("offset"));
}

TEST_F(JsonNormalizerTest, HostileNestingIsRefusedWithoutCrashing) {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  Status s = Run(deep);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message(), HasSubstr("deeper than 10000"));
  std::string deep_objects;
  for (int i = 0; i < 50000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(50000, '}');
  EXPECT_FALSE(Run(deep_objects).ok());
}

TEST_F(JsonNormalizerTest, DeepButAllowedNestingBecomesJson) {
  std::string deep;
  for (int i = 0; i < 2000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(2000, '}');
  ASSERT_TRUE(Run(deep).ok());
  auto types = ColumnTypes(working_, "items");
  ASSERT_FALSE(types.empty());
  EXPECT_THAT(types.front(), HasSubstr(":json"));
}

TEST_F(JsonNormalizerTest, OversizedValuesAreRefused) {
  options_.max_value_bytes = 1000;
  Status s = Run("{\"a\": \"" + std::string(2000, 'x') + "\"}");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(s.error().message(), HasSubstr("max_value_bytes"));
  options_.max_value_bytes = 64 * 1024 * 1024;
  EXPECT_TRUE(Run("{\"a\": \"" + std::string(5 * 1024 * 1024, 'x') + "\"}").ok());
}

TEST_F(JsonNormalizerTest, ParseErrorLeavesEarlierItemsAndTheNormalizerUsable) {
  auto normalizer = JsonNormalizer::Create(schema_, options_);
  ASSERT_TRUE(normalizer.ok());
  EXPECT_FALSE(normalizer->NormalizeLines("{\"a\": 1}\n{\"a\": \n", "items", batch_).ok());
  EXPECT_EQ(batch_.FindTable("items")->row_count(), 1u);
  EXPECT_TRUE(normalizer->Normalize("{\"a\": 2}", "items", batch_).ok());
  EXPECT_EQ(batch_.FindTable("items")->row_count(), 2u);
}

TEST_F(JsonNormalizerTest, SchemaUpdateListsOnlyWhatIsNew) {
  RunAndKeep(R"({"id": 1})", "t");
  ASSERT_TRUE(Run(R"({"id": 2, "more": "x", "kids": [1]})", "t").ok());
  ASSERT_EQ(update_.tables.size(), 2u);
  EXPECT_EQ(update_.tables[0].name(), "t");
  ASSERT_EQ(update_.tables[0].columns().size(), 1u);
  EXPECT_EQ(update_.tables[0].columns()[0].name, "more");
  EXPECT_EQ(update_.tables[1].name(), "t__kids");
  EXPECT_EQ(update_.tables[1].parent, "t");
  // Applying the update to the base schema gives the working schema.
  schema::Schema applied = schema_;
  ASSERT_TRUE(applied.ApplyUpdate(update_).ok());
  EXPECT_EQ(ColumnNames(applied, "t"), ColumnNames(working_, "t"));
  EXPECT_EQ(ColumnNames(applied, "t__kids"), ColumnNames(working_, "t__kids"));
}

}  // namespace
}  // namespace ingestd::normalize
