#pragma once

#include <cstdint>

#include "core/infer/raw_scalar.hpp"
#include "core/schema/data_type.hpp"

namespace ingestd::infer {

/// Which of dlt's type detectors run on new columns (schema
/// `settings.detections`). dlt's default list is ["iso_timestamp"].
struct DetectionSettings {
  bool iso_timestamp = true;   // string parsing as an ISO 8601 date-time -> timestamp
  bool iso_date = false;       // string that is an ISO date (and not a date-time) -> date
  bool timestamp = false;      // number within +-5 years of `now_unix_seconds` -> timestamp
  bool large_integer = false;  // integer > int64 max: -> wei, beyond ~5.79e38 -> text
  /// "Now" for the `timestamp` detector. An input, so inference stays pure.
  double now_unix_seconds = 0;
};

/// The type a new column gets from its first value (dlt's py_type_to_sc_type
/// plus detections):
///   bool -> bool; string -> detectors, else text; json -> json;
///   integer lexeme in int64 -> bigint (or timestamp by the `timestamp` detector);
///   integer lexeme beyond int64 -> ingestd's documented choice (see
///     docs/compat.md): decimal when it has at most 29 digits (fits numeric(38,9)),
///     else text; with `large_integer` on, dlt's wei / text for positive values
///     (dlt leaves negative ones bigint, which cannot load; ingestd keeps its rule);
///   other numbers -> double (underflow is 0.0, still double); a number that
///     overflows double -> text (keeps the lexeme);
///   a kNumber whose text is not a JSON number -> text.
/// Strings: the detectors use ParseIsoLike (timestamp_detection.hpp); the
/// empty string is text. iso_date types only dates, never date-times, even
/// when iso_timestamp is off (as dlt's is_iso_date).
schema::DataType InferDataType(const RawScalar& value, const DetectionSettings& settings);

}  // namespace ingestd::infer
