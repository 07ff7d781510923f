#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/naming/naming_convention.hpp"
#include "core/schema/data_type.hpp"
#include "core/schema/schema_contract.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::normalize {

struct TableCtx;

/// A normalized column name within one table, with the per-run state the
/// normalizer keeps for it.
struct ColumnSlot {
  std::string name;
  /// Index of the column in the working schema table once it is complete;
  /// -1 while the column does not exist or has no data type yet.
  int column_index = -1;
  /// Duplicate detection within a row: the row stamp that last used the
  /// slot and the position of its cell.
  std::uint64_t row_stamp = 0;
  std::uint32_t cell_pos = 0;
  /// Set once a contract discarded this column for the rest of the run
  /// (dlt's filtered columns).
  std::optional<schema::ContractMode> filter;
  /// Variant slots by value type, resolved lazily.
  ColumnSlot* variants[schema::kDataTypeCount] = {};
};

/// A raw key seen at some path of a table's rows. The trie of raw keys makes
/// the hot path one hash lookup per key: names are normalized once per
/// distinct key path, not once per value.
struct KeyNode {
  KeyNode* parent = nullptr;  // null for a table's row root
  TableCtx* table = nullptr;
  std::string raw_key;
  std::vector<std::string> path;  // normalized key fragments from the row root
  std::string column_name;        // path joined with `__` and shortened
  ColumnSlot* slot = nullptr;     // resolved lazily
  TableCtx* list_table = nullptr; // the nested table when this key holds a list
  std::uint64_t json_check_epoch = 0;  // when `is_json` was last computed
  bool is_json = false;  // column (or preferred type) is json: keep values whole
  schema::StringMap<std::unique_ptr<KeyNode>> children;
  // Key prediction: objects of one kind list their keys in the same order,
  // so the key that followed this one last time (or, on a parent, the first
  // key) is checked with one comparison before any hash lookup.
  KeyNode* next_hint = nullptr;
  KeyNode* first_hint = nullptr;
};

/// Per-table state of a normalizer run.
struct TableCtx {
  std::string name;
  std::vector<std::string> fragments;  // normalized path fragments of the table name
  TableCtx* parent = nullptr;
  KeyNode* list_node = nullptr;  // the key in the parent's rows that holds this table's list
  std::unique_ptr<KeyNode> root = std::make_unique<KeyNode>();
  schema::StringMap<std::unique_ptr<ColumnSlot>> slots;
  /// Set when a `tables` contract discarded this table for the rest of the run.
  std::optional<schema::ContractMode> discarded;
  /// True when the table did not exist (or had only incomplete columns) when
  /// the run started: its columns evolve freely during this run (dlt's
  /// "evolve once"), whatever the columns contract says.
  bool evolves_freely = false;
  bool received_rows = false;
  bool bound = false;  // per-run facts above were computed
  // Cached per schema epoch (root tables): how root ids are made and whether
  // nested rows carry `_dlt_root_id`.
  std::uint64_t id_cache_epoch = 0;
  std::uint8_t root_id_kind = 0;
  bool needs_root_key = false;
  std::uint32_t batch_slot = UINT32_MAX;

  ColumnSlot& Slot(std::string_view column_name);
};

/// Owns every TableCtx and KeyNode of a run and computes their names.
class NameCache {
 public:
  explicit NameCache(std::shared_ptr<const naming::NamingConvention> naming)
      : naming_(std::move(naming)) {}

  /// The context of a root table; `name` is normalized as a table path.
  TableCtx& RootTable(std::string_view name);
  /// The child node of `parent` for `raw_key` (created on first use).
  KeyNode& Child(KeyNode& parent, std::string_view raw_key);
  /// The nested table that a list under `node` feeds.
  TableCtx& ListTable(KeyNode& node);
  /// The node of an already-normalized column name directly under a table's
  /// row root (system columns, `value`, `list`).
  KeyNode& FixedKey(TableCtx& table, std::string_view normalized_name);
  /// `<column>__v_<type>` shortened.
  std::string VariantName(std::string_view column, schema::DataType type) const;

  const naming::NamingConvention& naming() const { return *naming_; }

 private:
  std::string NormalizeKey(std::string_view raw_key) const;

  std::shared_ptr<const naming::NamingConvention> naming_;
  schema::StringMap<TableCtx*> roots_;  // by the name the caller gave
  schema::StringMap<std::unique_ptr<TableCtx>> tables_;  // by normalized name
};

}  // namespace ingestd::normalize
