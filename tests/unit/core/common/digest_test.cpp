#include "core/common/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingestd {
namespace {

// Expected values computed with Python's hashlib exactly as dlt's
// digest128/digest256 do (base64 of shake_128(...).digest(n) without '=';
// base64 of sha3_256 with '=').
TEST(DigestTest, Digest128MatchesDlt) {
  EXPECT_EQ(Digest128("x", 10), "5HLF45TzD/jV0w");
  EXPECT_EQ(Digest128("abc", 10), "WIEJLdgYv1z4ow");
  EXPECT_EQ(Digest128("", 10), "f5wrpOiPgn1hYA");
  EXPECT_EQ(Digest128("\xc3\x9f\xe2\x82\xac", 10), "yFfxVx8wiZOI4w");  // "ß€" in UTF-8
}

TEST(DigestTest, Digest128DefaultsTo15Bytes) {
  EXPECT_EQ(Digest128("x"), "5HLF45TzD/jV0zgD+Vk+");
  EXPECT_EQ(Digest128("x").size(), 20u);
  EXPECT_EQ(Digest128("x", 10).size(), 14u);  // the `_dlt_id` length
}

TEST(DigestTest, Digest128LongOutput) {
  EXPECT_EQ(Digest128("x", 100),
            "5HLF45TzD/jV0zgD+Vk+Y+Lzhi1IpB74QeTWSGr0mXJkDxU8y/LmDErGmsOp7blphquilBa74uLi8E5ICAi1"
            "pjbtY43gZVs2Q38fmflJRvWH7vBymRQYRAz/IwBETi+6/Hh8PQ");
  EXPECT_EQ(Digest128("x", 0), "");
}

TEST(DigestTest, Digest256MatchesDlt) {
  EXPECT_EQ(Digest256(""), "p//G+L8e12ZRwUdWoGHWYvWA/03kO0n6gtgKS4D4Q0o=");
  EXPECT_EQ(Digest256("abc"), "Ophdp0/iJbIEXBcta9OQvYVfCG4+nVJbRr/iRRFDFTI=");
}

}  // namespace
}  // namespace ingestd
