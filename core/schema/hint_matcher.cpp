#include "core/schema/hint_matcher.hpp"

namespace ingestd::schema {

bool HintMatcher::Pattern::Matches(std::string_view name) const {
  if (!regex) return exact == name;
  // dlt compiles simple regexes and calls re.match, which anchors at the start.
  return std::regex_search(name.begin(), name.end(), *regex, std::regex_constants::match_continuous);
}

Result<HintMatcher::Pattern> HintMatcher::Compile(const std::string& pattern) {
  Pattern p;
  if (pattern.rfind("re:", 0) == 0) {
    try {
      p.regex.emplace(pattern.substr(3), std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return InvalidArgument("invalid regular expression '" + pattern + "': " + e.what());
    }
  } else {
    p.exact = pattern;
  }
  return p;
}

Result<HintMatcher> HintMatcher::Create(const SchemaSettings& settings) {
  HintMatcher m;
  for (const auto& [hint, patterns] : settings.default_hints) {
    std::vector<Pattern> compiled;
    for (const auto& pattern : patterns) {
      INGESTD_ASSIGN_OR_RETURN(Pattern p, Compile(pattern));
      compiled.push_back(std::move(p));
    }
    m.hints_.emplace_back(hint, std::move(compiled));
  }
  for (const auto& [pattern, type] : settings.preferred_types) {
    INGESTD_ASSIGN_OR_RETURN(Pattern p, Compile(pattern));
    m.preferred_.emplace_back(std::move(p), type);
  }
  return m;
}

bool HintMatcher::Matches(std::string_view hint_name, std::string_view column) const {
  for (const auto& [hint, patterns] : hints_) {
    if (hint != hint_name) continue;
    for (const auto& p : patterns) {
      if (p.Matches(column)) return true;
    }
  }
  return false;
}

std::optional<DataType> HintMatcher::PreferredType(std::string_view column) const {
  for (const auto& [pattern, type] : preferred_) {
    if (pattern.Matches(column)) return type;
  }
  return std::nullopt;
}

void HintMatcher::ApplyDefaultHints(ColumnSchema& column) const {
  column.nullable = !Matches("not_null", column.name);
  for (int i = 0; i < kColumnHintCount; ++i) {
    auto hint = static_cast<ColumnHint>(i);
    if (Matches(ColumnHintName(hint), column.name)) column.SetHint(hint, true);
  }
}

}  // namespace ingestd::schema
