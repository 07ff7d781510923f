#include "core/common/keccak.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>

namespace ingestd {
namespace {

constexpr int kLanes = 25;
constexpr int kRounds = 24;

// Keccak-f[1600] constants, derived at compile time from their definitions in
// FIPS 202 (section 3.2) rather than typed in, so a transcription slip cannot
// hide in a table of 24 hex literals.

// rc(t): the output bit of the degree-8 LFSR used by the iota step.
constexpr bool RcBit(int t) {
  if (t % 255 == 0) return true;
  unsigned r = 0x01;
  for (int i = 1; i <= t % 255; ++i) {
    r <<= 1;
    if (r & 0x100) r ^= 0x171;  // x^8 + x^6 + x^5 + x^4 + 1
  }
  return (r & 1) != 0;
}

constexpr std::array<std::uint64_t, kRounds> MakeRoundConstants() {
  std::array<std::uint64_t, kRounds> rc{};
  for (int round = 0; round < kRounds; ++round) {
    std::uint64_t value = 0;
    for (int j = 0; j <= 6; ++j) {
      if (RcBit(j + 7 * round)) value |= std::uint64_t{1} << ((1 << j) - 1);
    }
    rc[round] = value;
  }
  return rc;
}

// For lane (x, y) at index x + 5y: its rho rotation and where pi moves it.
struct RhoPi {
  std::array<int, kLanes> rotation{};
  std::array<int, kLanes> destination{};
};

constexpr RhoPi MakeRhoPi() {
  RhoPi rp{};
  int x = 1;
  int y = 0;
  for (int t = 0; t < 24; ++t) {
    rp.rotation[x + 5 * y] = ((t + 1) * (t + 2) / 2) % 64;
    const int next_y = (2 * x + 3 * y) % 5;
    x = y;
    y = next_y;
  }
  for (int lx = 0; lx < 5; ++lx) {
    for (int ly = 0; ly < 5; ++ly) {
      // pi: A'[x, y] = A[x + 3y, x], i.e. lane (x, y) moves to (y, 2x + 3y).
      rp.destination[lx + 5 * ly] = ly + 5 * ((2 * lx + 3 * ly) % 5);
    }
  }
  return rp;
}

constexpr std::array<std::uint64_t, kRounds> kRoundConstants = MakeRoundConstants();
constexpr RhoPi kRhoPi = MakeRhoPi();

// Spot checks against the published values (first and last round constants,
// lane (1, 0) rotated by 1 and lane (4, 4) by 14).
static_assert(kRoundConstants[0] == 0x0000000000000001ULL);
static_assert(kRoundConstants[1] == 0x0000000000008082ULL);
static_assert(kRoundConstants[23] == 0x8000000080008008ULL);
static_assert(kRhoPi.rotation[1] == 1 && kRhoPi.rotation[24] == 14 && kRhoPi.rotation[0] == 0);

using State = std::array<std::uint64_t, kLanes>;

// Applies `f(std::integral_constant<int, I>)` for I in [0, N): the index is
// a compile-time constant in every call, so the permutation becomes straight
// line code with fixed rotation amounts (the plain loops over constexpr
// tables were about ten times slower at -O2).
template <int N, class F>
[[gnu::always_inline]] inline void Unroll(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    (f(std::integral_constant<int, I>{}), ...);
  }(std::make_integer_sequence<int, N>{});
}

// rho and pi as one chain: pi moves lane (x, y) to (y, 2x + 3y), and the 24
// non-zero lanes form a single cycle starting at (1, 0). Walking the cycle
// with one temporary rotates and moves every lane in place, without the
// second 25-lane array a textbook transcription needs (about 1.5x faster).
struct PiChain {
  std::array<int, 24> lane{};      // positions along the cycle, starting after (1, 0)
  std::array<int, 24> rotation{};  // rotation of the lane that lands there
};

constexpr PiChain MakePiChain() {
  PiChain chain{};
  int x = 1;
  int y = 0;
  for (int t = 0; t < 24; ++t) {
    const int rotation = kRhoPi.rotation[x + 5 * y];
    const int next_x = y;
    const int next_y = (2 * x + 3 * y) % 5;
    chain.lane[t] = next_x + 5 * next_y;
    chain.rotation[t] = rotation;
    x = next_x;
    y = next_y;
  }
  return chain;
}

constexpr PiChain kPiChain = MakePiChain();
static_assert(kPiChain.lane[23] == 1, "pi's lane cycle must close at (1, 0)");

void KeccakF1600(State& state) {
  std::uint64_t a[kLanes];
  Unroll<kLanes>([&](auto i) { a[i] = state[i]; });
  for (int round = 0; round < kRounds; ++round) {
    // theta
    std::uint64_t c[5];
    Unroll<5>([&](auto x) { c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20]; });
    Unroll<5>([&](auto x) {
      const std::uint64_t d = c[(x + 4) % 5] ^ std::rotl(c[(x + 1) % 5], 1);
      Unroll<5>([&](auto y) { a[x + 5 * y] ^= d; });
    });
    // rho and pi
    std::uint64_t carried = a[1];
    Unroll<24>([&](auto t) {
      constexpr int kLane = kPiChain.lane[t];
      const std::uint64_t next = a[kLane];
      a[kLane] = std::rotl(carried, kPiChain.rotation[t]);
      carried = next;
    });
    // chi, one row at a time
    Unroll<5>([&](auto y) {
      const std::uint64_t r0 = a[5 * y], r1 = a[5 * y + 1], r2 = a[5 * y + 2], r3 = a[5 * y + 3],
                          r4 = a[5 * y + 4];
      a[5 * y] = r0 ^ (~r1 & r2);
      a[5 * y + 1] = r1 ^ (~r2 & r3);
      a[5 * y + 2] = r2 ^ (~r3 & r4);
      a[5 * y + 3] = r3 ^ (~r4 & r0);
      a[5 * y + 4] = r4 ^ (~r0 & r1);
    });
    // iota
    a[0] ^= kRoundConstants[round];
  }
  Unroll<kLanes>([&](auto i) { state[i] = a[i]; });
}

std::uint64_t LoadLane(const unsigned char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
}

std::uint8_t LaneByte(const State& s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i / 8] >> (8 * (i % 8)));
}

// The sponge with the given rate (bytes) and domain-separation suffix
// (0x06 for SHA3, 0x1F for SHAKE), writing `out.size()` bytes.
void Sponge(std::string_view data, std::size_t rate, std::uint8_t suffix,
            std::span<std::uint8_t> out) {
  State s{};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size();
  const std::size_t rate_lanes = rate / 8;
  while (n >= rate) {
    for (std::size_t i = 0; i < rate_lanes; ++i) s[i] ^= LoadLane(p + 8 * i);
    KeccakF1600(s);
    p += rate;
    n -= rate;
  }
  // Last (partial) block with pad10*1 and the suffix bits folded into a copy
  // on the stack; rate is at most 168 bytes.
  unsigned char block[168] = {};
  if (n > 0) std::memcpy(block, p, n);
  block[n] ^= suffix;
  block[rate - 1] ^= 0x80;
  for (std::size_t i = 0; i < rate_lanes; ++i) s[i] ^= LoadLane(block + 8 * i);
  KeccakF1600(s);

  std::size_t written = 0;
  while (true) {
    const std::size_t take = std::min(rate, out.size() - written);
    for (std::size_t i = 0; i < take; ++i) out[written + i] = LaneByte(s, i);
    written += take;
    if (written == out.size()) break;
    KeccakF1600(s);
  }
}

constexpr std::size_t kSha3_256Rate = 136;  // (1600 - 2 * 256) / 8
constexpr std::size_t kShake128Rate = 168;  // (1600 - 2 * 128) / 8

}  // namespace

std::string Sha3_256(std::string_view data) {
  std::array<std::uint8_t, 32> digest{};
  Sponge(data, kSha3_256Rate, 0x06, digest);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

void Shake128(std::string_view data, std::span<std::uint8_t> out) {
  if (out.empty()) return;
  Sponge(data, kShake128Rate, 0x1F, out);
}

}  // namespace ingestd
