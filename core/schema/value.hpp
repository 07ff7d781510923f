#pragma once

#include <cstdint>
#include <string_view>

#include "core/schema/data_type.hpp"

namespace ingestd::schema {

/// A typed, non-null cell value as the normalizer hands it to writers.
/// Nulls are not represented: a row simply has no cell for that column.
///
/// Representation per type:
///   bigint            int_value
///   double            double_value
///   bool              bool_value
///   timestamp         int_value = microseconds since 1970-01-01T00:00:00Z (UTC)
///   date              int_value = days since 1970-01-01
///   time              int_value = microseconds since midnight
///   text, json        text (UTF-8; json is compact JSON text)
///   decimal, wei      text = canonical decimal literal ("-12.340", no exponent)
///   binary            text = the raw bytes
/// `text` points into storage owned by whoever produced the value (a
/// NormalizedBatch's arena); it stays valid until that owner is cleared.
struct Value {
  DataType type = DataType::kText;
  union {
    std::int64_t int_value = 0;
    double double_value;
    bool bool_value;
  };
  std::string_view text;

  static Value Bigint(std::int64_t v) { Value x; x.type = DataType::kBigint; x.int_value = v; return x; }
  static Value Double(double v) { Value x; x.type = DataType::kDouble; x.double_value = v; return x; }
  static Value Bool(bool v) { Value x; x.type = DataType::kBool; x.bool_value = v; return x; }
  static Value Timestamp(std::int64_t micros) { Value x; x.type = DataType::kTimestamp; x.int_value = micros; return x; }
  static Value Date(std::int64_t days) { Value x; x.type = DataType::kDate; x.int_value = days; return x; }
  static Value Time(std::int64_t micros) { Value x; x.type = DataType::kTime; x.int_value = micros; return x; }
  static Value Text(DataType type, std::string_view s) { Value x; x.type = type; x.text = s; return x; }
};

}  // namespace ingestd::schema
