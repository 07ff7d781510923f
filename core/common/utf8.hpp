#pragma once

#include <cstddef>
#include <string_view>

namespace ingestd {

/// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates
/// (U+D800..U+DFFF), nothing above U+10FFFF. Returns the offset of the first
/// invalid byte, or `text.size()` when all of it is valid. ASCII runs are
/// checked eight bytes at a time: most JSON text is ASCII, and this runs on
/// every string the normalizer sees.
std::size_t FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return FindInvalidUtf8(text) == text.size(); }

}  // namespace ingestd
