#include "core/schema/schema_diff.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "core/schema/column_schema.hpp"
#include "core/schema/data_type.hpp"
#include "core/schema/schema_contract.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::schema {
namespace {

// A change is reported exactly when the descriptions differ, so what the
// descriptions mention is what the diff compares. Left out on purpose:
// descriptions (free text), extra keys (x-*, dlt internals) and bookkeeping
// such as seen_data, which change without the user changing anything.

std::string JoinParts(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

// "bigint, nullable", "decimal(10,2), not null, primary_key", "timestamp
// without time zone, nullable", "no data type, nullable, merge_key".
std::string DescribeColumn(const ColumnSchema& c) {
  std::vector<std::string> parts;
  std::string type = c.data_type ? std::string(DataTypeName(*c.data_type)) : std::string("no data type");
  if (c.precision && c.scale) {
    type += "(" + std::to_string(*c.precision) + "," + std::to_string(*c.scale) + ")";
  } else if (c.precision) {
    type += "(" + std::to_string(*c.precision) + ")";
  }
  if (c.timezone == false) type += " without time zone";
  parts.push_back(std::move(type));
  if (c.scale && !c.precision) parts.push_back("scale " + std::to_string(*c.scale));
  parts.emplace_back(c.IsNullable() ? "nullable" : "not null");
  if (c.IsVariant()) parts.emplace_back("variant");
  for (int i = 0; i < kColumnHintCount; ++i) {
    const auto hint = static_cast<ColumnHint>(i);
    if (c.HasHint(hint)) parts.emplace_back(ColumnHintName(hint));
  }
  if (c.dedup_sort) parts.push_back("dedup_sort " + *c.dedup_sort);
  return JoinParts(parts);
}

// "contract freeze" (all three alike) or "contract tables=freeze
// columns=evolve" (the entities that are set).
std::string DescribeContract(const SchemaContract& contract) {
  if (contract.tables && contract.tables == contract.columns && contract.tables == contract.data_type) {
    return "contract " + std::string(ContractModeName(*contract.tables));
  }
  // Set but empty: the table's own contract, all evolve (it does not fall
  // through to a parent's or the schema's).
  if (contract.empty()) return "contract evolve";
  std::string out = "contract";
  for (ContractEntity entity : {ContractEntity::kTables, ContractEntity::kColumns, ContractEntity::kDataType}) {
    if (auto mode = contract.Get(entity)) {
      out += " " + std::string(ContractEntityName(entity)) + "=" + std::string(ContractModeName(*mode));
    }
  }
  return out;
}

// The table-level hints: "merge (upsert), contract freeze" for a root
// table, "nested in orders" for a nested one (which inherits its root's
// disposition unless it sets its own).
std::vector<std::string> TableParts(const TableSchema& t) {
  std::vector<std::string> parts;
  if (t.parent) parts.push_back("nested in " + *t.parent);
  if (!t.parent || t.write_disposition) {
    const WriteDisposition d = t.write_disposition.value_or(WriteDisposition::kAppend);
    std::string disposition(WriteDispositionName(d));
    if (d == WriteDisposition::kMerge) {
      // Unset means delete-insert, so setting it explicitly is no change.
      disposition +=
          " (" + std::string(MergeStrategyName(t.merge_strategy.value_or(MergeStrategy::kDeleteInsert))) + ")";
    }
    parts.push_back(std::move(disposition));
  }
  if (t.schema_contract) parts.push_back(DescribeContract(*t.schema_contract));
  return parts;
}

// An added or removed table: its hints and how many columns it has.
std::string DescribeWholeTable(const TableSchema& t) {
  std::vector<std::string> parts = TableParts(t);
  const std::size_t n = t.columns().size();
  parts.push_back(std::to_string(n) + (n == 1 ? " column" : " columns"));
  return JoinParts(parts);
}

SchemaChange Change(SchemaChange::Kind kind, const std::string& table, std::string column, std::string before,
                    std::string after) {
  SchemaChange change;
  change.kind = kind;
  change.table = table;
  change.column = std::move(column);
  change.before = std::move(before);
  change.after = std::move(after);
  return change;
}

void DiffColumns(const TableSchema& from, const TableSchema& to, std::vector<SchemaChange>& out) {
  for (const ColumnSchema& c : to.columns()) {
    const ColumnSchema* old = from.FindColumn(c.name);
    if (old == nullptr) {
      out.push_back(Change(SchemaChange::Kind::kColumnAdded, to.name(), c.name, "", DescribeColumn(c)));
      continue;
    }
    std::string before = DescribeColumn(*old);
    std::string after = DescribeColumn(c);
    if (before != after) {
      out.push_back(Change(SchemaChange::Kind::kColumnChanged, to.name(), c.name, std::move(before), std::move(after)));
    }
  }
  for (const ColumnSchema& c : from.columns()) {
    if (to.FindColumn(c.name) == nullptr) {
      out.push_back(Change(SchemaChange::Kind::kColumnRemoved, to.name(), c.name, DescribeColumn(c), ""));
    }
  }
}

}  // namespace

std::string_view SchemaChangeKindName(SchemaChange::Kind kind) {
  switch (kind) {
    case SchemaChange::Kind::kTableAdded: return "table_added";
    case SchemaChange::Kind::kTableRemoved: return "table_removed";
    case SchemaChange::Kind::kColumnAdded: return "column_added";
    case SchemaChange::Kind::kColumnRemoved: return "column_removed";
    case SchemaChange::Kind::kColumnChanged: return "column_changed";
    case SchemaChange::Kind::kTableChanged: return "table_changed";
  }
  return "table_changed";
}

std::vector<SchemaChange> DiffSchemas(const Schema& from, const Schema& to) {
  std::vector<SchemaChange> out;
  for (const TableSchema& t : to.tables()) {
    const TableSchema* old = from.FindTable(t.name());
    if (old == nullptr) {
      out.push_back(Change(SchemaChange::Kind::kTableAdded, t.name(), "", "", DescribeWholeTable(t)));
      continue;
    }
    std::string before = JoinParts(TableParts(*old));
    std::string after = JoinParts(TableParts(t));
    if (before != after) {
      out.push_back(Change(SchemaChange::Kind::kTableChanged, t.name(), "", std::move(before), std::move(after)));
    }
    DiffColumns(*old, t, out);
  }
  for (const TableSchema& t : from.tables()) {
    if (to.FindTable(t.name()) == nullptr) {
      out.push_back(Change(SchemaChange::Kind::kTableRemoved, t.name(), "", DescribeWholeTable(t), ""));
    }
  }
  return out;
}

}  // namespace ingestd::schema
