#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/schema/column_schema.hpp"
#include "core/schema/schema_contract.hpp"

namespace ingestd::schema {

enum class WriteDisposition : std::uint8_t { kAppend, kReplace, kMerge, kSkip };
enum class MergeStrategy : std::uint8_t { kDeleteInsert, kUpsert, kScd2, kInsertOnly };

std::string_view WriteDispositionName(WriteDisposition d);
std::optional<WriteDisposition> ParseWriteDisposition(std::string_view name);
std::string_view MergeStrategyName(MergeStrategy s);  // "delete-insert", "upsert", "scd2", "insert-only"
std::optional<MergeStrategy> ParseMergeStrategy(std::string_view name);

/// Transparent hashing so maps keyed by std::string can be searched with a
/// std::string_view without building a temporary string (hot path).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

/// One table: its columns in creation order (the order the destination
/// creates them), plus the table-level hints dlt stores.
class TableSchema {
 public:
  TableSchema() = default;
  explicit TableSchema(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  const std::vector<ColumnSchema>& columns() const { return columns_; }
  /// Index of a column, or -1.
  int FindColumnIndex(std::string_view name) const;
  const ColumnSchema* FindColumn(std::string_view name) const;
  ColumnSchema* FindColumn(std::string_view name);
  const ColumnSchema& column(std::size_t index) const { return columns_[index]; }
  ColumnSchema& column(std::size_t index) { return columns_[index]; }

  /// Appends a column; the name must be new (checked). Returns its index.
  std::size_t AddColumn(ColumnSchema column);

  /// True when the table has at least one complete column (dlt: a table with
  /// only incomplete columns still counts as new).
  bool HasCompleteColumns() const;

  // Table hints. Unset optionals are not written to the stored schema.
  std::optional<std::string> description;
  std::optional<WriteDisposition> write_disposition;
  std::optional<MergeStrategy> merge_strategy;  // x-merge-strategy
  std::optional<std::string> parent;            // set on nested tables only
  std::optional<std::string> resource;
  std::optional<SchemaContract> schema_contract;
  std::optional<std::string> table_format;
  std::optional<std::string> file_format;
  // x-normalizer
  std::optional<bool> seen_data;
  std::optional<bool> evolve_columns_once;
  std::optional<int> max_nesting;
  ExtraProperties extra;             // other table keys (filters, references, x-*)
  ExtraProperties normalizer_extra;  // other x-normalizer keys

  bool operator==(const TableSchema& other) const;

 private:
  std::string name_;
  std::vector<ColumnSchema> columns_;
  StringMap<std::uint32_t> column_index_;
};

}  // namespace ingestd::schema
