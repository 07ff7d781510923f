#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json/rapidjson.hpp"

namespace ingestd::extract::sql {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

/// Writes one non-NULL value, given as PostgreSQL's text output (DateStyle
/// ISO, TimeZone UTC, bytea_output hex), as the JSON value the sql source
/// documents (sql_source.hpp): integers as numbers; real/double as numbers
/// (NaN, ±Infinity -> null); numeric as a string of its exact digits (NaN,
/// ±Infinity -> null); boolean; date as is; timestamp/timestamptz/time/timetz
/// as ISO 8601 (PgDateTimeToIso); json/jsonb embedded compactly (numbers
/// keep their digits; text the parser refuses is written as a string);
/// bytea as base64; everything else as a string of its text form.
void WritePgValue(JsonWriter& writer, std::uint32_t type_oid, std::string_view text);

/// "2024-01-02 03:04:05.12+00" -> "2024-01-02T03:04:05.120000+00:00": the
/// space becomes 'T', a fraction is padded to microseconds (as Python's
/// isoformat writes it, and so that values sort byte-wise in time order),
/// an hour-only offset gets ":00". Also for times ("03:04:05.5" ->
/// "03:04:05.500000"). Text of another shape ("infinity", BC dates) is
/// returned unchanged.
std::string PgDateTimeToIso(std::string_view text);

/// bytea hex output ("\x0aff") -> the bytes; nullopt when it is not that.
std::optional<std::string> PgByteaHexToBytes(std::string_view text);

}  // namespace ingestd::extract::sql
