#include "core/extract/rest/json_path.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingestd::extract::rest {
namespace {

rapidjson::Document ParseJson(const char* text) {
  rapidjson::Document doc;
  doc.Parse(text);
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

JsonPath Path(const char* text) {
  Result<JsonPath> path = JsonPath::Parse(text);
  EXPECT_TRUE(path.ok()) << text << ": " << path.error().ToString();
  return std::move(path).value();
}

// The matches of `path` in `json`, each as compact JSON.
std::vector<std::string> Matches(const char* path, const char* json) {
  rapidjson::Document doc = ParseJson(json);
  std::vector<std::string> out;
  for (const rapidjson::Value* v : Path(path).Find(doc)) out.push_back(ToJson(*v));
  return out;
}

using Strings = std::vector<std::string>;

TEST(JsonPathTest, RootAlone) {
  JsonPath root = Path("$");
  EXPECT_TRUE(root.IsRoot());
  EXPECT_EQ(root.text(), "$");
  EXPECT_EQ(Matches("$", R"([1,2])"), Strings{"[1,2]"});
  EXPECT_FALSE(Path("$.a").IsRoot());
}

TEST(JsonPathTest, DottedNamesWithAndWithoutRoot) {
  const char* doc = R"({"cursors":{"next":"abc"},"total":3})";
  EXPECT_EQ(Matches("cursors.next", doc), Strings{R"("abc")"});
  EXPECT_EQ(Matches("$.cursors.next", doc), Strings{R"("abc")"});
  EXPECT_EQ(Matches("total", doc), Strings{"3"});
  EXPECT_EQ(Matches("  total  ", doc), Strings{"3"});
  EXPECT_TRUE(Matches("cursors.prev", doc).empty());
  EXPECT_TRUE(Matches("total.x", doc).empty());  // a name on a number matches nothing
}

TEST(JsonPathTest, BracketedNamesTakeAnyCharacter) {
  const char* doc = R"({"@odata.nextLink":"u","a b":{"it's":1}})";
  EXPECT_EQ(Matches("$['@odata.nextLink']", doc), Strings{R"("u")"});
  EXPECT_EQ(Matches(R"($["@odata.nextLink"])", doc), Strings{R"("u")"});
  EXPECT_EQ(Matches(R"(['a b']['it\'s'])", doc), Strings{"1"});
  EXPECT_EQ(Matches(R"("a b"."it's")", doc), Strings{"1"});
}

TEST(JsonPathTest, IndexesCountFromEitherEnd) {
  const char* doc = R"({"items":[{"id":1},{"id":2},{"id":3}]})";
  EXPECT_EQ(Matches("items[0].id", doc), Strings{"1"});
  EXPECT_EQ(Matches("$.items[-1].id", doc), Strings{"3"});
  EXPECT_EQ(Matches("$.items.[1].id", doc), Strings{"2"});  // jsonpath-ng's full-path form
  EXPECT_TRUE(Matches("items[3]", doc).empty());
  EXPECT_TRUE(Matches("items[-4]", doc).empty());
  EXPECT_TRUE(Matches("$[0]", doc).empty());  // an index on an object matches nothing
}

TEST(JsonPathTest, WildcardsOverArraysAndObjects) {
  const char* doc = R"({"items":[{"id":1},{"id":2}],"m":{"a":1,"b":[2]}})";
  EXPECT_EQ(Matches("items[*].id", doc), (Strings{"1", "2"}));
  EXPECT_EQ(Matches("$.items.*.id", doc), (Strings{"1", "2"}));
  EXPECT_EQ(Matches("m.*", doc), (Strings{"1", "[2]"}));
  EXPECT_EQ(Matches("$.m[*]", doc), (Strings{"1", "[2]"}));
  EXPECT_EQ(Matches("*", R"({"x":1,"y":2})"), (Strings{"1", "2"}));
}

TEST(JsonPathTest, RecursiveDescentInDocumentOrder) {
  const char* doc = R"({"id":1,"a":{"id":2,"b":[{"id":3},{"c":{"id":4}}]},"z":{"id":5}})";
  EXPECT_EQ(Matches("$..id", doc), (Strings{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(Matches("a..id", doc), (Strings{"2", "3", "4"}));
  EXPECT_EQ(Matches("$..b[0].id", doc), Strings{"3"});
  EXPECT_EQ(Matches("$..['id']", doc).size(), 5u);
}

TEST(JsonPathTest, FindFirst) {
  rapidjson::Document doc = ParseJson(R"({"a":[{"x":1},{"x":2}]})");
  const rapidjson::Value* first = Path("a[*].x").FindFirst(doc);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->GetInt(), 1);
  EXPECT_EQ(Path("a[*].y").FindFirst(doc), nullptr);
}

TEST(JsonPathTest, ParseErrorsQuoteThePathAndOffset) {
  auto error = [](const char* text) {
    Result<JsonPath> path = JsonPath::Parse(text);
    EXPECT_FALSE(path.ok()) << text;
    return path.ok() ? std::string() : path.error().message();
  };
  EXPECT_EQ(error(""), R"(invalid JSONPath "": empty path at offset 0)");
  EXPECT_EQ(error("a.."), R"(invalid JSONPath "a..": expected a name at offset 3)");
  EXPECT_EQ(error("$."), R"(invalid JSONPath "$.": expected a name at offset 2)");
  EXPECT_EQ(error("$a"), R"(invalid JSONPath "$a": unexpected 'a' at offset 1)");
  EXPECT_EQ(error("a["), R"(invalid JSONPath "a[": unterminated '[' at offset 2)");
  EXPECT_EQ(error("a[1"), R"(invalid JSONPath "a[1": expected ']' at offset 3)");
  EXPECT_EQ(error("a[x]"),
            R"(invalid JSONPath "a[x]": expected '*', a quoted name or an index after '[', found 'x' at offset 2)");
  EXPECT_EQ(error("a['b"), R"(invalid JSONPath "a['b": unterminated quoted name at offset 4)");
  EXPECT_EQ(error("a*"), R"(invalid JSONPath "a*": '*' inside a name at offset 1)");
  EXPECT_EQ(error("a b"), R"(invalid JSONPath "a b": unexpected ' ' at offset 1)");
  EXPECT_EQ(JsonPath::Parse("a..").error().code(), ErrorCode::kInvalidArgument);
}

TEST(JsonPathTest, SetCreatesObjectsOnTheWay) {
  rapidjson::Document doc = ParseJson(R"({"q":"x"})");
  ASSERT_TRUE(Path("paging.offset").Set(doc, rapidjson::Value(20), doc.GetAllocator()).ok());
  ASSERT_TRUE(Path("$.paging.limit").Set(doc, rapidjson::Value(10), doc.GetAllocator()).ok());
  EXPECT_EQ(ToJson(doc), R"({"q":"x","paging":{"offset":20,"limit":10}})");
  // Replacing keeps the member's place.
  ASSERT_TRUE(Path("q").Set(doc, rapidjson::Value("y", doc.GetAllocator()), doc.GetAllocator()).ok());
  ASSERT_TRUE(Path("['paging']['offset']").Set(doc, rapidjson::Value(30), doc.GetAllocator()).ok());
  EXPECT_EQ(ToJson(doc), R"({"q":"y","paging":{"offset":30,"limit":10}})");
}

TEST(JsonPathTest, SetErrors) {
  rapidjson::Document doc = ParseJson(R"({"a":{"b":1}})");
  auto set = [&doc](const char* path) {
    Status status = Path(path).Set(doc, rapidjson::Value(1), doc.GetAllocator());
    EXPECT_FALSE(status.ok()) << path;
    return status.ok() ? std::string() : status.error().message();
  };
  EXPECT_EQ(set("a.b.c"), R"(cannot set "a.b.c": $.a.b is a number, not an object)");
  EXPECT_EQ(set("a[0]"), R"(cannot set "a[0]": only paths of plain names can be set)");
  EXPECT_EQ(set("a.*"), R"(cannot set "a.*": only paths of plain names can be set)");
  EXPECT_EQ(set("$..b"), R"(cannot set "$..b": only paths of plain names can be set)");
  EXPECT_EQ(set("$"), R"(cannot set "$": the path names the whole document)");
  rapidjson::Document array = ParseJson("[]");
  Status status = Path("a").Set(array, rapidjson::Value(1), array.GetAllocator());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message(), R"(cannot set "a": $ is an array, not an object)");
  EXPECT_EQ(ToJson(doc), R"({"a":{"b":1}})");  // unchanged by the failures
}

}  // namespace
}  // namespace ingestd::extract::rest
