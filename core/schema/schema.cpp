#include "core/schema/schema.hpp"

#include <algorithm>

#include "core/common/check.hpp"
#include "core/schema/schema_json.hpp"

namespace ingestd::schema {
namespace {

ColumnSchema SystemColumn(std::string name, DataType type, bool nullable) {
  ColumnSchema c;
  c.name = std::move(name);
  c.data_type = type;
  c.nullable = nullable;
  return c;
}

}  // namespace

TableSchema VersionTableSchema() {
  TableSchema t{std::string(kVersionTableName)};
  t.AddColumn(SystemColumn("version", DataType::kBigint, false));
  t.AddColumn(SystemColumn("engine_version", DataType::kBigint, false));
  t.AddColumn(SystemColumn("inserted_at", DataType::kTimestamp, false));
  t.AddColumn(SystemColumn("schema_name", DataType::kText, false));
  t.AddColumn(SystemColumn("version_hash", DataType::kText, false));
  t.AddColumn(SystemColumn("schema", DataType::kText, false));
  t.write_disposition = WriteDisposition::kSkip;
  t.description = "Created by DLT. Tracks schema updates";
  t.resource = std::string(kVersionTableName);
  t.schema_contract = SchemaContract{};
  return t;
}

TableSchema LoadsTableSchema() {
  TableSchema t{std::string(kLoadsTableName)};
  ColumnSchema load_id = SystemColumn("load_id", DataType::kText, false);
  load_id.precision = 64;
  t.AddColumn(std::move(load_id));
  t.AddColumn(SystemColumn("schema_name", DataType::kText, true));
  t.AddColumn(SystemColumn("status", DataType::kBigint, false));
  t.AddColumn(SystemColumn("inserted_at", DataType::kTimestamp, false));
  t.AddColumn(SystemColumn("schema_version_hash", DataType::kText, true));
  t.write_disposition = WriteDisposition::kSkip;
  t.description = "Created by DLT. Tracks completed loads";
  t.resource = std::string(kLoadsTableName);
  t.schema_contract = SchemaContract{};
  return t;
}

TableSchema PipelineStateTableSchema() {
  TableSchema t{std::string(kPipelineStateTableName)};
  t.AddColumn(SystemColumn("version", DataType::kBigint, false));
  t.AddColumn(SystemColumn("engine_version", DataType::kBigint, false));
  t.AddColumn(SystemColumn("pipeline_name", DataType::kText, false));
  t.AddColumn(SystemColumn("state", DataType::kText, false));
  t.AddColumn(SystemColumn("created_at", DataType::kTimestamp, false));
  t.AddColumn(SystemColumn("version_hash", DataType::kText, true));
  ColumnSchema load_id = SystemColumn(std::string(kDltLoadId), DataType::kText, false);
  load_id.precision = 64;
  t.AddColumn(std::move(load_id));
  ColumnSchema id = SystemColumn(std::string(kDltId), DataType::kText, false);
  id.SetHint(ColumnHint::kUnique, true);
  id.SetHint(ColumnHint::kRowKey, true);
  t.AddColumn(std::move(id));
  t.write_disposition = WriteDisposition::kAppend;
  t.resource = std::string(kPipelineStateTableName);
  t.file_format = "preferred";
  return t;
}

namespace {

// Merges the properties set in `partial` into `table` (columns handled apart).
void MergeTableHints(TableSchema& table, const TableSchema& partial) {
  auto take = [](auto& into, const auto& from) {
    if (from) into = from;
  };
  take(table.description, partial.description);
  take(table.write_disposition, partial.write_disposition);
  take(table.merge_strategy, partial.merge_strategy);
  take(table.resource, partial.resource);
  take(table.schema_contract, partial.schema_contract);
  take(table.table_format, partial.table_format);
  take(table.file_format, partial.file_format);
  take(table.seen_data, partial.seen_data);
  take(table.evolve_columns_once, partial.evolve_columns_once);
  take(table.max_nesting, partial.max_nesting);
  for (const auto& [key, value] : partial.extra) SetExtraProperty(table.extra, key, value);
}

// Merges a column update into an existing column: properties set in
// `update` win; a data type change of a complete column is a conflict the
// caller must have resolved (variant columns) before.
Status MergeColumn(const std::string& table, ColumnSchema& column, const ColumnSchema& update) {
  if (column.data_type && update.data_type && *column.data_type != *update.data_type) {
    return FailedPrecondition("table " + table + ": column " + column.name + " has type " +
                              std::string(DataTypeName(*column.data_type)) +
                              " and cannot change to " +
                              std::string(DataTypeName(*update.data_type)) +
                              " (column types are never altered; a variant column takes such values)");
  }
  MergeColumnProperties(column, update);
  return OkStatus();
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>* NormalizerConfig::PropagationFor(
    std::string_view table) const {
  for (const auto& [name, mapping] : propagation_tables) {
    if (name == table) return &mapping;
  }
  return nullptr;
}

Schema Schema::CreateDefault(std::string name) {
  Schema s;
  s.name_ = std::move(name);
  s.settings.detections = {"iso_timestamp"};
  // The relational normalizer's hints for its system columns (dlt's
  // extend_schema), so every dataset marks keys the same way.
  s.settings.default_hints = {
      {"not_null",
       {std::string(kDltId), std::string(kDltRootId), std::string(kDltParentId),
        std::string(kDltListIdx), std::string(kDltLoadId)}},
      {"parent_key", {std::string(kDltParentId)}},
      {"root_key", {std::string(kDltRootId)}},
      {"unique", {std::string(kDltId)}},
      {"row_key", {std::string(kDltId)}},
  };
  s.AddTable(VersionTableSchema());
  s.AddTable(LoadsTableSchema());
  return s;
}

const TableSchema* Schema::FindTable(std::string_view name) const {
  auto it = table_index_.find(name);
  return it == table_index_.end() ? nullptr : &tables_[it->second];
}

TableSchema* Schema::FindTable(std::string_view name) {
  auto it = table_index_.find(name);
  return it == table_index_.end() ? nullptr : &tables_[it->second];
}

TableSchema& Schema::AddTable(TableSchema table) {
  auto index = static_cast<std::uint32_t>(tables_.size());
  auto [it, inserted] = table_index_.emplace(table.name(), index);
  INGESTD_CHECK(inserted);
  return tables_.emplace_back(std::move(table));
}

const TableSchema* Schema::RootTableOf(std::string_view table) const {
  const TableSchema* t = FindTable(table);
  // Bounded walk: a corrupt schema with a parent cycle must not hang us.
  for (std::size_t hops = 0; t != nullptr && t->parent && hops <= tables_.size(); ++hops) {
    t = FindTable(*t->parent);
  }
  return (t != nullptr && t->parent) ? nullptr : t;
}

WriteDisposition Schema::ResolveWriteDisposition(std::string_view table) const {
  const TableSchema* t = FindTable(table);
  for (std::size_t hops = 0; t != nullptr && hops <= tables_.size(); ++hops) {
    if (t->write_disposition) return *t->write_disposition;
    if (!t->parent) break;
    t = FindTable(*t->parent);
  }
  return WriteDisposition::kAppend;
}

std::optional<MergeStrategy> Schema::ResolveMergeStrategy(std::string_view table) const {
  if (ResolveWriteDisposition(table) != WriteDisposition::kMerge) return std::nullopt;
  const TableSchema* t = FindTable(table);
  for (std::size_t hops = 0; t != nullptr && hops <= tables_.size(); ++hops) {
    if (t->merge_strategy) return *t->merge_strategy;
    if (!t->parent) break;
    t = FindTable(*t->parent);
  }
  return MergeStrategy::kDeleteInsert;
}

ResolvedContract Schema::ResolveContract(std::string_view table) const {
  // As dlt's resolve_contract_settings_for_table: the first contract found
  // (table, then its parents, then settings) is used whole, and its unset
  // entities mean evolve; they do not fall through to a contract further up.
  if (IsDltName(table)) return ResolvedContract{};
  const TableSchema* t = FindTable(table);
  for (std::size_t hops = 0; t != nullptr && hops <= tables_.size(); ++hops) {
    if (t->schema_contract) return ResolvedContract::From(*t->schema_contract);
    if (!t->parent) break;
    t = FindTable(*t->parent);
  }
  if (settings.schema_contract) return ResolvedContract::From(*settings.schema_contract);
  return ResolvedContract{};
}

Status Schema::ApplyUpdate(const SchemaUpdate& update) {
  // Validate everything first so a failed update leaves the schema untouched.
  for (const TableSchema& partial : update.tables) {
    const TableSchema* existing = FindTable(partial.name());
    if (existing == nullptr) continue;
    if (partial.parent && existing->parent != partial.parent) {
      return FailedPrecondition("table " + partial.name() + " has parent " +
                                existing->parent.value_or("(none)") + " and cannot move under " +
                                *partial.parent);
    }
    for (const ColumnSchema& c : partial.columns()) {
      const ColumnSchema* col = existing->FindColumn(c.name);
      if (col && col->data_type && c.data_type && *col->data_type != *c.data_type) {
        ColumnSchema probe = *col;
        return MergeColumn(partial.name(), probe, c);
      }
    }
  }
  for (const TableSchema& partial : update.tables) {
    TableSchema* table = FindTable(partial.name());
    if (table == nullptr) {
      TableSchema fresh{partial.name()};
      fresh.parent = partial.parent;
      if (!fresh.parent) {
        // dlt's new_table gives every root table these two hints; the stored
        // schema (and so its version hash) always carries them.
        fresh.write_disposition = WriteDisposition::kAppend;
        fresh.resource = partial.name();
      }
      table = &AddTable(std::move(fresh));
    }
    MergeTableHints(*table, partial);
    for (const ColumnSchema& c : partial.columns()) {
      if (ColumnSchema* col = table->FindColumn(c.name)) {
        INGESTD_TRY(MergeColumn(partial.name(), *col, c));
      } else {
        table->AddColumn(c);
      }
    }
  }
  return OkStatus();
}

bool Schema::BumpVersion() {
  std::string hash = ComputeVersionHash(*this);
  if (version_hash_.empty()) {
    if (version_ == 0) version_ = 1;
    version_hash_ = std::move(hash);
    return true;
  }
  if (hash == version_hash_) return false;
  ++version_;
  if (std::find(previous_hashes_.begin(), previous_hashes_.end(), version_hash_) ==
      previous_hashes_.end()) {
    previous_hashes_.insert(previous_hashes_.begin(), version_hash_);
    if (previous_hashes_.size() > 10) previous_hashes_.resize(10);
  }
  version_hash_ = std::move(hash);
  return true;
}

bool Schema::operator==(const Schema& o) const {
  return name_ == o.name_ && version_ == o.version_ && version_hash_ == o.version_hash_ &&
         previous_hashes_ == o.previous_hashes_ && tables_ == o.tables_ &&
         settings == o.settings && normalizer_config == o.normalizer_config &&
         naming == o.naming && normalizers_extra == o.normalizers_extra &&
         description == o.description &&
         imported_version_hash == o.imported_version_hash && extra == o.extra;
}

}  // namespace ingestd::schema
