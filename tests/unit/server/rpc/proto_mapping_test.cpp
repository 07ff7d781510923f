#include "server/rpc/proto_mapping.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/schema/schema_json.hpp"

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;
using schema::ColumnHint;
using schema::ColumnSchema;
using schema::ContractMode;
using schema::DataType;
using ::testing::ElementsAre;
using ::testing::StartsWith;

ColumnSchema Column(std::string name, std::optional<DataType> type, std::optional<bool> nullable = {}) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  c.nullable = nullable;
  return c;
}

// A `_dlt_*` table before user tables, a nested table, a variant column.
schema::Schema ShopSchema() {
  schema::Schema s = schema::Schema::CreateDefault("shop");
  schema::TableSchema orders{"orders"};
  orders.write_disposition = schema::WriteDisposition::kMerge;
  orders.merge_strategy = schema::MergeStrategy::kUpsert;
  orders.resource = "orders_resource";
  orders.schema_contract = schema::SchemaContract{ContractMode::kFreeze, std::nullopt, ContractMode::kDiscardRow};
  ColumnSchema id = Column("id", DataType::kBigint, false);
  id.SetHint(ColumnHint::kPrimaryKey, true);
  id.SetHint(ColumnHint::kMergeKey, true);
  orders.AddColumn(id);
  ColumnSchema total = Column("total", DataType::kDecimal);
  total.precision = 10;
  total.scale = 2;
  orders.AddColumn(total);
  ColumnSchema variant = Column("total__v_text", DataType::kText);
  variant.variant = true;
  orders.AddColumn(variant);
  ColumnSchema hinted = Column("sku", std::nullopt);
  hinted.SetHint(ColumnHint::kUnique, true);
  orders.AddColumn(hinted);
  ColumnSchema row_key = Column("_dlt_id", DataType::kText, false);
  row_key.SetHint(ColumnHint::kRowKey, true);
  row_key.SetHint(ColumnHint::kUnique, true);
  orders.AddColumn(row_key);
  s.AddTable(orders);

  schema::TableSchema items{"orders__items"};
  items.parent = "orders";
  ColumnSchema parent = Column("_dlt_parent_id", DataType::kText, false);
  parent.SetHint(ColumnHint::kParentKey, true);
  items.AddColumn(parent);
  ColumnSchema root = Column("_dlt_root_id", DataType::kText, false);
  root.SetHint(ColumnHint::kRootKey, true);
  items.AddColumn(root);
  ColumnSchema at = Column("at", DataType::kTimestamp);
  at.SetHint(ColumnHint::kPartition, true);
  at.SetHint(ColumnHint::kSort, true);
  items.AddColumn(at);
  s.AddTable(items);
  return s;
}

TEST(SchemaToProtoTest, UserTablesFirstThenDltTables) {
  schema::Schema s = ShopSchema();
  catalog::SchemaVersionRecord record;
  record.pipeline = "shop";
  record.version = 3;
  record.version_hash = "abc=";
  record.schema_json = schema::SchemaToJson(s);
  record.created_at = 1700000000;

  v1::Schema out = SchemaToProto(s, record);
  EXPECT_EQ(out.name(), "shop");
  EXPECT_EQ(out.version(), 3);
  EXPECT_EQ(out.version_hash(), "abc=");
  EXPECT_EQ(out.engine_version(), 11u);
  EXPECT_EQ(out.schema_json(), record.schema_json);
  EXPECT_EQ(out.created_at().seconds(), 1700000000);
  std::vector<std::string> names;
  for (const v1::Table& t : out.tables()) names.push_back(t.name());
  EXPECT_THAT(names, ElementsAre("orders", "orders__items", "_dlt_version", "_dlt_loads"));
}

TEST(SchemaToProtoTest, TablesUseDltNamesAndInheritDisposition) {
  schema::Schema s = ShopSchema();
  v1::Table orders = TableToProto(s, *s.FindTable("orders"));
  EXPECT_EQ(orders.parent(), "");
  EXPECT_EQ(orders.write_disposition(), "merge");
  EXPECT_EQ(orders.merge_strategy(), "upsert");
  EXPECT_EQ(orders.resource(), "orders_resource");
  EXPECT_EQ(orders.schema_contract().tables(), "freeze");
  EXPECT_EQ(orders.schema_contract().columns(), "");
  EXPECT_EQ(orders.schema_contract().data_type(), "discard_row");

  v1::Table items = TableToProto(s, *s.FindTable("orders__items"));
  EXPECT_EQ(items.parent(), "orders");
  EXPECT_EQ(items.write_disposition(), "merge");
  EXPECT_EQ(items.merge_strategy(), "upsert");
  EXPECT_EQ(items.resource(), "");

  v1::Table loads = TableToProto(s, *s.FindTable("_dlt_loads"));
  EXPECT_EQ(loads.write_disposition(), "skip");
  EXPECT_EQ(loads.merge_strategy(), "");
}

TEST(SchemaToProtoTest, ColumnsCarryTypesAndHints) {
  schema::Schema s = ShopSchema();
  v1::Table orders = TableToProto(s, *s.FindTable("orders"));
  ASSERT_EQ(orders.columns_size(), 5);
  const v1::Column& id = orders.columns(0);
  EXPECT_EQ(id.data_type(), "bigint");
  EXPECT_FALSE(id.nullable());
  EXPECT_TRUE(id.primary_key());
  EXPECT_TRUE(id.merge_key());
  EXPECT_FALSE(id.unique());
  const v1::Column& total = orders.columns(1);
  EXPECT_EQ(total.data_type(), "decimal");
  EXPECT_TRUE(total.nullable());
  EXPECT_EQ(total.precision(), 10);
  EXPECT_EQ(total.scale(), 2);
  EXPECT_EQ(total.variant_of(), "");
  EXPECT_EQ(orders.columns(2).variant_of(), "total");
  EXPECT_EQ(orders.columns(2).data_type(), "text");
  EXPECT_EQ(orders.columns(3).data_type(), "") << "incomplete column";
  EXPECT_TRUE(orders.columns(3).unique());
  EXPECT_TRUE(orders.columns(4).row_key());

  v1::Table items = TableToProto(s, *s.FindTable("orders__items"));
  EXPECT_TRUE(items.columns(0).parent_key());
  EXPECT_TRUE(items.columns(1).root_key());
  EXPECT_EQ(items.columns(2).data_type(), "timestamp");
  EXPECT_TRUE(items.columns(2).partition());
  EXPECT_TRUE(items.columns(2).sort());
}

TEST(SchemaToProtoTest, SchemaChangesMapKinds) {
  schema::SchemaChange change{schema::SchemaChange::Kind::kColumnChanged, "orders", "id", "bigint, nullable",
                              "double, nullable"};
  v1::SchemaChange out = SchemaChangeToProto(change);
  EXPECT_EQ(out.kind(), v1::SchemaChange::COLUMN_CHANGED);
  EXPECT_EQ(out.table(), "orders");
  EXPECT_EQ(out.column(), "id");
  EXPECT_EQ(out.before(), "bigint, nullable");
  EXPECT_EQ(out.after(), "double, nullable");
  change.kind = schema::SchemaChange::Kind::kTableRemoved;
  EXPECT_EQ(SchemaChangeToProto(change).kind(), v1::SchemaChange::TABLE_REMOVED);
}

TEST(ContractProtoTest, RoundTripAndErrorsNameTheField) {
  schema::SchemaContract c{ContractMode::kEvolve, ContractMode::kDiscardValue, std::nullopt};
  v1::SchemaContract proto = ContractToProto(c);
  EXPECT_EQ(proto.tables(), "evolve");
  EXPECT_EQ(proto.columns(), "discard_value");
  EXPECT_EQ(proto.data_type(), "");
  Result<schema::SchemaContract> back = ContractFromProto(proto, "contract");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);

  proto.set_data_type("melt");
  Result<schema::SchemaContract> bad = ContractFromProto(proto, "contract");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(bad.error().message(),
              StartsWith(R"(contract.data_type: unknown mode "melt"; expected one of "evolve", "freeze", )"
                         R"("discard_row", "discard_value")"));
}

TEST(PipelineToProtoTest, FillsFromRecordAndFacts) {
  pipeline::PipelineSpec spec;
  spec.name = "shop";
  spec.dataset_name = "shop_data";
  spec.destination.kind = pipeline::DestinationKind::kPostgres;
  pipeline::ResourceSpec a;
  a.name = "orders";
  pipeline::ResourceSpec b;
  b.name = "events";
  spec.resources = {a, b};

  catalog::PipelineRecord record;
  record.name = "shop";
  record.spec_json = "{}";
  record.version = 4;
  record.created_at = 100;
  record.updated_at = 200.5;

  PipelineFacts facts;
  facts.spec = &spec;
  facts.schedule = "every 300 s";
  facts.next_run_at = 500;
  catalog::RunRecord run;
  run.run_id = "run-00000000000000aa";
  run.summary_json = R"({"rows_loaded": "5"})";
  facts.last_run = run;
  facts.last_success_at = 300;

  v1::Pipeline out = PipelineToProto(record, facts, true);
  EXPECT_EQ(out.name(), "shop");
  EXPECT_EQ(out.version(), 4);
  EXPECT_EQ(out.spec_json(), "{}");
  EXPECT_EQ(out.destination(), "postgres");
  EXPECT_EQ(out.dataset_name(), "shop_data");
  EXPECT_THAT(out.resources(), ElementsAre("orders", "events"));
  EXPECT_FALSE(out.paused());
  EXPECT_EQ(out.schedule(), "every 300 s");
  EXPECT_EQ(out.next_run_at().seconds(), 500);
  EXPECT_EQ(out.created_at().seconds(), 100);
  EXPECT_EQ(out.updated_at().nanos(), 500000000);
  EXPECT_EQ(out.last_run().run_id(), "run-00000000000000aa");
  EXPECT_FALSE(out.last_run().has_summary()) << "last_run comes without its summary";
  EXPECT_EQ(out.last_success_at().seconds(), 300);

  record.paused = true;
  facts.spec = nullptr;
  v1::Pipeline listed = PipelineToProto(record, facts, false);
  EXPECT_EQ(listed.spec_json(), "");
  EXPECT_TRUE(listed.paused());
  EXPECT_FALSE(listed.has_next_run_at()) << "no next run while paused";
  EXPECT_EQ(listed.destination(), "");
}

TEST(StateToProtoTest, NoStateBeforeTheFirstRun) {
  v1::GetStateResponse none = StateToProto("shop", nullptr);
  EXPECT_EQ(none.pipeline(), "shop");
  EXPECT_EQ(none.version(), 0);
  EXPECT_EQ(none.state_json(), "");

  state::PipelineState st = state::PipelineState::New("shop", "shop_dataset", "shop", "sqlite");
  ASSERT_TRUE(st.SetResourceValue("shop", "orders", "incremental", R"({"last_value": 5})").ok());
  st.BumpVersion();
  v1::GetStateResponse out = StateToProto("shop", &st);
  EXPECT_EQ(out.version(), st.version());
  EXPECT_EQ(out.version_hash(), st.version_hash());
  EXPECT_EQ(out.state_json(), st.ToJson());
  ASSERT_EQ(out.resources_size(), 1);
  EXPECT_EQ(out.resources(0).source(), "shop");
  EXPECT_EQ(out.resources(0).resource(), "orders");
  EXPECT_EQ(out.resources(0).state_json(), R"({"incremental":{"last_value":5}})");
}

}  // namespace
}  // namespace ingestd::rpc

namespace ingestd::rpc {
namespace {

TEST(ContractResponseTest, PerRootTableSpecOverrideAndEffective) {
  pipeline::PipelineSpec spec;
  spec.name = "shop";
  pipeline::ResourceSpec orders;
  orders.name = "orders";
  orders.table_name = "orders";
  orders.schema_contract = schema::SchemaContract{ContractMode::kFreeze, ContractMode::kFreeze, std::nullopt};
  pipeline::ResourceSpec events;
  events.name = "events";
  events.table_name = "raw_events";
  pipeline::ResourceSpec more_orders = orders;  // a second resource into the same table
  more_orders.name = "orders_backfill";
  spec.resources = {orders, events, more_orders};

  pipeline::ContractOverrides overrides;
  overrides.pipeline = schema::SchemaContract{std::nullopt, ContractMode::kEvolve, std::nullopt};
  overrides.tables["raw_events"] = schema::SchemaContract{ContractMode::kDiscardRow, std::nullopt, std::nullopt};

  catalog::ContractChange change;
  change.pipeline = "shop";
  change.table = "raw_events";
  change.contract_json = R"({"tables": "discard_row"})";
  change.changed_by = "ops";
  change.changed_at = 1700000000;
  catalog::ContractChange cleared = change;
  cleared.table = "";
  cleared.contract_json = "";

  Result<v1::GetContractResponse> out = ContractResponse(spec, overrides, {change, cleared});
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->pipeline(), "shop");
  EXPECT_EQ(out->pipeline_override().columns(), "evolve");
  ASSERT_EQ(out->tables_size(), 2);

  const v1::TableContract& o = out->tables(0);
  EXPECT_EQ(o.table(), "orders");
  EXPECT_EQ(o.from_spec().tables(), "freeze");
  EXPECT_EQ(o.from_spec().columns(), "freeze");
  EXPECT_EQ(o.override().columns(), "evolve");
  EXPECT_EQ(o.override().tables(), "");
  EXPECT_EQ(o.effective().tables(), "freeze");
  EXPECT_EQ(o.effective().columns(), "evolve");
  EXPECT_EQ(o.effective().data_type(), "");

  const v1::TableContract& e = out->tables(1);
  EXPECT_EQ(e.table(), "raw_events");
  EXPECT_FALSE(e.has_from_spec());
  EXPECT_EQ(e.override().tables(), "discard_row");
  EXPECT_EQ(e.override().columns(), "evolve");
  EXPECT_EQ(e.effective().tables(), "discard_row");
  EXPECT_EQ(e.effective().columns(), "evolve");

  ASSERT_EQ(out->history_size(), 2);
  EXPECT_EQ(out->history(0).table(), "raw_events");
  EXPECT_EQ(out->history(0).contract().tables(), "discard_row");
  EXPECT_EQ(out->history(0).changed_by(), "ops");
  EXPECT_EQ(out->history(0).changed_at().seconds(), 1700000000);
  EXPECT_FALSE(out->history(1).has_contract()) << "a cleared override has no contract";
}

}  // namespace
}  // namespace ingestd::rpc
