#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ingestd::schema {

/// dlt's data types (schema engine 11). The string names are the ones dlt
/// stores in schemas ("bigint", "json", ...).
enum class DataType : std::uint8_t {
  kText,
  kDouble,
  kBool,
  kTimestamp,
  kBigint,
  kBinary,
  kJson,
  kDecimal,
  kWei,
  kDate,
  kTime,
};

inline constexpr int kDataTypeCount = 11;

/// "text", "double", ... as dlt writes them.
std::string_view DataTypeName(DataType type);

/// Parses a dlt type name; "complex" is accepted as the legacy name of json.
std::optional<DataType> ParseDataType(std::string_view name);

/// The suffix dlt uses for a variant column of this type: `<col>__v_<name>`.
inline std::string_view VariantSuffix(DataType type) { return DataTypeName(type); }

}  // namespace ingestd::schema
