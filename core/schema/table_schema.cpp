#include "core/schema/table_schema.hpp"

#include "core/common/check.hpp"

namespace ingestd::schema {

std::string_view WriteDispositionName(WriteDisposition d) {
  switch (d) {
    case WriteDisposition::kAppend: return "append";
    case WriteDisposition::kReplace: return "replace";
    case WriteDisposition::kMerge: return "merge";
    case WriteDisposition::kSkip: return "skip";
  }
  return "append";
}

std::optional<WriteDisposition> ParseWriteDisposition(std::string_view name) {
  if (name == "append") return WriteDisposition::kAppend;
  if (name == "replace") return WriteDisposition::kReplace;
  if (name == "merge") return WriteDisposition::kMerge;
  if (name == "skip") return WriteDisposition::kSkip;
  return std::nullopt;
}

std::string_view MergeStrategyName(MergeStrategy s) {
  switch (s) {
    case MergeStrategy::kDeleteInsert: return "delete-insert";
    case MergeStrategy::kUpsert: return "upsert";
    case MergeStrategy::kScd2: return "scd2";
    case MergeStrategy::kInsertOnly: return "insert-only";
  }
  return "delete-insert";
}

std::optional<MergeStrategy> ParseMergeStrategy(std::string_view name) {
  if (name == "delete-insert") return MergeStrategy::kDeleteInsert;
  if (name == "upsert") return MergeStrategy::kUpsert;
  if (name == "scd2") return MergeStrategy::kScd2;
  if (name == "insert-only") return MergeStrategy::kInsertOnly;
  return std::nullopt;
}

int TableSchema::FindColumnIndex(std::string_view name) const {
  auto it = column_index_.find(name);
  return it == column_index_.end() ? -1 : static_cast<int>(it->second);
}

const ColumnSchema* TableSchema::FindColumn(std::string_view name) const {
  int i = FindColumnIndex(name);
  return i < 0 ? nullptr : &columns_[i];
}

ColumnSchema* TableSchema::FindColumn(std::string_view name) {
  int i = FindColumnIndex(name);
  return i < 0 ? nullptr : &columns_[i];
}

std::size_t TableSchema::AddColumn(ColumnSchema column) {
  auto index = static_cast<std::uint32_t>(columns_.size());
  auto [it, inserted] = column_index_.emplace(column.name, index);
  INGESTD_CHECK(inserted);
  columns_.push_back(std::move(column));
  return index;
}

bool TableSchema::HasCompleteColumns() const {
  for (const auto& c : columns_) {
    if (c.IsComplete()) return true;
  }
  return false;
}

bool TableSchema::operator==(const TableSchema& o) const {
  return name_ == o.name_ && columns_ == o.columns_ && description == o.description &&
         write_disposition == o.write_disposition && merge_strategy == o.merge_strategy &&
         parent == o.parent && resource == o.resource && schema_contract == o.schema_contract &&
         table_format == o.table_format && file_format == o.file_format &&
         seen_data == o.seen_data && evolve_columns_once == o.evolve_columns_once &&
         max_nesting == o.max_nesting && extra == o.extra && normalizer_extra == o.normalizer_extra;
}

}  // namespace ingestd::schema
