#pragma once

#include <optional>

#include "core/common/string_arena.hpp"
#include "core/infer/raw_scalar.hpp"
#include "core/schema/data_type.hpp"
#include "core/schema/value.hpp"

namespace ingestd::infer {

/// The column properties a coercion must respect.
struct TargetType {
  schema::DataType data_type = schema::DataType::kText;
  int precision = -1;  // decimal: total digits (default 38); -1 = type default
  int scale = -1;      // decimal: digits after the point (default 9); -1 = type default
  bool timezone = true;
};

/// Converts `raw` into a value of `target`, following dlt's coercion table
/// (dlt/common/data_types/type_helpers.py `_COERCE_DISPATCH` and
/// `coerce_value`, reference §3). Returns nullopt when dlt would not coerce
/// (the caller then writes a variant column), and also where ingestd refuses
/// a value dlt would pass on to a load that fails (marked "ingestd" below).
/// Pure and thread-compatible (the arena is not); throws only std::bad_alloc.
///
/// Ownership: the result's `text` aliases `raw.text` when the value is the
/// input unchanged (a string to text, json to json or text, an integer
/// lexeme already canonical), points to static storage ("True", "False",
/// "0"), or else is stored in `arena`. `raw.text` must outlive the result.
///
/// The source type is what dlt's JSON parsing yields: a string is text, an
/// integer lexeme is bigint (any size), any other number is double.
///   text      strings as-is; integers as Python str(int) ("-0" -> "0");
///             other numbers as Python repr(float) ("1e+16", "3.0", "1e-05");
///             a number beyond double range keeps its lexeme (dlt: "inf");
///             bools "True"/"False"; json its own text.
///   json      json as-is; a string holding any JSON value (scalars and
///             "null" too, like json.loads) re-emitted compactly with number
///             lexemes kept; strict JSON (no NaN), no numbers beyond double
///             range (RapidJSON refuses them). Numbers and bools: no dlt rule.
///   bigint    integer lexemes within int64 (ingestd: larger ones refused);
///             other numbers when integral within int64 via the double
///             ("3.0" -> 3, "3.5" no); strings by Python int() after strip(),
///             "0x" + int(rest, 16). Not bools.
///   double    numbers within double range (underflow gives 0.0); strings by
///             Python float() after strip(), "0x" hex allowed. Never NaN or
///             inf (ingestd: float("nan"), float("1e400") refused).
///   decimal,  numbers from their exact lexeme (ingestd: dlt goes through
///   wei       the double); strings by Python Decimal() after strip(), "0x"
///             hex allowed, underscores ignored, NaN/Infinity refused.
///             Rounded to `scale` half away from zero (PostgreSQL's numeric
///             rounding), then refused when |value| >= 10^(precision-scale),
///             so a coerced value can never fail the load. Precision and scale
///             default independently (dlt): decimal 38 and 9, wei 156 and 78
///             (dlt's PostgreSQL wei type); precision must be 1..1000, scale
///             0..1000. Canonical text: no exponent, no "-0"; decimal has
///             exactly `scale` fractional digits ("0.50" in numeric(10,2), as
///             PostgreSQL prints it), wei drops trailing fractional zeros.
///             Wei outside dlt's BigQuery bound [-578960446186580977117854925043439539267,
///             578960446186580977117854925043439539266] is refused (dlt moves it
///             to a `__v_str` variant).
///   bool      numbers by truthiness (0, -0, 0.0, 1e-400 false); strings by
///             dlt's str2bool: yes/true/t/y/1, no/false/f/n/0, ASCII
///             case-insensitive, no trimming.
///   timestamp numbers as unix seconds, the fraction rounded half-to-even to
///             microseconds (Python's utcfromtimestamp); strings that are an
///             ISO date-time, an ISO date (midnight UTC), else Python float()
///             unix seconds; a time alone is refused. Years 0001..9999 only.
///             `timezone` does not change the value (always UTC micros).
///   date      as timestamp, then the UTC calendar date.
///   time      strings that are a time alone (an offset shifts it to UTC).
///   binary    strings "0x" + hex (bytes.fromhex: whitespace between pairs) or
///             strict base64 (Python 3.12.4+ binascii strict mode; leftover
///             bits ignored); non-negative integer lexemes as minimal
///             little-endian bytes (int.to_bytes), "0" -> empty.
/// Python accepts non-ASCII (Unicode) digits in int()/float()/Decimal();
/// ingestd accepts ASCII digits only. Whitespace stripping follows Python's
/// str.strip() (ASCII and Unicode spaces).
std::optional<schema::Value> Coerce(const RawScalar& raw, const TargetType& target,
                                    StringArena& arena);

}  // namespace ingestd::infer
