#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/schema/column_schema.hpp"

namespace ingestd::destinations::sqlite {

/// The declared SQLite type ingestd creates for a complete column, and how
/// values are stored (docs/destinations.md, "SQLite"):
///
///   text       TEXT          text
///   bigint     INTEGER       integer
///   double     REAL          real
///   bool       BOOLEAN       integer 0/1
///   timestamp  TIMESTAMP     text 'YYYY-MM-DD HH:MM:SS[.ffffff]+00:00' (UTC;
///                            without '+00:00' when the column's timezone is false)
///   date       DATE          text 'YYYY-MM-DD'
///   time       TIME          text 'HH:MM:SS[.ffffff]'
///   decimal    DECIMAL_TEXT  text, the canonical decimal literal
///   wei        DECIMAL_TEXT  text
///   json       JSON_TEXT     text, compact JSON
///   binary     BLOB          blob
///
/// decimal and json get a declared type containing "TEXT" on purpose: SQLite
/// derives a column's affinity from its declared type, and "DECIMAL" or
/// "JSON" give NUMERIC affinity, which turns the text '12.340' into the real
/// 12.34 and a 30-digit decimal into a 15-digit float. TEXT affinity keeps
/// the text exactly as written. TIMESTAMP/DATE/TIME/BOOLEAN have NUMERIC
/// affinity, which is harmless: their texts never look like numbers.
std::string SqliteTypeName(const schema::ColumnSchema& column);

/// Whether a declared type found in the database (PRAGMA table_info) is the
/// one SqliteTypeName gives: compared case-insensitively, ignoring
/// surrounding blanks and a "(precision)" suffix.
bool SqliteTypeMatches(std::string_view declared, std::string_view expected);

/// Text forms of temporal values (see SqliteTypeName). `micros` is
/// microseconds since the Unix epoch (UTC), `days` days since 1970-01-01,
/// `time_micros` microseconds since midnight.
std::string FormatSqliteTimestamp(std::int64_t micros, bool with_offset = true);
std::string FormatSqliteDate(std::int64_t days);
std::string FormatSqliteTime(std::int64_t time_micros);

/// Parses what FormatSqliteTimestamp writes (also 'T' as the separator, a
/// 'Z' or ±HH:MM offset, or none = UTC) back to microseconds since the epoch.
std::optional<std::int64_t> ParseSqliteTimestamp(std::string_view text);

}  // namespace ingestd::destinations::sqlite
