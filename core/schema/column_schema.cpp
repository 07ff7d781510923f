#include "core/schema/column_schema.hpp"

namespace ingestd::schema {
namespace {

constexpr std::array<std::string_view, kColumnHintCount> kHintNames = {
    "partition", "cluster", "primary_key", "sort", "unique", "merge_key",
    "row_key", "parent_key", "root_key", "hard_delete", "incremental",
};

}  // namespace

std::string_view ColumnHintName(ColumnHint hint) { return kHintNames[static_cast<int>(hint)]; }

std::optional<ColumnHint> ParseColumnHint(std::string_view name) {
  for (int i = 0; i < kColumnHintCount; ++i) {
    if (kHintNames[i] == name) return static_cast<ColumnHint>(i);
  }
  return std::nullopt;
}

}  // namespace ingestd::schema
