#pragma once

#include <cstdint>
#include <vector>

#include "core/infer/raw_scalar.hpp"
#include "core/schema/value.hpp"
#include "core/normalize/name_cache.hpp"

namespace ingestd::normalize {

inline constexpr std::uint32_t kNone = UINT32_MAX;

/// A leaf value of a row, before typing.
struct PendingCell {
  KeyNode* node = nullptr;  // the field; gives the column name
  infer::RawScalar raw;
  bool is_null = false;
  bool dead = false;          // dropped (duplicate key, discarded value)
  std::uint32_t frame = 0;    // dict frame of the row that held the key
  schema::Value value;        // typed value, filled when the row is finalized
  ColumnSlot* target = nullptr;  // column (or variant) that receives `value`
};

/// A list found in a row: its element rows form a chain through
/// PendingRow::next_sibling, in index order.
struct PendingList {
  KeyNode* node = nullptr;
  std::uint32_t frame = 0;
  std::uint32_t first_row = kNone;
  std::uint32_t last_row = kNone;
};

/// One row of one item before typing: its leaf values, the dict frames it
/// was flattened from, and the lists that feed nested tables.
struct PendingRow {
  TableCtx* table = nullptr;
  std::uint32_t parent = kNone;
  std::uint32_t list_index = 0;
  std::uint32_t next_sibling = kNone;
  int nesting_budget = 0;
  std::vector<PendingCell> cells;
  /// frame_parent[f] = parent dict frame of frame f (kNone for frame 0, the
  /// row's own object). dlt flattens nested dicts with a stack, so a row's
  /// column order is: its own keys, then nested dicts last-seen first.
  std::vector<std::uint32_t> frame_parent;
  std::vector<PendingList> lists;
  char id[32] = {};
  std::uint8_t id_length = 0;

  void Reset(TableCtx* t, std::uint32_t parent_row, std::uint32_t index, int budget) {
    table = t;
    parent = parent_row;
    list_index = index;
    next_sibling = kNone;
    nesting_budget = budget;
    cells.clear();
    frame_parent.assign(1, kNone);
    lists.clear();
    id_length = 0;
  }
  std::string_view Id() const { return {id, id_length}; }
};

/// The rows of one item in creation (pre-)order; row 0 is the root. Row
/// objects are reused between items so their vectors keep their capacity.
class ItemTree {
 public:
  std::uint32_t NewRow(TableCtx* table, std::uint32_t parent, std::uint32_t index, int budget) {
    if (count_ == rows_.size()) rows_.emplace_back();
    rows_[count_].Reset(table, parent, index, budget);
    return static_cast<std::uint32_t>(count_++);
  }
  PendingRow& row(std::uint32_t i) { return rows_[i]; }
  const PendingRow& row(std::uint32_t i) const { return rows_[i]; }
  std::size_t size() const { return count_; }
  void Clear() { count_ = 0; }

 private:
  std::vector<PendingRow> rows_;
  std::size_t count_ = 0;
};

}  // namespace ingestd::normalize
