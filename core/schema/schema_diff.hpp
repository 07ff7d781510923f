#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema/schema.hpp"

namespace ingestd::schema {

/// One difference between two versions of a schema.
struct SchemaChange {
  enum class Kind : std::uint8_t {
    kTableAdded,
    kTableRemoved,
    kColumnAdded,
    kColumnRemoved,
    kColumnChanged,  // data type, nullability, precision/scale or a hint
    kTableChanged,   // write disposition, merge strategy, parent or contract
  };
  Kind kind = Kind::kTableAdded;
  std::string table;
  std::string column;  // empty for table changes
  /// Short human descriptions of what differs, e.g. "bigint, nullable" and
  /// "double, nullable"; for added/removed tables and columns a
  /// description of the one that exists ("text, nullable, primary_key").
  std::string before;
  std::string after;
};

/// "table_added", "column_changed", ...
std::string_view SchemaChangeKindName(SchemaChange::Kind kind);

/// What changed from `from` to `to`: tables in `to`'s order (removed ones
/// after, in `from`'s order), and within a table, columns in order. Tables
/// and columns are matched by name. Empty when both have the same content.
std::vector<SchemaChange> DiffSchemas(const Schema& from, const Schema& to);

}  // namespace ingestd::schema
