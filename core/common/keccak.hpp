#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ingestd {

/// SHA3-256 and SHAKE128 (FIPS 202), written here so core needs no crypto
/// library: dlt derives row ids (shake_128), identifier tags (shake_128) and
/// schema version hashes (sha3_256) from them, and ingestd must produce the
/// same strings.

/// SHA3-256 digest (32 bytes) of `data`.
std::string Sha3_256(std::string_view data);

/// The first `out.size()` bytes of the SHAKE128 output stream for `data`.
void Shake128(std::string_view data, std::span<std::uint8_t> out);

}  // namespace ingestd
