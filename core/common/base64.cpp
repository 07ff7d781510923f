#include "core/common/base64.hpp"

#include <array>
#include <cstdint>

namespace ingestd {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t kInvalid = 0xFF;

constexpr std::array<std::uint8_t, 256> MakeDecodeTable() {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecodeTable = MakeDecodeTable();

// Appends the encoding of `bytes` to `out`, with or without '=' padding.
void EncodeInto(std::string_view bytes, bool pad, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  out.reserve(out.size() + (n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 0x3F]);
    out.push_back(kAlphabet[(v >> 12) & 0x3F]);
    out.push_back(kAlphabet[(v >> 6) & 0x3F]);
    out.push_back(kAlphabet[v & 0x3F]);
  }
  const std::size_t rest = n - i;
  if (rest == 0) return;
  std::uint32_t v = std::uint32_t{p[i]} << 16;
  if (rest == 2) v |= std::uint32_t{p[i + 1]} << 8;
  out.push_back(kAlphabet[(v >> 18) & 0x3F]);
  out.push_back(kAlphabet[(v >> 12) & 0x3F]);
  if (rest == 2) {
    out.push_back(kAlphabet[(v >> 6) & 0x3F]);
  } else if (pad) {
    out.push_back('=');
  }
  if (pad) out.push_back('=');
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  EncodeInto(bytes, /*pad=*/true, out);
  return out;
}

std::string Base64EncodeUnpadded(std::string_view bytes) {
  std::string out;
  EncodeInto(bytes, /*pad=*/false, out);
  return out;
}

std::optional<std::string> Base64DecodeStrict(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
  }
  const std::size_t data_chars = text.size() - padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const std::uint8_t v = kDecodeTable[static_cast<unsigned char>(text[i])];
    // Also rejects '=' before the final padding and whitespace.
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Strict also means canonical: the bits left over after the last full byte
  // must be zero, so that every byte string has exactly one accepted
  // encoding. (Python's b64decode(validate=True) does not check this.)
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace ingestd
