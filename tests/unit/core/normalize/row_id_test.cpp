#include "core/normalize/row_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ingestd::normalize {
namespace {

std::string Canonical(std::string_view json) {
  std::string out;
  EXPECT_TRUE(CanonicalItemJson(json, out)) << json;
  return out;
}

TEST(CanonicalItemJsonTest, SortsKeysRecursivelyAndKeepsArrayOrder) {
  EXPECT_EQ(Canonical(R"({"b": 1, "a": {"d": [3, 1], "c": null}})"),
            R"({"a":{"c":null,"d":[3,1]},"b":1})");
}

TEST(CanonicalItemJsonTest, DropsTopLevelDltKeysOnly) {
  EXPECT_EQ(Canonical(R"({"_dlt_id": "x", "_dlt_load_id": "1", "a": {"_dlt_x": 1}})"),
            R"({"a":{"_dlt_x":1}})");
}

TEST(CanonicalItemJsonTest, KeepsNumberSpellingAndTellsNumbersFromStrings) {
  EXPECT_EQ(Canonical(R"({"n": 1.50, "s": "1.50", "big": 123456789012345678901234567890e300})"),
            R"({"big":123456789012345678901234567890e300,"n":1.50,"s":"1.50"})");
  EXPECT_NE(Canonical(R"({"n": 1})"), Canonical(R"({"n": "1"})"));
}

TEST(CanonicalItemJsonTest, WrapsNonObjectsAsDltDoes) {
  EXPECT_EQ(Canonical("[1, 2]"), R"({"value":[1,2]})");
  EXPECT_EQ(Canonical(R"("x")"), R"({"value":"x"})");
}

TEST(CanonicalItemJsonTest, DeepNestingDoesNotRecurse) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  std::string out;
  ASSERT_TRUE(CanonicalItemJson(deep, out));
  EXPECT_EQ(out.size(), deep.size() + std::string(R"({"value":})").size());
  EXPECT_FALSE(CanonicalItemJson("{\"a\":", out));
}

TEST(RowIdTest, ContentIdIsDltsDigestOfTheCanonicalJson) {
  char id[kRowIdChars];
  ContentRowId(R"({"id":1})", id);  // python: shake_128(b'{"id":1}').digest(10), base64
  EXPECT_EQ(std::string(id, kRowIdChars), "z5jIxXIbUnmbKw");
}

TEST(RowIdTest, IdsAre14Base64CharactersAndDistinct) {
  RowIdGenerator ids(1);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    char id[kRowIdChars];
    ids.Next(id);
    std::string s(id, kRowIdChars);
    EXPECT_EQ(s.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
              std::string::npos);
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RowIdTest, NestedIdIsDltsDigestOfParentTableAndIndex) {
  // dlt: digest128(f"{parent_id}_{table}_{idx}", 10), computed with Python's
  // hashlib.shake_128 and base64.
  char id[kRowIdChars];
  NestedRowId("kz8gRoLYxyy5+Q", "issues__labels", 2, id);
  EXPECT_EQ(std::string(id, kRowIdChars), "xy+ihr8Afxojmg");
  char again[kRowIdChars];
  NestedRowId("kz8gRoLYxyy5+Q", "issues__labels", 3, again);
  EXPECT_NE(std::string(id, kRowIdChars), std::string(again, kRowIdChars));
}

}  // namespace
}  // namespace ingestd::normalize
