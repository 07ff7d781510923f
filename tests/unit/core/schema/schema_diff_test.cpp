#include "core/schema/schema_diff.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/schema/schema.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::schema {

// Readable failures: "column_changed orders.id: bigint, nullable -> double, nullable".
void PrintTo(const SchemaChange& c, std::ostream* os) {
  *os << SchemaChangeKindName(c.kind) << " " << c.table << (c.column.empty() ? "" : ".") << c.column << ": " << c.before
      << " -> " << c.after;
}

// Test-only (internal linkage): SchemaChange has no operator== of its own.
static bool operator==(const SchemaChange& a, const SchemaChange& b) {
  return a.kind == b.kind && a.table == b.table && a.column == b.column && a.before == b.before && a.after == b.after;
}

namespace {

using Kind = SchemaChange::Kind;

SchemaChange Expect(Kind kind, std::string table, std::string column, std::string before, std::string after) {
  return SchemaChange{kind, std::move(table), std::move(column), std::move(before), std::move(after)};
}

ColumnSchema Col(std::string name, std::optional<DataType> type, std::optional<bool> nullable = {}) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  c.nullable = nullable;
  return c;
}

// orders(id bigint not null pk, total double) and orders__items(sku text)
// under it, merge/upsert, on a fresh default schema.
Schema Shop() {
  Schema s = Schema::CreateDefault("shop");
  TableSchema orders("orders");
  orders.write_disposition = WriteDisposition::kMerge;
  orders.merge_strategy = MergeStrategy::kUpsert;
  ColumnSchema id = Col("id", DataType::kBigint, false);
  id.SetHint(ColumnHint::kPrimaryKey, true);
  orders.AddColumn(id);
  orders.AddColumn(Col("total", DataType::kDouble));
  s.AddTable(std::move(orders));
  TableSchema items("orders__items");
  items.parent = "orders";
  items.AddColumn(Col("sku", DataType::kText));
  s.AddTable(std::move(items));
  return s;
}

TEST(SchemaDiff, KindNames) {
  EXPECT_EQ(SchemaChangeKindName(Kind::kTableAdded), "table_added");
  EXPECT_EQ(SchemaChangeKindName(Kind::kTableRemoved), "table_removed");
  EXPECT_EQ(SchemaChangeKindName(Kind::kColumnAdded), "column_added");
  EXPECT_EQ(SchemaChangeKindName(Kind::kColumnRemoved), "column_removed");
  EXPECT_EQ(SchemaChangeKindName(Kind::kColumnChanged), "column_changed");
  EXPECT_EQ(SchemaChangeKindName(Kind::kTableChanged), "table_changed");
}

TEST(SchemaDiff, SameContentIsEmpty) {
  EXPECT_TRUE(DiffSchemas(Shop(), Shop()).empty());
  // Versions, descriptions and bookkeeping are not schema changes.
  Schema bumped = Shop();
  bumped.BumpVersion();
  bumped.FindTable("orders")->seen_data = true;
  bumped.FindTable("orders")->description = "orders";
  EXPECT_TRUE(DiffSchemas(Shop(), bumped).empty());
  // Neither is spelling out a default.
  Schema explicit_defaults = Shop();
  explicit_defaults.FindTable("orders")->FindColumn("total")->nullable = true;
  explicit_defaults.FindTable("orders")->FindColumn("total")->SetHint(ColumnHint::kUnique, false);
  EXPECT_TRUE(DiffSchemas(Shop(), explicit_defaults).empty());
}

TEST(SchemaDiff, AddedAndRemovedTablesAndColumns) {
  Schema from = Shop();
  Schema to = Schema::CreateDefault("shop");
  TableSchema customers("customers");
  customers.AddColumn(Col("name", DataType::kText));
  to.AddTable(std::move(customers));
  TableSchema orders("orders");  // the same, without "total", with "placed_at"
  orders.write_disposition = WriteDisposition::kMerge;
  orders.merge_strategy = MergeStrategy::kUpsert;
  ColumnSchema id = Col("id", DataType::kBigint, false);
  id.SetHint(ColumnHint::kPrimaryKey, true);
  orders.AddColumn(id);
  ColumnSchema placed = Col("placed_at", DataType::kTimestamp);
  placed.timezone = false;
  orders.AddColumn(placed);
  to.AddTable(std::move(orders));

  EXPECT_EQ(DiffSchemas(from, to),
            (std::vector<SchemaChange>{
                Expect(Kind::kTableAdded, "customers", "", "", "append, 1 column"),
                Expect(Kind::kColumnAdded, "orders", "placed_at", "", "timestamp without time zone, nullable"),
                Expect(Kind::kColumnRemoved, "orders", "total", "double, nullable", ""),
                Expect(Kind::kTableRemoved, "orders__items", "", "nested in orders, 1 column", ""),
            }));
  // And back: the same changes mirrored, in the other schema's order.
  EXPECT_EQ(DiffSchemas(to, from),
            (std::vector<SchemaChange>{
                Expect(Kind::kColumnAdded, "orders", "total", "", "double, nullable"),
                Expect(Kind::kColumnRemoved, "orders", "placed_at", "timestamp without time zone, nullable", ""),
                Expect(Kind::kTableAdded, "orders__items", "", "", "nested in orders, 1 column"),
                Expect(Kind::kTableRemoved, "customers", "", "append, 1 column", ""),
            }));
}

TEST(SchemaDiff, ColumnChanges) {
  Schema to = Shop();
  TableSchema& orders = *to.FindTable("orders");
  orders.FindColumn("id")->data_type = DataType::kDecimal;
  orders.FindColumn("id")->precision = 20;
  orders.FindColumn("id")->scale = 0;
  ColumnSchema& total = *orders.FindColumn("total");
  total.nullable = false;
  total.SetHint(ColumnHint::kPartition, true);
  total.dedup_sort = "desc";
  ColumnSchema& sku = *to.FindTable("orders__items")->FindColumn("sku");
  sku.data_type.reset();  // incomplete
  sku.SetHint(ColumnHint::kMergeKey, true);

  EXPECT_EQ(
      DiffSchemas(Shop(), to),
      (std::vector<SchemaChange>{
          Expect(Kind::kColumnChanged, "orders", "id", "bigint, not null, primary_key",
                 "decimal(20,0), not null, primary_key"),
          Expect(Kind::kColumnChanged, "orders", "total", "double, nullable",
                 "double, not null, partition, dedup_sort desc"),
          Expect(Kind::kColumnChanged, "orders__items", "sku", "text, nullable", "no data type, nullable, merge_key"),
      }));
}

TEST(SchemaDiff, TableChanges) {
  Schema to = Shop();
  TableSchema& orders = *to.FindTable("orders");
  orders.merge_strategy = MergeStrategy::kScd2;
  orders.schema_contract = SchemaContract::All(ContractMode::kFreeze);
  TableSchema& items = *to.FindTable("orders__items");
  items.schema_contract = SchemaContract{std::nullopt, ContractMode::kDiscardRow, ContractMode::kEvolve};

  EXPECT_EQ(DiffSchemas(Shop(), to),
            (std::vector<SchemaChange>{
                Expect(Kind::kTableChanged, "orders", "", "merge (upsert)", "merge (scd2), contract freeze"),
                Expect(Kind::kTableChanged, "orders__items", "", "nested in orders",
                       "nested in orders, contract columns=discard_row data_type=evolve"),
            }));

  // Disposition; an unset merge strategy is delete-insert.
  Schema append = Shop();
  append.FindTable("orders")->write_disposition = WriteDisposition::kReplace;
  append.FindTable("orders")->merge_strategy.reset();
  Schema merge = append;
  merge.FindTable("orders")->write_disposition = WriteDisposition::kMerge;
  EXPECT_EQ(DiffSchemas(append, merge),
            std::vector<SchemaChange>{Expect(Kind::kTableChanged, "orders", "", "replace", "merge (delete-insert)")});
  Schema explicit_strategy = merge;
  explicit_strategy.FindTable("orders")->merge_strategy = MergeStrategy::kDeleteInsert;
  EXPECT_TRUE(DiffSchemas(merge, explicit_strategy).empty());
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(INGESTD_SOURCE_DIR) + "/tests/data/schemas/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SchemaDiff, StoredSchemaAgainstAFreshOne) {
  // A schema as dlt stores it, against the fresh schema it grew from.
  auto stored = SchemaFromJson(ReadFixture("retail.schema.json"));
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  EXPECT_EQ(DiffSchemas(Schema::CreateDefault("retail"), *stored),
            (std::vector<SchemaChange>{
                Expect(Kind::kTableAdded, "stores", "", "", "replace, 5 columns"),
                Expect(Kind::kTableAdded, "sales", "", "",
                       "merge (upsert), contract columns=freeze data_type=discard_row, 10 columns"),
                Expect(Kind::kTableAdded, "sales__items", "", "", "nested in sales, 6 columns"),
                Expect(Kind::kTableAdded, "returns", "", "", "append, 1 column"),
            }));
  // Writing and reading it back changes nothing.
  auto reread = SchemaFromJson(SchemaToJson(*stored));
  ASSERT_TRUE(reread.ok()) << reread.error().ToString();
  EXPECT_TRUE(DiffSchemas(*stored, *reread).empty());

  // The next version: a widened type, a dropped hint, a new column.
  Schema next = *reread;
  TableSchema& sales = *next.FindTable("sales");
  sales.FindColumn("amount")->data_type = DataType::kDouble;
  sales.FindColumn("amount")->precision.reset();
  sales.FindColumn("amount")->scale.reset();
  sales.FindColumn("sold_at")->SetHint(ColumnHint::kSort, false);
  sales.AddColumn(Col("channel", DataType::kText));
  EXPECT_EQ(DiffSchemas(*stored, next),
            (std::vector<SchemaChange>{
                Expect(Kind::kColumnChanged, "sales", "amount", "decimal(12,2), nullable", "double, nullable"),
                Expect(Kind::kColumnChanged, "sales", "sold_at", "timestamp, not null, sort, dedup_sort desc",
                       "timestamp, not null, dedup_sort desc"),
                Expect(Kind::kColumnAdded, "sales", "channel", "", "text, nullable"),
            }));
}

}  // namespace
}  // namespace ingestd::schema
