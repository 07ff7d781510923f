#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::extract::rest {

/// The JSONPath subset REST configs use for data selectors and paginator
/// paths (dlt's jsonpath-ng usage): `$` (the root, optional at the start),
/// `.name` and `name` (dotted, as in `cursors.next`), `['name']` /
/// `["name"]` (any characters), `[n]` (array index, negative from the end),
/// `[*]` and `.*` (every element or member), `..name` (recursive descent).
/// A relative path may also start with a bracket (`['a.b'].c`), and `.[n]`
/// is read as `[n]` (jsonpath-ng writes full paths so: `items.[0].id`).
class JsonPath {
 public:
  /// Errors (kInvalidArgument) quote the path and the offset of the mistake.
  static Result<JsonPath> Parse(std::string_view text);

  /// Every match, in document order.
  std::vector<const rapidjson::Value*> Find(const rapidjson::Value& root) const;
  /// The first match, or null.
  const rapidjson::Value* FindFirst(const rapidjson::Value& root) const;
  /// Sets the value at this path in `root`, creating objects on the way
  /// (for paginators writing into a JSON request body). Only for paths of
  /// plain names (no wildcards, indexes or descent): kInvalidArgument otherwise.
  Status Set(rapidjson::Value& root, rapidjson::Value value, rapidjson::Document::AllocatorType& allocator) const;

  /// True for `$` alone (the whole document).
  bool IsRoot() const { return steps_.empty(); }
  const std::string& text() const { return text_; }

 private:
  struct Step {
    enum class Kind { kName, kIndex, kWildcard, kDescend } kind;
    std::string name;
    long index = 0;
  };
  std::string text_;
  std::vector<Step> steps_;
};

}  // namespace ingestd::extract::rest
