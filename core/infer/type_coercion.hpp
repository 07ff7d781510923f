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
/// (dlt/common/data_types/type_helpers.py, reference §3). Returns nullopt when
/// dlt would not coerce (the caller then writes a variant column). Strings a
/// new value needs (e.g. a number rendered as text) are stored in `arena`.
///
/// Highlights: anything -> text; text -> bigint/double/decimal/wei (trimmed,
/// `0x` hex allowed for integers), -> bool, -> json (valid JSON), -> binary
/// (`0x` hex or strict base64), -> timestamp/date/time (ISO parsing);
/// integral numbers <-> bigint, numbers -> double/decimal/wei/bool;
/// bigint/double -> timestamp (unix seconds); timestamp string -> date.
/// Not coercible e.g. bool -> bigint. Decimals that do not fit the target's
/// precision/scale are not coerced (so they cannot fail a later load).
std::optional<schema::Value> Coerce(const RawScalar& raw, const TargetType& target,
                                    StringArena& arena);

}  // namespace ingestd::infer
