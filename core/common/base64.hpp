#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ingestd {

/// Standard base64 (RFC 4648 alphabet with '+' and '/'), '=' padding kept.
std::string Base64Encode(std::string_view bytes);

/// Standard base64 without the trailing '=' padding (how dlt writes ids).
std::string Base64EncodeUnpadded(std::string_view bytes);

/// Strict decoding of standard base64 (padding required when length is not a
/// multiple of 4; no whitespace). nullopt when `text` is not valid base64.
std::optional<std::string> Base64DecodeStrict(std::string_view text);

}  // namespace ingestd
