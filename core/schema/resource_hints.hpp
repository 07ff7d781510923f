#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/naming/naming_convention.hpp"
#include "core/schema/schema.hpp"

namespace ingestd::schema {

/// What a resource declares about its root table before any data arrives
/// (dlt's resource hints / apply_hints): disposition, keys, column hints,
/// nesting budget and contract. Names are given as the user wrote them and
/// normalized when applied.
struct ResourceHints {
  std::string table_name;
  std::optional<WriteDisposition> write_disposition;
  std::optional<MergeStrategy> merge_strategy;
  std::vector<std::string> primary_key;
  std::vector<std::string> merge_key;
  /// Column hints in declaration order; a column with a data_type is
  /// complete and is created even if no data ever carries it.
  std::vector<ColumnSchema> columns;
  std::optional<int> max_table_nesting;
  std::optional<SchemaContract> schema_contract;
};

/// Merges `hints` into the root table of `schema` (creating it when absent),
/// as dlt does when a resource is extracted: normalized names, `resource`
/// set, column hints merged in order, then primary and merge key columns
/// (marked not nullable) appended or updated. Returns the normalized table
/// name. Errors: a key or column name that normalizes to nothing, a merge
/// strategy without the merge disposition.
Result<std::string> ApplyResourceHints(Schema& schema, const ResourceHints& hints,
                                       const naming::NamingConvention& naming);

}  // namespace ingestd::schema
