#include "core/common/keccak.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ingestd {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::string ShakeHex(std::string_view data, std::size_t length) {
  std::vector<std::uint8_t> out(length);
  Shake128(data, out);
  return Hex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

// NIST FIPS 202 example values.
TEST(KeccakTest, Sha3_256KnownAnswers) {
  EXPECT_EQ(Hex(Sha3_256("")), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  EXPECT_EQ(Hex(Sha3_256("abc")),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  EXPECT_EQ(Sha3_256("abc").size(), 32u);
}

TEST(KeccakTest, Sha3_256MultiBlock) {
  // 200 bytes spans two 136-byte blocks (value from Python's hashlib).
  EXPECT_EQ(Hex(Sha3_256(std::string(200, 'a'))),
            "cce34485baf2bf2aca99b94833892a4f52896d3d153f7b840cc4f9fe695f1387");
}

TEST(KeccakTest, Sha3_256RateBoundaries) {
  // Lengths around the 136-byte rate exercise the padding-in-a-new-block path.
  EXPECT_EQ(Hex(Sha3_256(std::string(135, 'x'))).substr(0, 16), "c150125edc74b56f");
  EXPECT_EQ(Hex(Sha3_256(std::string(136, 'x'))).substr(0, 16), "5bc276bac9c58250");
  EXPECT_EQ(Hex(Sha3_256(std::string(137, 'x'))).substr(0, 16), "2f25a6351abe05e2");
}

TEST(KeccakTest, Shake128KnownAnswers) {
  EXPECT_EQ(ShakeHex("", 32), "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
  EXPECT_EQ(ShakeHex("abc", 16), "5881092dd818bf5cf8a3ddb793fbcba7");
}

TEST(KeccakTest, Shake128RateBoundaries) {
  EXPECT_EQ(ShakeHex(std::string(167, 'x'), 8), "ddafe82f61804446");
  EXPECT_EQ(ShakeHex(std::string(168, 'x'), 8), "6dcbd4e3c171a95d");
  EXPECT_EQ(ShakeHex(std::string(169, 'x'), 8), "5856556d4d4db193");
  EXPECT_EQ(ShakeHex(std::string(200, 'a'), 400).substr(768), "e631d0ddff456328c2f1eaea4354fba9");
}

TEST(KeccakTest, Shake128SqueezesBeyondOneBlock) {
  // 200 output bytes need a second permutation after the first 168.
  EXPECT_EQ(ShakeHex("x", 200).substr(360), "19ab80d0289395d7b342dbe0c25731378b2d50e9");
}

TEST(KeccakTest, Shake128ShorterOutputIsPrefix) {
  const std::string full = ShakeHex("prefix check", 64);
  for (std::size_t n : {0u, 1u, 4u, 10u, 15u, 33u}) {
    EXPECT_EQ(ShakeHex("prefix check", n), full.substr(0, 2 * n)) << n;
  }
}

}  // namespace
}  // namespace ingestd
