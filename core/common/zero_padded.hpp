#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace ingestd {

/// Appends `v` in decimal, its digits left-padded with zeros to at least
/// `width` ("0042", "07"; a negative value gets its '-' before the zeros:
/// "-0042"): the pieces of date and time literals, without snprintf's cost
/// on hot paths.
inline void AppendZeroPadded(std::string& out, std::int64_t v, int width) {
  // The magnitude as unsigned, so that INT64_MIN has one too.
  std::uint64_t magnitude = static_cast<std::uint64_t>(v);
  if (v < 0) {
    out.push_back('-');
    magnitude = ~magnitude + 1;
  }
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), magnitude);
  (void)ec;  // 24 bytes hold any uint64
  for (auto n = end - buf; n < width; ++n) out.push_back('0');
  out.append(buf, end);
}

/// Appends "HH:MM:SS[.ffffff]" for `micros` microseconds since midnight (not
/// negative; hours beyond 99 get more digits): the time-of-day part of the
/// destinations' date and time literals. The fraction is left out when 0.
inline void AppendTimeOfDay(std::string& out, std::int64_t micros) {
  const std::int64_t seconds = micros / 1'000'000;
  const std::int64_t fraction = micros % 1'000'000;
  AppendZeroPadded(out, seconds / 3600, 2);
  out.push_back(':');
  AppendZeroPadded(out, seconds / 60 % 60, 2);
  out.push_back(':');
  AppendZeroPadded(out, seconds % 60, 2);
  if (fraction != 0) {
    out.push_back('.');
    AppendZeroPadded(out, fraction, 6);
  }
}

}  // namespace ingestd
