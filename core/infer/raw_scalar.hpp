#pragma once

#include <cstdint>
#include <optional>
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

  /// True when a kNumber lexeme has no fraction and no exponent ("12", "-0"):
  /// an optional '-' and one or more ASCII digits, nothing else.
  bool IsIntegerLexeme() const;

  // Added by the infer module (shared by inference and coercion):

  /// True when a kNumber lexeme is a JSON number: `-?D+(.D+)?([eE][+-]?D+)?`
  /// (leading zeros tolerated).
  bool IsNumberLexeme() const;

  /// A kNumber lexeme as the double Python's float() gives: correctly
  /// rounded; magnitudes below the smallest subnormal become +-0.0. nullopt
  /// when this is not a number lexeme or its magnitude overflows double.
  std::optional<double> NumberAsDouble() const;

  /// An integer lexeme within int64; nullopt otherwise (also for "3.0").
  std::optional<std::int64_t> IntegerAsInt64() const;
};

/// Converts a decimal literal already checked to be `[+-]?D*(.D*)?([eE][+-]?D+)?`
/// with at least one mantissa digit (ASCII only) into the double Python's
/// float() gives: correctly rounded, underflow to +-0.0, nullopt on overflow.
std::optional<double> DecimalLiteralToDouble(std::string_view literal);

}  // namespace ingestd::infer
