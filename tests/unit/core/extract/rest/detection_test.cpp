// DetectPaginator, SelectRecords and FindLinkRel: what happens when a REST
// endpoint configures neither paginator nor data selector.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/extract/rest/paginator.hpp"
#include "tests/unit/core/extract/rest/paginator_test_util.hpp"

namespace ingestd::extract::rest {
namespace {

using testing::Describe;
using testing::FakePage;
using testing::HeldPage;
using testing::ToJson;
using Strings = std::vector<std::string>;

// The detected paginator, its explanation, and the request it makes next
// ("" when it has none).
struct Detection {
  std::string type;
  std::string explanation;
  std::string next_request;
};

Detection Detect(const FakePage& fake) {
  HeldPage held(fake);
  Result<DetectedPaginator> detected = DetectPaginator(held.view());
  EXPECT_TRUE(detected.ok()) << detected.error().ToString();
  if (!detected.ok()) return {};
  Detection out{std::string(detected->paginator->type_name()), detected->explanation, ""};
  if (detected->paginator->has_next()) {
    PageRequest request;
    EXPECT_TRUE(detected->paginator->Next(request).ok());
    out.next_request = Describe(request);
  }
  return out;
}

// --- DetectPaginator

TEST(DetectPaginatorTest, LinkHeaderWinsOverBodyHints) {
  Detection d = Detect({R"({"next":"https://api.test/b?page=2"})", 1,
                        {{"Link", R"(<https://api.test/a?page=2>; rel="next", <https://api.test/a?page=5>; rel="last")"}}});
  EXPECT_EQ(d.type, "header_link");
  EXPECT_EQ(d.explanation, "header_link (Link header with rel=\"next\")");
  EXPECT_EQ(d.next_request, "GET https://api.test/a?page=2");
}

TEST(DetectPaginatorTest, LinkHeaderWithoutNextIsNoHint) {
  Detection d = Detect({"[1]", 1, {{"Link", R"(<https://api.test/a?page=1>; rel="prev first")"}}});
  EXPECT_EQ(d.type, "single_page");
}

TEST(DetectPaginatorTest, NextUrlInTheBodyIsJsonLink) {
  Detection d = Detect({R"({"results":[1],"next":"https://api.test/items?page=2"})", 1});
  EXPECT_EQ(d.type, "json_link");
  EXPECT_EQ(d.explanation, "json_link at next");
  EXPECT_EQ(d.next_request, "GET https://api.test/items?page=2");
  EXPECT_EQ(Detect({R"({"next":"/items?page=2"})", 1}).next_request, "GET /items?page=2");
}

TEST(DetectPaginatorTest, NestedNextAndNextObjects) {
  Detection nested = Detect({R"({"data":[],"pagination":{"total":9,"next_page":"https://x/2"}})", 0});
  EXPECT_EQ(nested.type, "json_link");
  EXPECT_EQ(nested.explanation, "json_link at pagination.next_page");
  Detection href = Detect({R"({"links":{"self":{"href":"/a"},"next":{"href":"/a?p=2"}}})", 0});
  EXPECT_EQ(href.explanation, "json_link at links.next.href");
  EXPECT_EQ(href.next_request, "GET /a?p=2");
  Detection url = Detect({R"({"Next":{"title":"more","url":"https://x/3"}})", 0});
  EXPECT_EQ(url.explanation, "json_link at Next.url");
}

TEST(DetectPaginatorTest, ODataNextLink) {
  Detection d = Detect({R"({"@odata.context":"c","value":[1],"@odata.nextLink":"https://x/People?$skiptoken=8"})", 1});
  EXPECT_EQ(d.type, "json_link");
  EXPECT_EQ(d.explanation, "json_link at $['@odata.nextLink']");
  EXPECT_EQ(d.next_request, "GET https://x/People?$skiptoken=8");
  // The last page has none.
  EXPECT_EQ(Detect({R"({"@odata.context":"c","value":[1]})", 1}).type, "single_page");
}

TEST(DetectPaginatorTest, TotalPagesIsPageNumberFromPageTwo) {
  Detection d = Detect({R"({"items":[1],"meta":{"total_pages":3}})", 1});
  EXPECT_EQ(d.type, "page_number");
  EXPECT_EQ(d.explanation, "page_number with the page count at meta.total_pages");
  EXPECT_EQ(d.next_request, "page=2");
  EXPECT_EQ(Detect({R"({"items":[1],"totalPages":"4"})", 1}).next_request, "page=2");
  EXPECT_EQ(Detect({R"({"items":[1],"pages":2})", 1}).type, "page_number");
  // One page in all: nothing more to fetch.
  Detection one = Detect({R"({"items":[1],"total_pages":1})", 1});
  EXPECT_EQ(one.type, "page_number");
  EXPECT_EQ(one.next_request, "");
  // Not an integer: no page_number.
  EXPECT_EQ(Detect({R"({"items":[1],"pages":"many"})", 1}).type, "single_page");
}

TEST(DetectPaginatorTest, PageNumberBeforeCursor) {
  Detection d = Detect({R"({"items":[1],"next":2,"total_pages":5})", 1});
  EXPECT_EQ(d.type, "page_number");
}

TEST(DetectPaginatorTest, OtherNextValuesAreCursors) {
  Detection d = Detect({R"({"items":[1],"next":"b64token"})", 1});
  EXPECT_EQ(d.type, "cursor");
  EXPECT_EQ(d.explanation, "cursor at next (sent as parameter cursor)");
  EXPECT_EQ(d.next_request, "cursor=b64token");
  Detection token = Detect({R"({"items":[1],"meta":{"nextPageToken":"t"}})", 1});
  EXPECT_EQ(token.explanation, "cursor at meta.nextPageToken (sent as parameter cursor)");
  EXPECT_EQ(Detect({R"({"items":[1],"next_cursor":12})", 1}).next_request, "cursor=12");
}

TEST(DetectPaginatorTest, NoHintsIsSinglePage) {
  Detection list = Detect({R"([{"id":1}])", 1});
  EXPECT_EQ(list.type, "single_page");
  EXPECT_EQ(list.explanation, "single_page (no paging hints in the first response)");
  EXPECT_EQ(list.next_request, "");
  EXPECT_EQ(Detect({R"({"items":[1],"next":null})", 1}).type, "single_page");
  EXPECT_EQ(Detect({R"({"items":[1],"has_next":true,"next_page":false})", 1}).type, "single_page");
  EXPECT_EQ(Detect({"not json", 0}).type, "single_page");
  EXPECT_EQ(Detect({R"({"id":1,"name":"one"})", 1}).type, "single_page");
}

// --- SelectRecords

// The records (as JSON) and the detected path.
struct Selection {
  Strings records;
  std::string path;
};

Selection Select(const char* json, const char* selector = nullptr) {
  rapidjson::Document doc;
  doc.Parse(json);
  EXPECT_FALSE(doc.HasParseError()) << json;
  std::optional<JsonPath> path;
  if (selector != nullptr) {
    Result<JsonPath> parsed = JsonPath::Parse(selector);
    EXPECT_TRUE(parsed.ok());
    path.emplace(std::move(parsed).value());
  }
  Selection out;
  for (const rapidjson::Value* v : SelectRecords(doc, path ? &*path : nullptr, &out.path)) {
    out.records.push_back(ToJson(*v));
  }
  return out;
}

TEST(SelectRecordsTest, TopLevelArray) {
  Selection s = Select(R"([{"id":1},{"id":2}])");
  EXPECT_EQ(s.records, (Strings{R"({"id":1})", R"({"id":2})"}));
  EXPECT_EQ(s.path, "$");
  EXPECT_TRUE(Select("[]").records.empty());
  EXPECT_TRUE(Select("null").records.empty());
}

TEST(SelectRecordsTest, RecordKeys) {
  Selection s = Select(R"({"meta":{"tags":["x"]},"count":2,"data":[{"id":1},{"id":2}]})");
  EXPECT_EQ(s.records.size(), 2u);
  EXPECT_EQ(s.path, "data");
  for (const char* key : {"items", "results", "entries", "records", "rows", "entities", "payload", "content",
                          "objects", "values"}) {
    const std::string json = std::string(R"({"other":[0],")") + key + R"(":[1,2,3]})";
    Selection k = Select(json.c_str());
    EXPECT_EQ(k.path, key);
    EXPECT_EQ(k.records.size(), 3u) << key;
  }
}

TEST(SelectRecordsTest, NestedDataItems) {
  Selection s = Select(R"({"data":{"items":[{"id":1}],"cursor":"c"},"errors":[]})");
  EXPECT_EQ(s.records, Strings{R"({"id":1})"});
  EXPECT_EQ(s.path, "data.items");
  // The path works as a selector for the next pages.
  Selection again = Select(R"({"data":{"items":[{"id":2}]}})", s.path.c_str());
  EXPECT_EQ(again.records, Strings{R"({"id":2})"});
}

TEST(SelectRecordsTest, ShallowestRecordKeyWins) {
  Selection s = Select(R"({"meta":{"items":[1]},"data":[2,3]})");
  EXPECT_EQ(s.path, "data");
  EXPECT_EQ(s.records, (Strings{"2", "3"}));
}

TEST(SelectRecordsTest, FirstArrayWithinThreeLevels) {
  EXPECT_EQ(Select(R"({"a":{"b":{"c":[1]}},"z":1})").path, "a.b.c");
  EXPECT_EQ(Select(R"({"a":{"b":[1]},"c":[2]})").path, "c");  // shallower first
  Selection odd = Select(R"({"the list":[{"id":1}]})");
  EXPECT_EQ(odd.path, "$['the list']");
  EXPECT_EQ(Select(R"({"the list":[{"id":5}]})", odd.path.c_str()).records, Strings{R"({"id":5})"});
}

TEST(SelectRecordsTest, DeeperArraysAreNotFoundSoTheObjectIsTheRecord) {
  Selection s = Select(R"({"a":{"b":{"c":{"d":[1]}}}})");
  EXPECT_EQ(s.path, "$");
  EXPECT_EQ(s.records, Strings{R"({"a":{"b":{"c":{"d":[1]}}}})"});
  Selection one = Select(R"({"id":1,"name":"x"})");
  EXPECT_EQ(one.records, Strings{R"({"id":1,"name":"x"})"});
  EXPECT_EQ(one.path, "$");
  EXPECT_EQ(Select("42").records, Strings{"42"});
}

TEST(SelectRecordsTest, WithASelector) {
  const char* doc = R"({"data":[{"id":1},{"id":2}],"one":{"id":3},"none":null,"groups":[{"id":4},{"id":5},{}]})";
  Selection array = Select(doc, "data");
  EXPECT_EQ(array.records, (Strings{R"({"id":1})", R"({"id":2})"}));
  EXPECT_EQ(array.path, "data");
  EXPECT_EQ(Select(doc, "$.one").records, Strings{R"({"id":3})"});
  EXPECT_TRUE(Select(doc, "none").records.empty());
  EXPECT_TRUE(Select(doc, "missing").records.empty());
  EXPECT_EQ(Select(doc, "groups[*].id").records, (Strings{"4", "5"}));
  EXPECT_EQ(Select(doc, "$").records.size(), 1u);  // the root object as one record
  EXPECT_EQ(Select("[1,2]", "$").records, (Strings{"1", "2"}));
}

// --- FindLinkRel

TEST(LinkHeaderTest, FindsTheRelAmongSeveralLinks) {
  const char* header =
      R"(<https://api.github.com/repositories/1/issues?page=1>; rel="prev", )"
      R"(<https://api.github.com/repositories/1/issues?page=3>; rel="next", )"
      R"(<https://api.github.com/repositories/1/issues?page=5>; rel="last")";
  EXPECT_EQ(FindLinkRel(header, "next"), "https://api.github.com/repositories/1/issues?page=3");
  EXPECT_EQ(FindLinkRel(header, "last"), "https://api.github.com/repositories/1/issues?page=5");
  EXPECT_EQ(FindLinkRel(header, "first"), std::nullopt);
}

TEST(LinkHeaderTest, RelListsCaseAndSpaces) {
  EXPECT_EQ(FindLinkRel(R"(<a>; rel="prev next")", "next"), "a");
  EXPECT_EQ(FindLinkRel(R"(<a>; rel="  next  prev ")", "NEXT"), "a");
  EXPECT_EQ(FindLinkRel("<a>;REL=Next", "next"), "a");
  EXPECT_EQ(FindLinkRel("  < a >  ;  rel = next  ,  <b>; rel=last", "last"), "b");
  EXPECT_EQ(FindLinkRel(" <a> ; rel = next", "next"), "a");
  EXPECT_EQ(FindLinkRel(R"(<a>; rel="nextpage")", "next"), std::nullopt);
}

TEST(LinkHeaderTest, CommasInsideUrisAndQuotedParameters) {
  EXPECT_EQ(FindLinkRel(R"(<https://x/?ids=1,2>; rel="next")", "next"), "https://x/?ids=1,2");
  EXPECT_EQ(FindLinkRel(R"(<a>; title="one, two; three"; rel=next, <b>; rel=prev)", "next"), "a");
  EXPECT_EQ(FindLinkRel(R"(<a>; title="say \"next\""; rel=prev, <b>; rel=next)", "next"), "b");
}

TEST(LinkHeaderTest, FirstRelCountsAndMalformedLinksAreSkipped) {
  EXPECT_EQ(FindLinkRel("<a>; rel=prev; rel=next", "next"), std::nullopt);
  EXPECT_EQ(FindLinkRel(R"(junk; rel=next, <b>; rel="next")", "next"), "b");
  EXPECT_EQ(FindLinkRel("<a> junk, <b>; rel=next", "next"), "b");
  EXPECT_EQ(FindLinkRel("<a>, <b>; rel=next", "next"), "b");
  EXPECT_EQ(FindLinkRel("<a; rel=next", "next"), std::nullopt);
  EXPECT_EQ(FindLinkRel("", "next"), std::nullopt);
  EXPECT_EQ(FindLinkRel("<a>; rel", "next"), std::nullopt);
  EXPECT_EQ(FindLinkRel("<>; rel=next", "next"), "");
}

}  // namespace
}  // namespace ingestd::extract::rest
