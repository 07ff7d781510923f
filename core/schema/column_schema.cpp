#include "core/schema/column_schema.hpp"

#include <algorithm>

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

void SetExtraProperty(ExtraProperties& props, const std::string& key, const std::string& value) {
  auto it = std::find_if(props.begin(), props.end(),
                         [&key](const auto& kv) { return kv.first == key; });
  if (it == props.end()) {
    props.emplace_back(key, value);
  } else {
    it->second = value;
  }
}

void MergeColumnProperties(ColumnSchema& into, const ColumnSchema& from) {
  auto take = [](auto& a, const auto& b) {
    if (b) a = b;
  };
  take(into.data_type, from.data_type);
  take(into.precision, from.precision);
  take(into.scale, from.scale);
  take(into.timezone, from.timezone);
  take(into.nullable, from.nullable);
  take(into.variant, from.variant);
  take(into.description, from.description);
  take(into.dedup_sort, from.dedup_sort);
  for (int i = 0; i < kColumnHintCount; ++i) take(into.hints[i], from.hints[i]);
  for (const auto& [key, value] : from.extra) SetExtraProperty(into.extra, key, value);
}

}  // namespace ingestd::schema
