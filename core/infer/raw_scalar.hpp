#pragma once

#include <cstdint>
#include <string_view>

namespace ingestd::infer {

/// What a JSON leaf looked like in the input, before typing. Numbers keep
/// their exact lexeme (the parser runs with numbers-as-strings) so that
/// integers beyond 64 bits and decimals lose no precision.
enum class ScalarKind : std::uint8_t {
  kString,  // text = the decoded UTF-8 string
  kNumber,  // text = the JSON number lexeme, e.g. "-12", "3.0", "1e+16"
  kBool,    // bool_value
  kJson,    // text = compact JSON of an object or array kept whole (json column)
};

struct RawScalar {
  ScalarKind kind = ScalarKind::kString;
  bool bool_value = false;
  std::string_view text;

  static RawScalar String(std::string_view s) { return {ScalarKind::kString, false, s}; }
  static RawScalar Number(std::string_view lexeme) { return {ScalarKind::kNumber, false, lexeme}; }
  static RawScalar Bool(bool b) { return {ScalarKind::kBool, b, {}}; }
  static RawScalar Json(std::string_view json) { return {ScalarKind::kJson, false, json}; }

  /// True when a kNumber lexeme has no fraction and no exponent ("12", "-0").
  bool IsIntegerLexeme() const;
};

}  // namespace ingestd::infer
