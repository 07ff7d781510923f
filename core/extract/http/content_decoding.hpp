#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::extract::http {

/// True when DecodeContent understands every coding in a Content-Encoding
/// value ("gzip", "x-gzip", "deflate", "identity", comma-separated).
bool IsSupportedContentEncoding(std::string_view content_encoding);

/// Undoes the codings of a Content-Encoding value, last applied first.
/// "deflate" accepts both the zlib format (RFC 1950, what the RFC means) and
/// raw deflate (RFC 1951, what some servers send); "gzip" accepts
/// concatenated members. Errors: kResourceExhausted when the decoded body
/// would exceed `max_bytes` (checked while inflating, so a small bomb never
/// allocates more than the limit); kDataLoss for corrupt or truncated data;
/// kInvalidArgument for an unsupported coding.
Result<std::string> DecodeContent(std::string_view content_encoding, std::string body, std::size_t max_bytes);

}  // namespace ingestd::extract::http
