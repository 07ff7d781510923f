#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ingestd::naming {

/// How source identifiers become destination identifiers (dlt's naming
/// conventions). Tables and columns use the same rules; `__` separates the
/// parts of a path (parent table and nested table, parent field and child
/// field).
///
/// Implementations are immutable and safe to share between threads.
class NamingConvention {
 public:
  static constexpr std::string_view kPathSeparator = "__";

  /// `max_length` is the destination's identifier limit (63 for PostgreSQL);
  /// 0 means unlimited.
  explicit NamingConvention(std::size_t max_length) : max_length_(max_length) {}
  virtual ~NamingConvention() = default;

  /// Convention name as stored in a schema (`snake_case`).
  virtual std::string_view Name() const = 0;

  /// Normalizes and shortens one identifier. Surrounding whitespace is
  /// stripped first; the caller must not pass an empty or whitespace-only
  /// identifier (the normalizer maps those to `_empty` before calling).
  virtual std::string NormalizeIdentifier(std::string_view identifier) const = 0;

  /// Splits `path` on `__` (dropping whitespace-only parts), normalizes each
  /// part, joins them with `__` and shortens the whole, with the tag computed
  /// from the original `path`. Used for keys and table names that may contain
  /// `__` themselves.
  std::string NormalizePath(std::string_view path) const;

  /// Joins already-normalized parts with `__` and shortens the result (tag
  /// computed from the joined string). dlt's shorten_fragments.
  std::string ShortenFragments(std::span<const std::string_view> normalized_parts) const;

  /// Shortens `normalized` to max_length() when it is longer: head + 6-char
  /// tag derived from `original` + tail (dlt's shorten_identifier).
  std::string Shorten(std::string normalized, std::string_view original) const;

  std::size_t max_length() const { return max_length_; }

 private:
  std::size_t max_length_;
};

/// dlt's shortening, exposed for tests: if `normalized.size() > max_length`
/// (and max_length > 0) returns head(ceil((max-6)/2)) + tag + tail(floor((max-6)/2)),
/// where tag = lower(base64(shake128(original)[0:4]) without '=', '/'->'a', '+'->'b').
std::string ShortenIdentifier(std::string_view normalized, std::string_view original,
                              std::size_t max_length);

/// The 6-character tag above.
std::string IdentifierTag(std::string_view original);

/// `text` without leading and trailing whitespace as Python's `str.strip()`
/// sees it: ASCII whitespace plus 0x1C-0x1F and the Unicode space and line
/// separators (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
/// U+205F, U+3000), decoded from UTF-8. Invalid UTF-8 is never whitespace.
std::string_view StripWhitespace(std::string_view text);

}  // namespace ingestd::naming
