#include "tests/support/compression.hpp"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>

namespace ingestd::testing {

std::string Deflate(std::string_view data, int window_bits, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::fprintf(stderr, "Deflate: deflateInit2 failed\n");
    std::abort();
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    std::fprintf(stderr, "Deflate: deflate failed (%d)\n", rc);
    std::abort();
  }
  out.resize(zs.total_out);
  return out;
}

}  // namespace ingestd::testing
