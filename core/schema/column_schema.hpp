#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/schema/data_type.hpp"

namespace ingestd::schema {

/// dlt's boolean column hints, in the order dlt documents them.
enum class ColumnHint : std::uint8_t {
  kPartition,
  kCluster,
  kPrimaryKey,
  kSort,
  kUnique,
  kMergeKey,
  kRowKey,
  kParentKey,
  kRootKey,
  kHardDelete,
  kIncremental,
};
inline constexpr int kColumnHintCount = 11;

/// "primary_key", "row_key", ... as dlt stores them.
std::string_view ColumnHintName(ColumnHint hint);
std::optional<ColumnHint> ParseColumnHint(std::string_view name);

/// Raw JSON of keys ingestd does not model (`x-*` and future dlt keys), kept
/// in order so a schema written by dlt survives a round trip through ingestd.
using ExtraProperties = std::vector<std::pair<std::string, std::string>>;

/// One column. A column without data_type is "incomplete": it carries hints
/// (e.g. a primary key declared before data arrived) and is not created in
/// the destination until data gives it a type.
struct ColumnSchema {
  std::string name;
  std::optional<DataType> data_type;
  std::optional<int> precision;
  std::optional<int> scale;
  std::optional<bool> timezone;
  std::optional<bool> nullable;  // absent means nullable, as in dlt
  std::optional<bool> variant;   // true on `<col>__v_<type>` columns
  std::optional<std::string> description;
  std::optional<std::string> dedup_sort;  // "asc" | "desc"
  std::array<std::optional<bool>, kColumnHintCount> hints{};
  ExtraProperties extra;

  bool IsComplete() const { return data_type.has_value(); }
  bool IsNullable() const { return nullable.value_or(true); }
  bool HasHint(ColumnHint hint) const { return hints[static_cast<int>(hint)].value_or(false); }
  void SetHint(ColumnHint hint, bool value) { hints[static_cast<int>(hint)] = value; }
  bool IsVariant() const { return variant.value_or(false); }

  bool operator==(const ColumnSchema&) const = default;
};

/// Sets `key` in `props` (replacing an existing value, so a key is never
/// written twice into a stored schema).
void SetExtraProperty(ExtraProperties& props, const std::string& key, const std::string& value);

/// Copies every property that is set in `from` onto `into` (type, precision,
/// nullability, hints, extras). The caller decides whether a type change is
/// allowed before calling.
void MergeColumnProperties(ColumnSchema& into, const ColumnSchema& from);

}  // namespace ingestd::schema
