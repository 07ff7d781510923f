#pragma once

#include <string>
#include <string_view>

namespace ingestd::testing {

/// zlib-compresses `data` with the given window bits: 15 + 16 = 31 for a
/// gzip member (what `.gz` files and Content-Encoding: gzip hold), 15 for
/// the zlib format, -15 for raw deflate. Aborts on a zlib failure (tests).
std::string Deflate(std::string_view data, int window_bits, int level = -1);

/// One gzip member of `data`.
inline std::string Gzip(std::string_view data) { return Deflate(data, 31); }

}  // namespace ingestd::testing
