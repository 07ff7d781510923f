#pragma once

#include <vector>

#include "core/schema/table_schema.hpp"

namespace ingestd::schema {

/// What a normalization step added to the schema, as dlt's "partial tables":
/// for each touched table its hints (complete for new tables) and only the
/// columns that are new, in the order they were discovered. Applying the
/// updates of several workers in a fixed order gives the same schema as one
/// worker would have produced.
struct SchemaUpdate {
  std::vector<TableSchema> tables;

  bool empty() const { return tables.empty(); }
  /// The partial table for `name`, created (with only its name) on first use.
  TableSchema& PartialTable(std::string_view name);
  /// Total number of new columns across tables.
  std::size_t ColumnCount() const;
};

}  // namespace ingestd::schema
