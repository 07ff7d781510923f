#include "core/schema/schema.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/schema/schema_json.hpp"

namespace ingestd::schema {
namespace {

ColumnSchema Column(std::string name, std::optional<DataType> type) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  return c;
}

// One partial table with the given columns, as a normalizer would report it.
SchemaUpdate Update(std::string_view table, std::vector<ColumnSchema> columns,
                    std::optional<std::string> parent = std::nullopt) {
  SchemaUpdate update;
  TableSchema& partial = update.PartialTable(table);
  partial.parent = std::move(parent);
  for (ColumnSchema& c : columns) partial.AddColumn(std::move(c));
  return update;
}

TEST(SchemaTest, CreateDefaultHasSystemTablesAndHints) {
  Schema s = Schema::CreateDefault("events");
  EXPECT_EQ(s.name(), "events");
  EXPECT_EQ(s.version(), 0);
  EXPECT_TRUE(s.version_hash().empty());
  ASSERT_NE(s.FindTable(kVersionTableName), nullptr);
  ASSERT_NE(s.FindTable(kLoadsTableName), nullptr);
  EXPECT_EQ(s.FindTable(kLoadsTableName)->FindColumn("load_id")->precision, 64);
  EXPECT_EQ(s.settings.detections, std::vector<std::string>{"iso_timestamp"});
  EXPECT_FALSE(s.settings.default_hints.empty());
}

TEST(SchemaTest, BumpVersionFollowsDlt) {
  Schema s = Schema::CreateDefault("events");
  // First bump: version 1, no previous hash.
  EXPECT_TRUE(s.BumpVersion());
  EXPECT_EQ(s.version(), 1);
  const std::string first = s.version_hash();
  EXPECT_EQ(first, ComputeVersionHash(s));
  EXPECT_TRUE(s.previous_hashes().empty());

  // Nothing changed: no bump.
  EXPECT_FALSE(s.BumpVersion());
  EXPECT_EQ(s.version(), 1);
  EXPECT_EQ(s.version_hash(), first);

  // A new column: version 2, the old hash goes first into previous_hashes.
  ASSERT_TRUE(s.ApplyUpdate(Update("users", {Column("id", DataType::kBigint)})).ok());
  EXPECT_TRUE(s.BumpVersion());
  EXPECT_EQ(s.version(), 2);
  EXPECT_NE(s.version_hash(), first);
  ASSERT_EQ(s.previous_hashes().size(), 1u);
  EXPECT_EQ(s.previous_hashes()[0], first);

  // The bumped state survives a round trip through the stored format.
  Result<Schema> reloaded = SchemaFromJson(SchemaToJson(s));
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().ToString();
  EXPECT_EQ(*reloaded, s);
  EXPECT_FALSE(reloaded->BumpVersion());
}

TEST(SchemaTest, PreviousHashesKeepTenNewestFirst) {
  Schema s = Schema::CreateDefault("events");
  s.BumpVersion();
  std::vector<std::string> seen;
  for (int i = 0; i < 12; ++i) {
    seen.push_back(s.version_hash());
    ASSERT_TRUE(s.ApplyUpdate(Update("t", {Column("c" + std::to_string(i), DataType::kText)})).ok());
    ASSERT_TRUE(s.BumpVersion());
  }
  EXPECT_EQ(s.version(), 13);
  ASSERT_EQ(s.previous_hashes().size(), 10u);
  EXPECT_EQ(s.previous_hashes().front(), seen.back());
  EXPECT_EQ(s.previous_hashes().back(), seen[2]);
}

TEST(SchemaTest, ColumnOrderChangesTheHash) {
  Schema a = Schema::CreateDefault("events");
  ASSERT_TRUE(a.ApplyUpdate(Update("t", {Column("x", DataType::kText), Column("y", DataType::kText)})).ok());
  Schema b = Schema::CreateDefault("events");
  ASSERT_TRUE(b.ApplyUpdate(Update("t", {Column("y", DataType::kText), Column("x", DataType::kText)})).ok());
  EXPECT_NE(ComputeVersionHash(a), ComputeVersionHash(b));
}

TEST(SchemaTest, ApplyUpdateAddsTablesWithDltDefaults) {
  Schema s = Schema::CreateDefault("events");
  ASSERT_TRUE(s.ApplyUpdate(Update("users", {Column("id", DataType::kBigint)})).ok());
  ASSERT_TRUE(s.ApplyUpdate(Update("users__emails", {Column("value", DataType::kText)}, "users")).ok());
  const TableSchema* users = s.FindTable("users");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->write_disposition, WriteDisposition::kAppend);
  EXPECT_EQ(users->resource, "users");
  const TableSchema* emails = s.FindTable("users__emails");
  ASSERT_NE(emails, nullptr);
  EXPECT_EQ(emails->parent, "users");
  EXPECT_FALSE(emails->write_disposition.has_value());
  EXPECT_FALSE(emails->resource.has_value());

  // Hints set on the partial table win over the defaults.
  SchemaUpdate hinted = Update("orders", {});
  hinted.tables[0].write_disposition = WriteDisposition::kMerge;
  hinted.tables[0].resource = "order_feed";
  ASSERT_TRUE(s.ApplyUpdate(hinted).ok());
  EXPECT_EQ(s.FindTable("orders")->write_disposition, WriteDisposition::kMerge);
  EXPECT_EQ(s.FindTable("orders")->resource, "order_feed");
}

TEST(SchemaTest, ApplyUpdateCompletesColumnsAndMergesHints) {
  Schema s = Schema::CreateDefault("events");
  ColumnSchema key = Column("id", std::nullopt);  // declared before data arrived
  key.SetHint(ColumnHint::kPrimaryKey, true);
  key.extra = {{"x-note", R"("a")"}};
  ASSERT_TRUE(s.ApplyUpdate(Update("users", {key})).ok());
  EXPECT_FALSE(s.FindTable("users")->column(0).IsComplete());
  EXPECT_FALSE(s.FindTable("users")->HasCompleteColumns());

  ColumnSchema typed = Column("id", DataType::kBigint);
  typed.nullable = false;
  typed.extra = {{"x-note", R"("b")"}};
  ASSERT_TRUE(s.ApplyUpdate(Update("users", {typed, Column("name", DataType::kText)})).ok());
  const TableSchema* users = s.FindTable("users");
  ASSERT_EQ(users->columns().size(), 2u);
  const ColumnSchema& id = users->column(0);
  EXPECT_EQ(id.data_type, DataType::kBigint);
  EXPECT_FALSE(id.IsNullable());
  EXPECT_TRUE(id.HasHint(ColumnHint::kPrimaryKey));
  // An extra property is replaced, not repeated (a repeated key is invalid in the stored schema).
  ASSERT_EQ(id.extra.size(), 1u);
  EXPECT_EQ(id.extra[0].second, R"("b")");
}

TEST(SchemaTest, ApplyUpdateRefusesTypeChangeAndLeavesSchemaUnchanged) {
  Schema s = Schema::CreateDefault("events");
  ASSERT_TRUE(s.ApplyUpdate(Update("users", {Column("id", DataType::kBigint)})).ok());
  s.BumpVersion();
  const Schema before = s;

  // The conflict comes after a valid new table: nothing of the update applies.
  SchemaUpdate update = Update("accounts", {Column("id", DataType::kText)});
  update.PartialTable("users").AddColumn(Column("email", DataType::kText));
  update.PartialTable("users").AddColumn(Column("id", DataType::kText));
  Status status = s.ApplyUpdate(update);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(status.error().message().find("users"), std::string::npos) << status.error().message();
  EXPECT_NE(status.error().message().find("bigint"), std::string::npos);
  EXPECT_EQ(s, before);
  EXPECT_EQ(s.FindTable("accounts"), nullptr);
  EXPECT_FALSE(s.BumpVersion());

  // The same type again is fine.
  EXPECT_TRUE(s.ApplyUpdate(Update("users", {Column("id", DataType::kBigint)})).ok());
}

TEST(SchemaTest, ApplyUpdateRefusesParentChange) {
  Schema s = Schema::CreateDefault("events");
  ASSERT_TRUE(s.ApplyUpdate(Update("a", {Column("id", DataType::kBigint)})).ok());
  ASSERT_TRUE(s.ApplyUpdate(Update("b", {Column("id", DataType::kBigint)})).ok());
  ASSERT_TRUE(s.ApplyUpdate(Update("a__x", {Column("v", DataType::kText)}, "a")).ok());
  const Schema before = s;
  Status status = s.ApplyUpdate(Update("a__x", {Column("w", DataType::kText)}, "b"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s, before);
  // A root table cannot become nested either.
  EXPECT_FALSE(s.ApplyUpdate(Update("b", {}, "a")).ok());
}

class SchemaContractResolutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(s_.ApplyUpdate(Update("root", {Column("id", DataType::kBigint)})).ok());
    ASSERT_TRUE(s_.ApplyUpdate(Update("root__child", {Column("v", DataType::kText)}, "root")).ok());
    ASSERT_TRUE(s_.ApplyUpdate(Update("root__child__leaf", {Column("v", DataType::kText)}, "root__child")).ok());
  }
  Schema s_ = Schema::CreateDefault("events");
};

TEST_F(SchemaContractResolutionTest, DefaultsToEvolve) {
  EXPECT_TRUE(s_.ResolveContract("root__child__leaf").AllEvolve());
  EXPECT_TRUE(s_.ResolveContract("unknown_table").AllEvolve());
}

TEST_F(SchemaContractResolutionTest, FallsBackFromTableToParentsToSettings) {
  s_.settings.schema_contract = SchemaContract::All(ContractMode::kFreeze);
  EXPECT_EQ(s_.ResolveContract("root__child__leaf").columns, ContractMode::kFreeze);
  EXPECT_EQ(s_.ResolveContract("unknown_table").tables, ContractMode::kFreeze);

  s_.FindTable("root")->schema_contract = SchemaContract::All(ContractMode::kDiscardValue);
  EXPECT_EQ(s_.ResolveContract("root__child__leaf").data_type, ContractMode::kDiscardValue);
  EXPECT_EQ(s_.ResolveContract("root__child").tables, ContractMode::kDiscardValue);

  s_.FindTable("root__child")->schema_contract = SchemaContract::All(ContractMode::kDiscardRow);
  EXPECT_EQ(s_.ResolveContract("root__child__leaf").columns, ContractMode::kDiscardRow);
  EXPECT_EQ(s_.ResolveContract("root").columns, ContractMode::kDiscardValue);
}

TEST_F(SchemaContractResolutionTest, FirstContractFoundIsUsedWhole) {
  // dlt: "table setting always prevails"; its unset entities are evolve and do
  // not come from the parent or the settings.
  s_.settings.schema_contract = SchemaContract::All(ContractMode::kFreeze);
  s_.FindTable("root")->schema_contract = SchemaContract{ContractMode::kEvolve, ContractMode::kDiscardValue, std::nullopt};
  ResolvedContract leaf = s_.ResolveContract("root__child__leaf");
  EXPECT_EQ(leaf.tables, ContractMode::kEvolve);
  EXPECT_EQ(leaf.columns, ContractMode::kDiscardValue);
  EXPECT_EQ(leaf.data_type, ContractMode::kEvolve);

  // An empty contract ({} as dlt writes it) is found too and means evolve.
  s_.FindTable("root__child")->schema_contract = SchemaContract{};
  EXPECT_TRUE(s_.ResolveContract("root__child__leaf").AllEvolve());
}

TEST_F(SchemaContractResolutionTest, SystemTablesAlwaysEvolve) {
  s_.settings.schema_contract = SchemaContract::All(ContractMode::kFreeze);
  EXPECT_TRUE(s_.ResolveContract(kLoadsTableName).AllEvolve());
  EXPECT_TRUE(s_.ResolveContract(kPipelineStateTableName).AllEvolve());
}

TEST(SchemaTest, WriteDispositionAndMergeStrategyInherit) {
  Schema s = Schema::CreateDefault("events");
  SchemaUpdate update = Update("orders", {Column("id", DataType::kBigint)});
  update.tables[0].write_disposition = WriteDisposition::kMerge;
  ASSERT_TRUE(s.ApplyUpdate(update).ok());
  ASSERT_TRUE(s.ApplyUpdate(Update("orders__lines", {Column("sku", DataType::kText)}, "orders")).ok());
  ASSERT_TRUE(s.ApplyUpdate(Update("orders__lines__tax", {Column("rate", DataType::kDouble)}, "orders__lines")).ok());

  EXPECT_EQ(s.ResolveWriteDisposition("orders__lines__tax"), WriteDisposition::kMerge);
  EXPECT_EQ(s.ResolveMergeStrategy("orders__lines__tax"), MergeStrategy::kDeleteInsert);  // dlt's default
  s.FindTable("orders")->merge_strategy = MergeStrategy::kUpsert;
  EXPECT_EQ(s.ResolveMergeStrategy("orders__lines__tax"), MergeStrategy::kUpsert);
  EXPECT_EQ(s.RootTableOf("orders__lines__tax")->name(), "orders");

  // A nested table's own hint wins over its parent's.
  s.FindTable("orders__lines")->write_disposition = WriteDisposition::kReplace;
  EXPECT_EQ(s.ResolveWriteDisposition("orders__lines__tax"), WriteDisposition::kReplace);
  EXPECT_EQ(s.ResolveMergeStrategy("orders__lines__tax"), std::nullopt);  // not merge any more
  EXPECT_EQ(s.ResolveWriteDisposition("orders"), WriteDisposition::kMerge);

  EXPECT_EQ(s.ResolveWriteDisposition(kLoadsTableName), WriteDisposition::kSkip);
  EXPECT_EQ(s.ResolveWriteDisposition("unknown"), WriteDisposition::kAppend);
  EXPECT_EQ(s.ResolveMergeStrategy("unknown"), std::nullopt);
}

}  // namespace
}  // namespace ingestd::schema
