#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ingestd {

/// dlt's digest128: base64 (unpadded) of the first `length` bytes of
/// SHAKE128(`data`). Length 10 gives the 14-character `_dlt_id`.
std::string Digest128(std::string_view data, std::size_t length = 15);

/// dlt's digest256: base64 (padded) of SHA3-256(`data`); schema version hashes.
std::string Digest256(std::string_view data);

}  // namespace ingestd
