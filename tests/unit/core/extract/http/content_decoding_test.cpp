#include "core/extract/http/content_decoding.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "tests/support/compression.hpp"

namespace ingestd::extract::http {
namespace {

// Compresses with zlib: window_bits 15 (zlib format), -15 (raw deflate) or
// 31 (gzip).
std::string Compress(const std::string& data, int window_bits) {
  return testing::Deflate(data, window_bits, Z_BEST_COMPRESSION);
}

const std::string kText = std::string(10000, 'a') + "hello, world";

TEST(ContentDecodingTest, Gzip) {
  auto decoded = DecodeContent("gzip", Compress(kText, 31), 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, kText);
  EXPECT_EQ(*DecodeContent("X-GZIP", Compress(kText, 31), 1 << 20), kText);
}

TEST(ContentDecodingTest, GzipConcatenatedMembers) {
  auto decoded = DecodeContent("gzip", Compress("abc", 31) + Compress("def", 31), 1 << 20);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, "abcdef");
}

TEST(ContentDecodingTest, DeflateZlibWrappedAndRaw) {
  EXPECT_EQ(*DecodeContent("deflate", Compress(kText, 15), 1 << 20), kText);
  EXPECT_EQ(*DecodeContent("deflate", Compress(kText, -15), 1 << 20), kText);
}

TEST(ContentDecodingTest, IdentityAndStacked) {
  EXPECT_EQ(*DecodeContent("identity", "plain", 100), "plain");
  EXPECT_EQ(*DecodeContent("deflate, gzip", Compress(Compress(kText, 15), 31), 1 << 20), kText);
  EXPECT_TRUE(IsSupportedContentEncoding("gzip"));
  EXPECT_FALSE(IsSupportedContentEncoding("br"));
  EXPECT_EQ(DecodeContent("br", "x", 100).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ContentDecodingTest, DecodedSizeLimit) {
  // 10 MB of zeros compress to about 10 KB: the limit is on the decoded size.
  const std::string bomb = Compress(std::string(10'000'000, '\0'), 31);
  ASSERT_LT(bomb.size(), 100'000u);
  auto decoded = DecodeContent("gzip", bomb, 1'000'000);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_TRUE(DecodeContent("gzip", bomb, 10'000'000).ok());
  EXPECT_EQ(DecodeContent("identity", "12345", 4).error().code(), ErrorCode::kResourceExhausted);
}

TEST(ContentDecodingTest, CorruptAndTruncated) {
  const std::string gz = Compress(kText, 31);
  auto truncated = DecodeContent("gzip", gz.substr(0, gz.size() / 2), 1 << 20);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code(), ErrorCode::kDataLoss);
  EXPECT_NE(truncated.error().message().find("truncated"), std::string::npos);
  auto corrupt = DecodeContent("gzip", "definitely not gzip", 1 << 20);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(*DecodeContent("gzip", "", 10), "");  // no body (204, HEAD)
}

}  // namespace
}  // namespace ingestd::extract::http
