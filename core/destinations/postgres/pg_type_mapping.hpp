#pragma once

#include <string>

#include "core/schema/column_schema.hpp"

namespace ingestd::destinations::postgres {

/// The PostgreSQL type dlt creates for a column, spelled as PostgreSQL's
/// format_type() prints it: text -> "character varying" (with "(n)" when a
/// precision is set), bigint -> "bigint", double -> "double precision",
/// bool -> "boolean", timestamp -> "timestamp with time zone" (or "without"
/// when timezone is false), date -> "date", time -> "time without time
/// zone", decimal -> "numeric(p,s)" (default 38,9), wei -> "numeric(156,78)",
/// json -> "jsonb", binary -> "bytea". The column must be complete.
std::string PgTypeName(const schema::ColumnSchema& column);

}  // namespace ingestd::destinations::postgres
