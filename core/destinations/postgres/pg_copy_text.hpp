#pragma once

#include <cstdint>
#include <string>

#include "core/schema/value.hpp"

namespace ingestd::destinations::postgres {

/// COPY text format (https://www.postgresql.org/docs/15/sql-copy.html "Text
/// Format"): columns separated by tab, rows by newline, NULL as `\N`, and
/// backslash, tab, newline and carriage return escaped in values.
///
/// AppendTextCopyValue() appends one column value (escaped, without the
/// separator), so that `COPY ... FROM STDIN` stores exactly `v` in a column
/// of the type PgTypeName() gives for `v.type`:
///   timestamp  "YYYY-MM-DD HH:MM:SS[.ffffff]+00[ BC]" (independent of the
///              session TimeZone; a column without time zone ignores "+00")
///   date       "YYYY-MM-DD[ BC]", time "HH:MM:SS[.ffffff]"
///   double     the shortest round-trip form, "NaN", "Infinity"
///   binary     bytea hex input `\\x..` (its backslash escaped for COPY)
///   others     their text, escaped
void AppendTextCopyValue(std::string& out, const schema::Value& v);

/// The COPY/SQL literal of a timestamp (microseconds since the Unix epoch,
/// UTC), as AppendTextCopyValue() writes it: "2023-11-14 22:13:20+00".
void AppendTimestampLiteral(std::string& out, std::int64_t unix_micros);

/// A double as AppendTextCopyValue() writes it.
void AppendDoubleLiteral(std::string& out, double v);

}  // namespace ingestd::destinations::postgres
