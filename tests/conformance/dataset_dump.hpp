#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::conformance {

/// One column as PostgreSQL reports it: format_type() and nullability.
struct DumpedColumn {
  std::string name;
  std::string data_type;
  bool nullable = true;
};

/// One table of a dumped dataset, in the shape of the corpus' expected.json.
struct DumpedTable {
  std::vector<DumpedColumn> columns;
  std::vector<std::pair<std::string, std::string>> constraints;  // (type, definition)
  std::size_t row_count = 0;
  /// Rows with volatile values replaced by the corpus' placeholders
  /// (`L1`, `T1`, row paths), in path order; a missing value is NULL.
  std::vector<std::map<std::string, std::optional<std::string>>> rows;
};

using DumpedDataset = std::map<std::string, DumpedTable>;

/// Reads every table of `dataset` (a PostgreSQL schema) over `dsn` with
/// TimeZone=UTC, DateStyle=ISO and extra_float_digits=1, and replaces
/// volatile values as tests/conformance/cases/README.md describes: load ids
/// by `L<n>` in load order, scd2 validity timestamps by `T<n>` in time order,
/// `_dlt_id`/`_dlt_parent_id`/`_dlt_root_id` by row paths.
Result<DumpedDataset> DumpPostgresDataset(const std::string& dsn, const std::string& dataset);

/// Orders root rows and assigns paths (exposed for tests of the ordering
/// rule): NULL first, then decimal numbers numerically, then other text by
/// code point; ties broken by the rows' children.
int CompareConformanceValues(const std::optional<std::string>& a, const std::optional<std::string>& b);

}  // namespace ingestd::conformance
