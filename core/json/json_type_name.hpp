#pragma once

#include <string_view>

#include "core/json/rapidjson.hpp"

namespace ingestd {

/// "null", "a boolean", "a number", "a string", "an array", "an object":
/// how error messages name the JSON type a value actually has.
inline std::string_view JsonTypeName(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsArray()) return "an array";
  return "an object";
}

}  // namespace ingestd
