#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/schema/column_schema.hpp"

namespace ingestd::extract::sql {

/// Built-in PostgreSQL type OIDs (catalog/pg_type.dat; fixed across
/// versions, so they are safe to hard-code).
namespace pg_oid {
inline constexpr std::uint32_t kBool = 16;
inline constexpr std::uint32_t kBytea = 17;
inline constexpr std::uint32_t kChar = 18;
inline constexpr std::uint32_t kName = 19;
inline constexpr std::uint32_t kInt8 = 20;
inline constexpr std::uint32_t kInt2 = 21;
inline constexpr std::uint32_t kInt4 = 23;
inline constexpr std::uint32_t kText = 25;
inline constexpr std::uint32_t kOid = 26;
inline constexpr std::uint32_t kJson = 114;
inline constexpr std::uint32_t kFloat4 = 700;
inline constexpr std::uint32_t kFloat8 = 701;
inline constexpr std::uint32_t kBpchar = 1042;
inline constexpr std::uint32_t kVarchar = 1043;
inline constexpr std::uint32_t kDate = 1082;
inline constexpr std::uint32_t kTime = 1083;
inline constexpr std::uint32_t kTimestamp = 1114;
inline constexpr std::uint32_t kTimestamptz = 1184;
inline constexpr std::uint32_t kTimetz = 1266;
inline constexpr std::uint32_t kNumeric = 1700;
inline constexpr std::uint32_t kUuid = 2950;
inline constexpr std::uint32_t kJsonb = 3802;
}  // namespace pg_oid

/// The column hint for a result column of type `type_oid` with modifier
/// `typmod` (PQftype/PQfmod), as dlt's reflection gives it:
///   smallint, integer, bigint, oid -> bigint; real, double precision ->
///   double; numeric(p,s) -> decimal with precision p and scale s (no
///   precision for a bare numeric); boolean -> bool; date -> date;
///   timestamp -> timestamp (timezone false), timestamptz -> timestamp
///   (timezone true); time, timetz -> time; json, jsonb -> json; bytea ->
///   binary; everything else (text types, uuid, arrays, intervals, ...) ->
///   text, matching the values PgValueToJson writes.
/// `nullable` is set as given.
schema::ColumnSchema PgColumnSchema(std::string name, std::uint32_t type_oid, int typmod, bool nullable);

/// How the values of a type compare once they are JSON (CursorValue): the
/// kind of cursor value they are, or kUnordered when their JSON form does not
/// sort as the database does (numeric as strings, base64, JSON, arrays...),
/// so the type cannot be an incremental cursor.
enum class CursorOrder : std::uint8_t { kNumber, kString, kBool, kUnordered };
CursorOrder CursorOrderOf(std::uint32_t type_oid);

/// True for text, varchar and bpchar: the cursor comparison and ORDER BY use
/// COLLATE "C" (byte order) on them, the order CursorValue compares strings in.
bool IsCollatableText(std::uint32_t type_oid);

}  // namespace ingestd::extract::sql
