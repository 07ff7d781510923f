#include "core/normalize/normalized_batch.hpp"

namespace ingestd::normalize {

const TableRows* NormalizedBatch::FindTable(std::string_view name) const {
  for (std::size_t i = 0; i < table_count_; ++i) {
    if (tables_[i].table == name) return &tables_[i];
  }
  return nullptr;
}

std::size_t NormalizedBatch::row_count() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < table_count_; ++i) n += tables_[i].row_count();
  return n;
}

std::uint64_t NormalizedBatch::violation_total() const {
  std::uint64_t n = 0;
  for (const auto& [key, count] : violation_counts_) n += count;
  return n;
}

void NormalizedBatch::Clear() {
  for (std::size_t i = 0; i < table_count_; ++i) {
    tables_[i].cells.clear();
    tables_[i].row_ends.clear();
  }
  table_count_ = 0;
  arena_.Clear();
  violations_.clear();
  violation_counts_.clear();
}

TableRows& NormalizedBatch::RowsFor(std::string_view table, std::uint32_t* slot_cache) {
  // The normalizer caches each table's slot so
  // the common case is one comparison instead of a search by name.
  if (slot_cache != nullptr && *slot_cache < table_count_ && tables_[*slot_cache].table == table) {
    return tables_[*slot_cache];
  }
  for (std::size_t i = 0; i < table_count_; ++i) {
    if (tables_[i].table == table) {
      if (slot_cache != nullptr) *slot_cache = static_cast<std::uint32_t>(i);
      return tables_[i];
    }
  }
  if (table_count_ == tables_.size()) tables_.emplace_back();
  TableRows& rows = tables_[table_count_];
  rows.table.assign(table);
  if (slot_cache != nullptr) *slot_cache = static_cast<std::uint32_t>(table_count_);
  ++table_count_;
  return rows;
}

}  // namespace ingestd::normalize
