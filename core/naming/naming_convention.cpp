#include "core/naming/naming_convention.hpp"

#include <array>
#include <cstdint>

#include "core/common/base64.hpp"
#include "core/common/check.hpp"
#include "core/common/keccak.hpp"

namespace ingestd::naming {
namespace {

// dlt sizes the tag from a 0.001 collision probability:
// int(3 * log2(1 / 0.001) // 8) + 1 = int(29.9 // 8) + 1 = 4 bytes, which is
// 6 base64 characters once the '==' padding is dropped.
constexpr std::size_t kTagBytes = 4;
constexpr std::size_t kTagLength = 6;

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

bool IsPythonSpace(std::uint32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  if (cp < 0x85) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Decodes the well-formed UTF-8 sequence text[pos, pos + len), or returns
// kNotACodePoint when it is not one (so stray bytes never count as space).
constexpr std::uint32_t kNotACodePoint = 0xFFFFFFFF;

std::uint32_t DecodeAt(std::string_view text, std::size_t pos, std::size_t len) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  std::uint32_t cp = 0;
  std::size_t need = 0;
  if (b0 < 0x80) return b0;
  if ((b0 & 0xE0) == 0xC0) {
    cp = b0 & 0x1F;
    need = 2;
  } else if ((b0 & 0xF0) == 0xE0) {
    cp = b0 & 0x0F;
    need = 3;
  } else if ((b0 & 0xF8) == 0xF0) {
    cp = b0 & 0x07;
    need = 4;
  } else {
    return kNotACodePoint;
  }
  if (need != len || pos + len > text.size()) return kNotACodePoint;
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if (!IsContinuationByte(b)) return kNotACodePoint;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms are invalid UTF-8 (E0 80 A0 must not read as a space).
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
    return kNotACodePoint;
  }
  return cp;
}

// Length in bytes of the sequence starting at text[pos] (1 for stray bytes).
std::size_t SequenceLength(std::string_view text, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  std::size_t len = 1;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
  }
  return pos + len <= text.size() ? len : 1;
}

// Python slices and measures str by code points; dlt's identifiers are
// mostly ASCII, but the shortening must still cut on the same boundaries.
std::size_t CodePointCount(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += IsContinuationByte(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

// Byte offset after the first `count` code points.
std::size_t PrefixBytes(std::string_view text, std::size_t count) {
  std::size_t pos = 0;
  while (pos < text.size() && count > 0) {
    ++pos;
    while (pos < text.size() && IsContinuationByte(static_cast<unsigned char>(text[pos]))) ++pos;
    --count;
  }
  return pos;
}

// Byte offset where the last `count` code points start.
std::size_t SuffixStart(std::string_view text, std::size_t count) {
  std::size_t pos = text.size();
  while (pos > 0 && count > 0) {
    --pos;
    while (pos > 0 && IsContinuationByte(static_cast<unsigned char>(text[pos]))) --pos;
    --count;
  }
  return pos;
}

// dlt's make_path: joins the parts that are not whitespace-only with `__`.
std::string JoinPath(std::span<const std::string_view> parts) {
  std::string joined;
  for (const std::string_view part : parts) {
    if (StripWhitespace(part).empty()) continue;
    if (!joined.empty()) joined.append(NamingConvention::kPathSeparator);
    joined.append(part);
  }
  return joined;
}

}  // namespace

std::string_view StripWhitespace(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t len = SequenceLength(text, begin);
    if (!IsPythonSpace(DecodeAt(text, begin, len))) break;
    begin += len;
  }
  std::size_t end = text.size();
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && IsContinuationByte(static_cast<unsigned char>(text[start]))) --start;
    if (!IsPythonSpace(DecodeAt(text, start, end - start))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::string IdentifierTag(std::string_view original) {
  std::array<std::uint8_t, kTagBytes> hash{};
  Shake128(original, hash);
  std::string tag = Base64EncodeUnpadded(
      std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
  for (char& c : tag) {
    if (c == '/') {
      c = 'a';
    } else if (c == '+') {
      c = 'b';
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return tag;
}

std::string ShortenIdentifier(std::string_view normalized, std::string_view original,
                              std::size_t max_length) {
  // Byte length bounds the code point count, so short strings skip counting.
  if (max_length == 0 || normalized.size() <= max_length ||
      CodePointCount(normalized) <= max_length) {
    return std::string(normalized);
  }
  // dlt asserts this too; destination limits are far above 6.
  INGESTD_CHECK(max_length >= kTagLength);
  const std::size_t remaining = max_length - kTagLength;
  const std::size_t head = remaining / 2 + remaining % 2;
  const std::size_t tail = remaining / 2;
  const std::size_t head_bytes = PrefixBytes(normalized, head);
  const std::size_t tail_start = SuffixStart(normalized, tail);
  std::string out;
  out.reserve(head_bytes + kTagLength + (normalized.size() - tail_start));
  out.append(normalized.substr(0, head_bytes));
  out.append(IdentifierTag(original));
  out.append(normalized.substr(tail_start));
  return out;
}

std::string NamingConvention::Shorten(std::string normalized, std::string_view original) const {
  if (max_length_ == 0 || normalized.size() <= max_length_) return normalized;
  return ShortenIdentifier(normalized, original, max_length_);
}

std::string NamingConvention::ShortenFragments(
    std::span<const std::string_view> normalized_parts) const {
  std::string joined = JoinPath(normalized_parts);
  if (max_length() == 0 || joined.size() <= max_length()) return joined;
  return ShortenIdentifier(joined, joined, max_length());
}

std::string NamingConvention::NormalizePath(std::string_view path) const {
  // dlt's break_path: str.split("__") (non-overlapping, left to right), then
  // drop whitespace-only parts; each part is normalized (and shortened) on
  // its own before the whole path is shortened with a tag of `path`.
  std::string joined;
  std::size_t pos = 0;
  while (true) {
    const std::size_t sep = path.find(kPathSeparator, pos);
    const std::string_view part =
        path.substr(pos, sep == std::string_view::npos ? std::string_view::npos : sep - pos);
    if (!StripWhitespace(part).empty()) {
      // make_path drops parts that normalize to whitespace only; so a part is
      // appended only when non-empty and `joined.empty()` means "first part".
      const std::string normalized = NormalizeIdentifier(part);
      if (!StripWhitespace(normalized).empty()) {
        if (!joined.empty()) joined.append(kPathSeparator);
        joined.append(normalized);
      }
    }
    if (sep == std::string_view::npos) break;
    pos = sep + kPathSeparator.size();
  }
  return Shorten(std::move(joined), path);
}

}  // namespace ingestd::naming
