#include "core/common/digest.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/common/base64.hpp"
#include "core/common/keccak.hpp"

namespace ingestd {

std::string Digest128(std::string_view data, std::size_t length) {
  // Row ids are computed per nested row, so the usual lengths (10 and 15
  // bytes) stay on the stack.
  std::array<std::uint8_t, 64> small;
  std::vector<std::uint8_t> large;
  std::span<std::uint8_t> out;
  if (length <= small.size()) {
    out = std::span<std::uint8_t>(small.data(), length);
  } else {
    large.resize(length);
    out = large;
  }
  Shake128(data, out);
  return Base64EncodeUnpadded(
      std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

std::string Digest256(std::string_view data) { return Base64Encode(Sha3_256(data)); }

}  // namespace ingestd
