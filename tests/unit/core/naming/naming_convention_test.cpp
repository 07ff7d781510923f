#include "core/naming/naming_convention.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/naming/snake_case_convention.hpp"

namespace ingestd::naming {
namespace {

// Tags and shortened strings computed with Python: base64 of
// hashlib.shake_128(s).digest(4), '=' stripped, '/'->'a', '+'->'b', lower.
// dlt's _compute_tag sizes the digest as int(3 * log2(1 / 0.001) // 8) + 1,
// which is 4 bytes, so the tag is 6 characters.

TEST(NamingConventionTest, IdentifierTag) {
  EXPECT_EQ(IdentifierTag(""), "f5wrpa");
  EXPECT_EQ(IdentifierTag("abc"), "wiejlq");
  EXPECT_EQ(IdentifierTag("orig"), "emqarw");
  EXPECT_EQ(IdentifierTag("xxxxxxxxxxxxxxxxxxxx"), "rjhxyw");
}

TEST(NamingConventionTest, ShortenIdentifierKeepsShortOnes) {
  EXPECT_EQ(ShortenIdentifier("abc", "abc", 3), "abc");
  EXPECT_EQ(ShortenIdentifier("abcdefgh", "abcdefgh", 0), "abcdefgh");
}

TEST(NamingConventionTest, ShortenIdentifierHeadTagTail) {
  const std::string long_name = "parent__child_" + std::string(60, 'z');
  const std::string shortened = ShortenIdentifier(long_name, long_name, 63);
  EXPECT_EQ(shortened, "parent__child_zzzzzzzzzzzzzzzsaf4zwzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
  EXPECT_EQ(shortened.size(), 63u);
  // max_length equal to the tag length leaves only the tag.
  EXPECT_EQ(ShortenIdentifier(std::string(20, 'x'), std::string(20, 'x'), 6), "rjhxyw");
}

TEST(NamingConventionTest, ShortenIdentifierCountsCodePoints) {
  // Python measures and slices str by code points: 20 code points (30 bytes)
  // cut to 12 = 3 + tag + 3.
  const std::string mixed = "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4"
                            "bbbbbbbbbb";
  EXPECT_EQ(ShortenIdentifier(mixed, "orig", 12), "\xc3\xa4\xc3\xa4\xc3\xa4" "emqarw" "bbb");
  // 20 code points fit in 20 even though there are 30 bytes.
  EXPECT_EQ(ShortenIdentifier(mixed, "orig", 20), mixed);
}

TEST(NamingConventionTest, ShortenMember) {
  const SnakeCaseConvention naming(63);
  EXPECT_EQ(naming.max_length(), 63u);
  const std::string long_name(70, 'a');
  EXPECT_EQ(naming.Shorten(long_name, "abc"), std::string(29, 'a') + "wiejlq" + std::string(28, 'a'));
  EXPECT_EQ(naming.Shorten("short", "abc"), "short");
}

TEST(NamingConventionTest, NormalizePathNormalizesEachPart) {
  const SnakeCaseConvention naming(0);
  EXPECT_EQ(naming.NormalizePath("CamelCase__innerList"), "camel_case__inner_list");
  EXPECT_EQ(naming.NormalizePath("Order Items__Line Items"), "order_items__line_items");
  EXPECT_EQ(naming.NormalizePath("e-mail__Value$"), "e_mail__valuex");
  EXPECT_EQ(naming.NormalizePath("value"), "value");
}

TEST(NamingConventionTest, NormalizePathSplitsLikePythonStrSplit) {
  const SnakeCaseConvention naming(0);
  // Whitespace-only and empty parts are dropped.
  EXPECT_EQ(naming.NormalizePath("a__  __b"), "a__b");
  EXPECT_EQ(naming.NormalizePath("a____b"), "a__b");
  EXPECT_EQ(naming.NormalizePath("__a__"), "a");
  EXPECT_EQ(naming.NormalizePath("  "), "");
  // "a___b".split("__") is ["a", "_b"]; "_b" stays "_b".
  EXPECT_EQ(naming.NormalizePath("a___b"), "a___b");
}

TEST(NamingConventionTest, NormalizePathShortensWithTagOfPath) {
  const SnakeCaseConvention naming(63);
  const std::string path = "ParentTableWithAVeryLongName__ChildListWithAnotherVeryLongName__GrandChildren";
  EXPECT_EQ(SnakeCaseConvention(0).NormalizePath(path),
            "parent_table_with_a_very_long_name__child_list_with_another_very_long_name__grand_children");
  const std::string shortened = naming.NormalizePath(path);
  EXPECT_EQ(shortened, "parent_table_with_a_very_longa6jgrary_long_name__grand_children");
  EXPECT_EQ(shortened.size(), 63u);
}

TEST(NamingConventionTest, NormalizePathShortensPartsFirst) {
  // The 70-char part is shortened on its own (tag "mo6cba"), then the joined
  // 66-char path again with the tag of the whole path ("x4voow").
  const SnakeCaseConvention naming(63);
  EXPECT_EQ(naming.NormalizePath(std::string(70, 'a') + "__b"),
            std::string(29, 'a') + "x4voow" + std::string(25, 'a') + "__b");
}

TEST(NamingConventionTest, ShortenFragments) {
  const SnakeCaseConvention naming(63);
  const std::vector<std::string_view> parts = {"orders", "  ", "line_items"};
  EXPECT_EQ(naming.ShortenFragments(parts), "orders__line_items");
  EXPECT_EQ(naming.ShortenFragments({}), "");
  const std::string child = "child_" + std::string(60, 'z');
  const std::vector<std::string_view> long_parts = {"parent", child};
  // Tag from the joined string.
  EXPECT_EQ(naming.ShortenFragments(long_parts),
            "parent__child_zzzzzzzzzzzzzzzsaf4zwzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
}

TEST(NamingConventionTest, StripWhitespace) {
  EXPECT_EQ(StripWhitespace("  a b \t\n"), "a b");
  EXPECT_EQ(StripWhitespace(" \r\v\f "), "");
  EXPECT_EQ(StripWhitespace("\xe2\x80\x82x\xc2\x85"), "x");  // U+2002, U+0085
  // U+200B (zero width space) is not whitespace for Python.
  EXPECT_EQ(StripWhitespace("\xe2\x80\x8bx"), "\xe2\x80\x8bx");
  // Invalid or overlong UTF-8 is kept.
  EXPECT_EQ(StripWhitespace("\xc2x"), "\xc2x");
  EXPECT_EQ(StripWhitespace("\xe0\x80\xa0x"), "\xe0\x80\xa0x");
  EXPECT_EQ(StripWhitespace("x\xa0"), "x\xa0");
}

}  // namespace
}  // namespace ingestd::naming
