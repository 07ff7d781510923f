#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace ingestd {

/// Appends `v` (not negative) in decimal, left-padded with zeros to at
/// least `width` digits: the pieces of date and time literals ("0042",
/// "07"), without snprintf's cost on hot paths.
inline void AppendZeroPadded(std::string& out, std::int64_t v, int width) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;  // 24 bytes hold any int64
  for (auto n = end - buf; n < width; ++n) out.push_back('0');
  out.append(buf, end);
}

}  // namespace ingestd
