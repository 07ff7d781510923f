#pragma once

// Private helpers of the worker wire format (normalize_job.cpp and the
// worker pool): exact number parsing and field readers that name the field
// in every error. Not part of the workers API.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::workers::wire {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

/// Parses `text` into `doc` without recursion, refusing nesting deeper than
/// 128 levels (the DOM is walked recursively afterwards). Numbers are
/// converted with std::from_chars, so uint64 values and doubles written by
/// WriteDouble come back exactly; strings are taken as bytes (no UTF-8
/// check), as the writer wrote them. kInvalidArgument naming `what` on
/// failure.
Status ParseExact(rapidjson::Document& doc, std::string_view text, std::string_view what);

/// Writes `value` in its shortest round-trip form (std::to_chars); a
/// non-finite value is written as null (which readers refuse).
void WriteDouble(JsonWriter& w, double value);
void WriteKey(JsonWriter& w, std::string_view key);
void WriteString(JsonWriter& w, std::string_view value);

/// Reads the members of one JSON object: each getter names the field
/// ("<path>.<key>") in its error; Finish() refuses keys nobody asked for,
/// since an unknown key means the two sides disagree on the format.
class ObjectReader {
 public:
  /// kInvalidArgument when `v` is not an object.
  static Result<ObjectReader> Create(const rapidjson::Value& v, std::string path);

  Result<std::string> String(std::string_view key);
  Result<std::uint64_t> Uint64(std::string_view key);
  Result<double> Double(std::string_view key);
  Result<const rapidjson::Value*> Object(std::string_view key);
  Result<const rapidjson::Value*> Array(std::string_view key);
  /// Null when the key is absent (any type).
  const rapidjson::Value* Optional(std::string_view key);
  Status Finish() const;

  /// "<path>.<key>".
  std::string PathOf(std::string_view key) const;
  const std::string& path() const { return path_; }

 private:
  ObjectReader(const rapidjson::Value& v, std::string path) : v_(&v), path_(std::move(path)) {}
  Result<const rapidjson::Value*> Required(std::string_view key);

  const rapidjson::Value* v_;
  std::string path_;
  std::vector<std::string> seen_;
};

/// kInvalidArgument "<path>: expected <expected>, got <type>".
Error WrongType(std::string_view path, std::string_view expected, const rapidjson::Value& v);

/// The compact JSON text of `v`.
std::string ToJsonText(const rapidjson::Value& v);

}  // namespace ingestd::workers::wire
