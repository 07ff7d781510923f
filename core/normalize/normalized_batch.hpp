#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/common/string_arena.hpp"
#include "core/contracts/contract_violation.hpp"
#include "core/schema/value.hpp"

namespace ingestd::normalize {

/// One non-null value of a row: `column` is the column's index in the
/// schema table (columns are only ever appended, so indexes are stable).
struct Cell {
  std::uint32_t column = 0;
  schema::Value value;
};

/// The rows one table received. Rows are sparse: a column a row has no cell
/// for is NULL. Row `r` is cells[RowBegin(r), row_ends[r]).
struct TableRows {
  std::string table;
  std::vector<Cell> cells;
  std::vector<std::uint32_t> row_ends;

  std::size_t row_count() const { return row_ends.size(); }
  std::size_t RowBegin(std::size_t r) const { return r == 0 ? 0 : row_ends[r - 1]; }
  std::span<const Cell> Row(std::size_t r) const {
    return {cells.data() + RowBegin(r), cells.data() + row_ends[r]};
  }
};

/// Key of a violation counter: table, column, entity, mode.
using ViolationKey = std::tuple<std::string, std::string, schema::ContractEntity, schema::ContractMode>;

/// Output of normalization: rows per table (tables in the order they first
/// received a row), the strings those rows point to, and contract
/// violations. Clear() keeps capacity so a batch reused in a loop stops
/// allocating.
class NormalizedBatch {
 public:
  NormalizedBatch() = default;
  NormalizedBatch(const NormalizedBatch&) = delete;
  NormalizedBatch& operator=(const NormalizedBatch&) = delete;
  NormalizedBatch(NormalizedBatch&&) = default;
  NormalizedBatch& operator=(NormalizedBatch&&) = default;

  std::span<const TableRows> tables() const { return {tables_.data(), table_count_}; }
  const TableRows* FindTable(std::string_view name) const;
  std::size_t row_count() const;

  /// Detailed records, at most NormalizeOptions::max_violation_records.
  const std::vector<contracts::ContractViolation>& violations() const { return violations_; }
  /// Every violation, counted per (table, column, entity, mode).
  const std::map<ViolationKey, std::uint64_t>& violation_counts() const { return violation_counts_; }
  std::uint64_t violation_total() const;

  void Clear();

 private:
  friend class NormalizerState;

  TableRows& RowsFor(std::string_view table, std::uint32_t* slot_cache);

  std::vector<TableRows> tables_;  // [0, table_count_) in use; the rest kept for reuse
  std::size_t table_count_ = 0;
  StringArena arena_;
  std::vector<contracts::ContractViolation> violations_;
  std::map<ViolationKey, std::uint64_t> violation_counts_;
};

}  // namespace ingestd::normalize
