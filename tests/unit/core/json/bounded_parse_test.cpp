#include "core/json/bounded_parse.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingestd {
namespace {

TEST(ParseJsonBoundedTest, ParsesValidJson) {
  rapidjson::Document doc;
  JsonParseFailure failure;
  ASSERT_TRUE(ParseJsonBounded(doc, R"({"a":[1,{"b":"c"}],"d":null})", 3, failure));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_EQ(doc["a"][1]["b"].GetString(), std::string("c"));
}

TEST(ParseJsonBoundedTest, SyntaxErrorHasMessageAndOffset) {
  rapidjson::Document doc;
  JsonParseFailure failure;
  ASSERT_FALSE(ParseJsonBounded(doc, R"([{"id":1},{"id":)", 10, failure));
  EXPECT_FALSE(failure.too_deep);
  EXPECT_EQ(failure.offset, 16u);
  EXPECT_FALSE(failure.message.empty());
  EXPECT_TRUE(doc.IsNull());
}

TEST(ParseJsonBoundedTest, RefusesNestingBeyondTheLimitWithoutRecursing) {
  // Deep enough that a recursive parse or walk would exhaust the stack.
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  rapidjson::Document doc;
  JsonParseFailure failure;
  ASSERT_FALSE(ParseJsonBounded(doc, deep, 1000, failure));
  EXPECT_TRUE(failure.too_deep);
  EXPECT_EQ(failure.message, "nesting deeper than 1000 levels");
  EXPECT_EQ(failure.offset, 1000u);
  EXPECT_TRUE(doc.IsNull());

  // Exactly at the limit is fine.
  const std::string at_limit = std::string(3, '[') + std::string(3, ']');
  EXPECT_TRUE(ParseJsonBounded(doc, at_limit, 3, failure));
}

TEST(ParseJsonBoundedTest, RefusesInvalidUtf8) {
  rapidjson::Document doc;
  JsonParseFailure failure;
  EXPECT_FALSE(ParseJsonBounded(doc, "[\"\xff\"]", 10, failure));
  EXPECT_FALSE(failure.too_deep);
}

}  // namespace
}  // namespace ingestd
