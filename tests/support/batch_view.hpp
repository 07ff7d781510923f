#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/normalize/normalized_batch.hpp"
#include "core/schema/schema.hpp"

namespace ingestd::testing {

/// A row as column name -> value text, for readable assertions.
using RowView = std::map<std::string, std::string>;

/// Formats a typed value for tests: integers and doubles in shortest form,
/// bools as true/false, timestamps as ISO text, strings as they are.
std::string FormatValue(const schema::Value& value);

/// The rows of `table` in `batch`, resolved against `schema` (the
/// normalizer's working schema).
std::vector<RowView> RowsOf(const normalize::NormalizedBatch& batch, const schema::Schema& schema,
                            const std::string& table);

/// Column names of `table` in schema order.
std::vector<std::string> ColumnNames(const schema::Schema& schema, const std::string& table);

/// "name:type" for each column, e.g. "id:bigint", "_dlt_id:text".
std::vector<std::string> ColumnTypes(const schema::Schema& schema, const std::string& table);

}  // namespace ingestd::testing
