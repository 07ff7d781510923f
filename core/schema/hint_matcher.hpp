#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/schema/column_schema.hpp"
#include "core/schema/schema.hpp"

namespace ingestd::schema {

/// The schema's `default_hints` and `preferred_types` compiled once, applied
/// to the name of each new column (dlt's `_infer_hint` and
/// `get_preferred_type`). A pattern with the `re:` prefix is a regular
/// expression searched in the name (dlt uses re.match; our patterns anchor
/// with ^ as dlt's do); any other pattern must equal the whole name.
class HintMatcher {
 public:
  static Result<HintMatcher> Create(const SchemaSettings& settings);

  /// True when the default hint `hint_name` ("not_null", "unique", ...) matches.
  bool Matches(std::string_view hint_name, std::string_view column) const;

  /// The preferred type for a column name, if a rule matches (first wins).
  std::optional<DataType> PreferredType(std::string_view column) const;

  /// Sets nullable and the boolean hints a new column gets from the default
  /// hints (only non-default values, as dlt does).
  void ApplyDefaultHints(ColumnSchema& column) const;

 private:
  struct Pattern {
    std::string exact;
    std::optional<std::regex> regex;
    bool Matches(std::string_view name) const;
  };
  static Result<Pattern> Compile(const std::string& pattern);

  std::vector<std::pair<std::string, std::vector<Pattern>>> hints_;
  std::vector<std::pair<Pattern, DataType>> preferred_;
};

}  // namespace ingestd::schema
