#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/schema/data_type.hpp"
#include "core/schema/value.hpp"

namespace ingestd::destinations::postgres {

/// PostgreSQL's binary COPY format
/// (https://www.postgresql.org/docs/15/sql-copy.html "Binary Format"):
///
///   header   "PGCOPY\n\377\r\n\0", int32 flags 0, int32 extension length 0
///   row      int16 field count, then per field int32 length (-1 = NULL) and
///            that many bytes: the type's binary send/receive representation
///   trailer  int16 -1
///
/// All integers are in network byte order (big endian). A binary COPY stream
/// must match the column types exactly (the server does not convert): each
/// value is encoded for the column type PgTypeName() gives for `v.type`, and
/// the server's receive function applies the column's type modifier
/// (varchar length, numeric precision/scale, timestamp precision) just as the
/// text input function does, so both formats store identical values.
///
/// Per data type (the receive function that reads it):
///   bigint     int8_recv      8-byte two's complement
///   double     float8_recv    IEEE 754 bits
///   bool       boolrecv       1 byte, 0 or 1
///   timestamp  timestamp(tz)_recv  int64 microseconds since 2000-01-01
///                             00:00:00 UTC (the Value holds microseconds since
///                             1970: 946'684'800'000'000 apart)
///   date       date_recv      int32 days since 2000-01-01 (10'957 days after
///                             1970-01-01)
///   time       time_recv      int64 microseconds since midnight
///   text       varchar_recv   the UTF-8 bytes
///   json       jsonb_recv     version byte 1, then the JSON text
///   binary     bytearecv      the raw bytes
///   decimal,   numeric_recv   int16 ndigits, int16 weight, uint16 sign
///   wei                       (0x0000 +, 0x4000 -, 0xC000 NaN, 0xD000
///                             Infinity, 0xF000 -Infinity), int16 dscale, then
///                             ndigits base-10000 digits, most significant
///                             first; converted exactly from the decimal text
///                             (see AppendBinaryNumeric)
///
/// Typical use, one COPY stream:
///
///   std::string out;
///   AppendBinaryCopyHeader(out);
///   AppendBinaryRowStart(out, 2);
///   INGESTD_TRY(AppendBinaryCopyValue(out, schema::Value::Bigint(1)));
///   AppendBinaryNull(out);
///   AppendBinaryCopyTrailer(out);

/// The 19 bytes every binary COPY stream starts with.
inline constexpr std::string_view kBinaryCopyHeader{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};

/// Appends kBinaryCopyHeader.
void AppendBinaryCopyHeader(std::string& out);

/// Appends the trailer (int16 -1) that ends the stream.
void AppendBinaryCopyTrailer(std::string& out);

/// Appends a row's field count; the fields follow.
void AppendBinaryRowStart(std::string& out, std::uint16_t field_count);

/// Appends a NULL field (length -1).
void AppendBinaryNull(std::string& out);

/// Appends one non-NULL field (length and bytes) for `v`. Errors
/// (kInvalidArgument, `out` unchanged, the message ending in the SQLSTATE the
/// server reports for the same condition) for values PostgreSQL would refuse
/// in either format and that the binary form cannot carry faithfully: a date
/// or timestamp overflowing its int32/int64 field or landing on its bounds
/// (which binary COPY reads as -infinity/infinity), a time outside
/// 00:00:00..24:00:00, a decimal text numeric_in would not accept or whose
/// digits exceed the binary format's int16 fields. Other out-of-range dates
/// and timestamps are left to the server, which refuses them as it refuses
/// their text.
Status AppendBinaryCopyValue(std::string& out, const schema::Value& v);

/// Appends the numeric_send representation (without the length prefix) of
/// a decimal literal: [+-]digits[.digits][e[+-]digits], ".5" and "5." too, or
/// NaN / Infinity / -Infinity (case-insensitive). dscale is the number of
/// fraction digits as written (minus the exponent, at least 0), as numeric_in
/// computes it, so trailing zeros and the column's rounding behave the same.
Status AppendBinaryNumeric(std::string& out, std::string_view decimal);

/// Whether values of `type` have a binary encoding here (all our types do;
/// kept so that a type added later defaults to the text format).
bool HasBinaryCopyEncoding(schema::DataType type);

/// Which COPY format a table is loaded with.
enum class CopyFormat : std::uint8_t { kText, kBinary };

/// The format for a table with these column types: binary when every type
/// has a binary encoding and binary COPY was measured to cost the server
/// less for it than text (docs/destinations.md has the numbers), text
/// otherwise.
CopyFormat ChooseCopyFormat(std::span<const schema::DataType> column_types);

}  // namespace ingestd::destinations::postgres
