#include "core/common/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingestd {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA4\xC3\xB6"));          // äö
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC and more"));     // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));          // 😀
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));      // NUL is valid UTF-8
}

TEST(Utf8Test, RejectsInvalidSequencesAtTheirOffset) {
  EXPECT_EQ(FindInvalidUtf8("abc\xC3\x28xyz"), 3u);          // bad continuation
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);                    // lone continuation
  EXPECT_EQ(FindInvalidUtf8("ok\xC0\xAF"), 2u);              // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xE0\x80\xAF"), 0u);            // overlong 3-byte
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);            // surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);        // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(FindInvalidUtf8("12345678\xE2\x82"), 8u);        // truncated at the end
  EXPECT_EQ(FindInvalidUtf8("\xFF"), 0u);
}

}  // namespace
}  // namespace ingestd
