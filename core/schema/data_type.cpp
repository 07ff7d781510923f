#include "core/schema/data_type.hpp"

#include <array>

namespace ingestd::schema {
namespace {

constexpr std::array<std::string_view, kDataTypeCount> kNames = {
    "text", "double", "bool", "timestamp", "bigint", "binary",
    "json", "decimal", "wei", "date", "time",
};

}  // namespace

std::string_view DataTypeName(DataType type) { return kNames[static_cast<std::size_t>(type)]; }

std::optional<DataType> ParseDataType(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<DataType>(i);
  }
  if (name == "complex") return DataType::kJson;
  return std::nullopt;
}

}  // namespace ingestd::schema
