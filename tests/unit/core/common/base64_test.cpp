#include "core/common/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingestd {
namespace {

// RFC 4648 section 10 test vectors.
TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, UsesPlusAndSlash) {
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
  EXPECT_EQ(Base64Encode(std::string("\x00\x00\x00", 3)), "AAAA");
}

TEST(Base64Test, UnpaddedDropsOnlyPadding) {
  EXPECT_EQ(Base64EncodeUnpadded(""), "");
  EXPECT_EQ(Base64EncodeUnpadded("f"), "Zg");
  EXPECT_EQ(Base64EncodeUnpadded("fo"), "Zm8");
  EXPECT_EQ(Base64EncodeUnpadded("foo"), "Zm9v");
  EXPECT_EQ(Base64EncodeUnpadded("foob"), "Zm9vYg");
}

TEST(Base64Test, DecodesValidInput) {
  EXPECT_EQ(Base64DecodeStrict(""), std::optional<std::string>(""));
  EXPECT_EQ(Base64DecodeStrict("Zg=="), std::optional<std::string>("f"));
  EXPECT_EQ(Base64DecodeStrict("Zm8="), std::optional<std::string>("fo"));
  EXPECT_EQ(Base64DecodeStrict("Zm9vYmFy"), std::optional<std::string>("foobar"));
  EXPECT_EQ(Base64DecodeStrict("+/+/"), std::optional<std::string>(std::string("\xfb\xff\xbf", 3)));
}

TEST(Base64Test, RoundTripsAllByteValues) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n);
    EXPECT_EQ(Base64DecodeStrict(Base64Encode(part)), std::optional<std::string>(part)) << n;
  }
}

TEST(Base64Test, RejectsInvalidInput) {
  EXPECT_EQ(Base64DecodeStrict("Zg"), std::nullopt);         // missing padding
  EXPECT_EQ(Base64DecodeStrict("Zm9"), std::nullopt);        // missing padding
  EXPECT_EQ(Base64DecodeStrict("Zm 9v"), std::nullopt);      // whitespace
  EXPECT_EQ(Base64DecodeStrict("Zm9v\n"), std::nullopt);     // whitespace
  EXPECT_EQ(Base64DecodeStrict("Zm-v"), std::nullopt);       // URL-safe alphabet
  EXPECT_EQ(Base64DecodeStrict("Zg==Zg=="), std::nullopt);   // data after padding
  EXPECT_EQ(Base64DecodeStrict("Z==="), std::nullopt);       // too much padding
  EXPECT_EQ(Base64DecodeStrict("===="), std::nullopt);
  EXPECT_EQ(Base64DecodeStrict("Zh=="), std::nullopt);       // non-zero trailing bits
  EXPECT_EQ(Base64DecodeStrict("Zm9="), std::nullopt);       // non-zero trailing bits
}

}  // namespace
}  // namespace ingestd
