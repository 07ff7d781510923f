#include "core/extract/rest/paginator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/core/extract/rest/paginator_test_util.hpp"

namespace ingestd::extract::rest {
namespace {

using testing::Describe;
using testing::FakePage;
using testing::Make;
using testing::MakeError;
using testing::Walk;
using testing::WalkResult;
using Strings = std::vector<std::string>;
using Type = PaginatorConfig::Type;

PaginatorConfig Offset(std::int64_t limit) {
  PaginatorConfig c;
  c.type = Type::kOffset;
  c.limit = limit;
  return c;
}

PaginatorConfig PageNumber() {
  PaginatorConfig c;
  c.type = Type::kPageNumber;
  return c;
}

PaginatorConfig Cursor() {
  PaginatorConfig c;
  c.type = Type::kCursor;
  return c;
}

// --- PageRequest

TEST(PageRequestTest, SetParamReplacesAppendsAndDropsDuplicates) {
  PageRequest r;
  r.params = {{"q", "x"}, {"page", "1"}, {"sort", "id"}, {"page", "9"}};
  r.SetParam("page", "2");
  r.SetParam("limit", "10");
  EXPECT_EQ(Describe(r), "q=x&page=2&sort=id&limit=10");
}

// --- single_page

TEST(SinglePagePaginatorTest, OneRequest) {
  PaginatorConfig c;
  c.type = Type::kSinglePage;
  auto p = Make(c);
  PageRequest r;
  r.params = {{"a", "1"}};
  WalkResult w = Walk(*p, {{"[]", 0}, {"[]", 0}}, std::move(r));
  EXPECT_EQ(w.requests, Strings{"a=1"});
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(p->type_name(), "single_page");
  EXPECT_FALSE(p->KnownPageCount());
}

// --- offset

TEST(OffsetPaginatorTest, WalksToTheTotal) {
  auto p = Make(Offset(10));
  WalkResult w = Walk(*p, {{R"({"total":25})", 10}, {R"({"total":25})", 10}, {R"({"total":25})", 5}, {"{}", 0}});
  EXPECT_EQ(w.requests, (Strings{"offset=0&limit=10", "offset=10&limit=10", "offset=20&limit=10"}));
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(p->type_name(), "offset");
}

TEST(OffsetPaginatorTest, TotalEqualToALimitMultipleStopsWithoutAnEmptyPage) {
  auto p = Make(Offset(10));
  WalkResult w = Walk(*p, {{R"({"total":20})", 10}, {R"({"total":20})", 10}, {"{}", 0}});
  EXPECT_EQ(w.requests.size(), 2u);
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, StartsAtTheConfiguredOffsetAndKeepsOtherParams) {
  PaginatorConfig c = Offset(50);
  c.offset = 100;
  c.offset_param = "skip";
  c.limit_param = "top";
  auto p = Make(c);
  PageRequest r;
  r.params = {{"q", "x"}, {"skip", "7"}};
  WalkResult w = Walk(*p, {{R"({"total":180})", 50}, {R"({"total":180})", 30}}, std::move(r));
  EXPECT_EQ(w.requests, (Strings{"q=x&skip=100&top=50", "q=x&skip=150&top=50"}));
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, WithoutTotalStopsAfterAnEmptyPage) {
  auto p = Make(Offset(2));  // total_path "total" absent: not an error
  WalkResult w = Walk(*p, {{R"({"items":[1,2]})", 2}, {R"({"items":[3]})", 1}, {R"({"items":[]})", 0}, {"{}", 0}});
  EXPECT_EQ(w.requests, (Strings{"offset=0&limit=2", "offset=2&limit=2", "offset=4&limit=2"}));
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(w.error, "");
}

TEST(OffsetPaginatorTest, NullTotalIsNoTotal) {
  auto p = Make(Offset(2));
  WalkResult w = Walk(*p, {{R"({"total":null})", 2}, {R"({"total":null})", 0}});
  EXPECT_EQ(w.requests.size(), 2u);
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, EmptyPageStopsEvenBelowTheTotal) {
  auto p = Make(Offset(10));
  WalkResult w = Walk(*p, {{R"({"total":100})", 10}, {R"({"total":100})", 0}, {"{}", 0}});
  EXPECT_EQ(w.requests.size(), 2u);
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, EmptyPagesGoOnWhenStopAfterEmptyPageIsOff) {
  PaginatorConfig c = Offset(10);
  c.stop_after_empty_page = false;
  auto p = Make(c);
  WalkResult w = Walk(*p, {{R"({"total":30})", 0}, {R"({"total":30})", 0}, {R"({"total":30})", 0}, {"{}", 0}});
  EXPECT_EQ(w.requests.size(), 3u);
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, MaximumOffsetIsExclusive) {
  PaginatorConfig c = Offset(10);
  c.total_path.reset();
  c.maximum_offset = 30;
  auto p = Make(c);
  WalkResult w = Walk(*p, {{"{}", 10}, {"{}", 10}, {"{}", 10}, {"{}", 10}});
  EXPECT_EQ(w.requests, (Strings{"offset=0&limit=10", "offset=10&limit=10", "offset=20&limit=10"}));
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, SmallerOfTotalAndMaximumWins) {
  PaginatorConfig c = Offset(10);
  c.maximum_offset = 100;
  auto p = Make(c);
  WalkResult w = Walk(*p, {{R"({"total":15})", 10}, {R"({"total":15})", 5}, {"{}", 1}});
  EXPECT_EQ(w.requests.size(), 2u);
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, HasMoreFalseStops) {
  PaginatorConfig c = Offset(10);
  c.total_path.reset();
  c.has_more_path = "meta.has_more";
  auto p = Make(c);
  WalkResult w = Walk(*p, {{R"({"meta":{"has_more":true}})", 10},
                           {R"({"meta":{"has_more":"True"}})", 10},
                           {R"({"meta":{"has_more":false}})", 10},
                           {"{}", 10}});
  EXPECT_EQ(w.requests.size(), 3u);
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(w.error, "");
}

TEST(OffsetPaginatorTest, HasMoreTrueDoesNotOverrideTheTotal) {
  PaginatorConfig c = Offset(10);
  c.has_more_path = "has_more";
  auto p = Make(c);
  WalkResult w = Walk(*p, {{R"({"total":10,"has_more":true})", 10}, {"{}", 1}});
  EXPECT_EQ(w.requests.size(), 1u);
  EXPECT_TRUE(w.stopped);
}

TEST(OffsetPaginatorTest, HasMoreErrorsNameThePath) {
  PaginatorConfig c = Offset(10);
  c.has_more_path = "has_more";
  EXPECT_EQ(Walk(*Make(c), {{R"({"items":[]})", 3}}).error,
            "offset paginator: has_more_path has_more not found in the response");
  EXPECT_EQ(Walk(*Make(c), {{R"({"has_more":1})", 3}}).error,
            "offset paginator: value at has_more is a number, expected a boolean");
  EXPECT_EQ(Walk(*Make(c), {{R"({"has_more":"maybe"})", 3}}).error,
            "offset paginator: value at has_more is the string \"maybe\", expected a boolean");
  EXPECT_EQ(Walk(*Make(c), {{"not json", 3}}).error,
            "offset paginator: response body is not JSON, cannot read has_more_path");
}

TEST(OffsetPaginatorTest, TotalsAsTextOrNumbersAreRead) {
  auto p = Make(Offset(10));
  EXPECT_EQ(Walk(*p, {{R"({"total":"20"})", 10}, {R"({"total":" 20 "})", 10}, {"{}", 1}}).requests.size(), 2u);
  EXPECT_EQ(Walk(*p, {{R"({"total":20.0})", 10}, {R"({"total":20.9})", 10}, {"{}", 1}}).requests.size(), 2u);
}

TEST(OffsetPaginatorTest, TotalThatIsNoNumberIsAnErrorNamingThePath) {
  PaginatorConfig c = Offset(10);
  c.total_path = "meta.total";
  EXPECT_EQ(Walk(*Make(c), {{R"({"meta":{"total":"many"}})", 10}}).error,
            "offset paginator: value at meta.total is the string \"many\", expected an integer");
  EXPECT_EQ(Walk(*Make(c), {{R"({"meta":{"total":{"n":1}}})", 10}}).error,
            "offset paginator: value at meta.total is an object, expected an integer");
  EXPECT_EQ(Walk(*Make(c), {{R"({"meta":{"total":true}})", 10}}).error,
            "offset paginator: value at meta.total is a boolean, expected an integer");
}

TEST(OffsetPaginatorTest, BodyPathsWriteIntoTheJsonBody) {
  PaginatorConfig c = Offset(10);
  c.offset_body_path = "paging.offset";
  c.limit_body_path = "paging.limit";
  auto p = Make(c);
  PageRequest r;
  r.params = {{"q", "x"}};
  r.json.emplace();
  r.json->Parse(R"({"query":"a"})");
  WalkResult w = Walk(*p, {{R"({"total":20})", 10}, {R"({"total":20})", 10}}, std::move(r));
  EXPECT_EQ(w.requests, (Strings{R"(q=x {"query":"a","paging":{"offset":0,"limit":10}})",
                                 R"(q=x {"query":"a","paging":{"offset":10,"limit":10}})"}));
}

TEST(OffsetPaginatorTest, BodyPathCreatesAnObjectBody) {
  PaginatorConfig c = Offset(5);
  c.offset_body_path = "offset";
  auto p = Make(c);
  WalkResult w = Walk(*p, {{"{}", 5}, {"{}", 0}});
  EXPECT_EQ(w.requests, (Strings{R"(limit=5 {"offset":0})", R"(limit=5 {"offset":5})"}));
}

TEST(OffsetPaginatorTest, BodyPathIntoANonObjectBodyIsAnError) {
  PaginatorConfig c = Offset(5);
  c.offset_body_path = "offset";
  auto p = Make(c);
  PageRequest r;
  r.json.emplace();
  r.json->Parse("[1]");
  EXPECT_EQ(Walk(*p, {{"{}", 5}}, std::move(r)).error,
            R"(offset paginator: cannot set "offset": $ is an array, not an object)");
}

TEST(OffsetPaginatorTest, ConfigurationErrors) {
  PaginatorConfig no_limit;
  no_limit.type = Type::kOffset;
  EXPECT_EQ(MakeError(no_limit), "offset paginator: limit is required");
  EXPECT_EQ(MakeError(Offset(0)), "offset paginator: limit must be positive, got 0");
  PaginatorConfig negative = Offset(10);
  negative.offset = -1;
  EXPECT_EQ(MakeError(negative), "offset paginator: offset must not be negative, got -1");
  PaginatorConfig endless = Offset(10);
  endless.total_path.reset();
  endless.stop_after_empty_page = false;
  EXPECT_EQ(MakeError(endless),
            "offset paginator: one of total_path, maximum_offset, has_more_path or stop_after_empty_page must be "
            "set, or paging never ends");
  PaginatorConfig bad_path = Offset(10);
  bad_path.total_path = "a..";
  EXPECT_EQ(MakeError(bad_path), R"(offset paginator: total_path: invalid JSONPath "a..": expected a name at offset 3)");
  PaginatorConfig bad_body = Offset(10);
  bad_body.limit_body_path = "page[0]";
  EXPECT_EQ(MakeError(bad_body),
            R"(offset paginator: limit_body_path: cannot set "page[0]": only paths of plain names can be set)");
  PaginatorConfig no_param = Offset(10);
  no_param.offset_param = "";
  EXPECT_EQ(MakeError(no_param), "offset paginator: offset_param must not be empty");
  EXPECT_EQ(MakePaginator(Offset(0)).error().code(), ErrorCode::kInvalidArgument);
}

TEST(OffsetPaginatorTest, RandomAccessWithATotal) {
  auto p = Make(Offset(10));
  PageRequest first;
  first.params = {{"q", "x"}};
  ASSERT_TRUE(p->Init(first).ok());
  EXPECT_FALSE(p->KnownPageCount());  // not before the first page
  testing::HeldPage page({R"({"total":95})", 10});
  ASSERT_TRUE(p->Update(page.view()).ok());
  ASSERT_EQ(p->KnownPageCount(), 10);
  PageRequest r = {first.url, first.params, std::nullopt, std::nullopt};
  ASSERT_TRUE(p->SetPage(r, 9).ok());
  EXPECT_EQ(Describe(r), "q=x&offset=90&limit=10");
  ASSERT_TRUE(p->SetPage(r, 1).ok());
  EXPECT_EQ(Describe(r), "q=x&offset=10&limit=10");
  Status out_of_range = p->SetPage(r, 10);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(out_of_range.error().message(), "offset paginator: page 10 is out of range (10 pages)");
  EXPECT_FALSE(p->SetPage(r, -1).ok());
}

TEST(OffsetPaginatorTest, RandomAccessCountsFromTheFirstOffsetAndHonoursTheMaximum) {
  PaginatorConfig c = Offset(10);
  c.offset = 5;
  c.maximum_offset = 40;
  auto p = Make(c);
  PageRequest r;
  ASSERT_TRUE(p->Init(r).ok());
  testing::HeldPage page({R"({"total":1000})", 10});
  ASSERT_TRUE(p->Update(page.view()).ok());
  EXPECT_EQ(p->KnownPageCount(), 4);  // 5, 15, 25, 35
  ASSERT_TRUE(p->SetPage(r, 3).ok());
  EXPECT_EQ(Describe(r), "offset=35&limit=10");
}

TEST(OffsetPaginatorTest, NoRandomAccessWithoutTotalOrWithHasMore) {
  auto no_total = Make(Offset(10));
  PageRequest r;
  ASSERT_TRUE(no_total->Init(r).ok());
  testing::HeldPage page({R"({"items":[]})", 10});
  ASSERT_TRUE(no_total->Update(page.view()).ok());
  EXPECT_FALSE(no_total->KnownPageCount());
  EXPECT_EQ(no_total->SetPage(r, 1).error().code(), ErrorCode::kInternal);

  PaginatorConfig c = Offset(10);
  c.has_more_path = "more";
  auto with_has_more = Make(c);
  ASSERT_TRUE(with_has_more->Init(r).ok());
  testing::HeldPage flagged({R"({"total":100,"more":true})", 10});
  ASSERT_TRUE(with_has_more->Update(flagged.view()).ok());
  EXPECT_FALSE(with_has_more->KnownPageCount());
}

TEST(OffsetPaginatorTest, OnePageTotalIsOnePage) {
  auto p = Make(Offset(10));
  PageRequest r;
  ASSERT_TRUE(p->Init(r).ok());
  testing::HeldPage page({R"({"total":7})", 7});
  ASSERT_TRUE(p->Update(page.view()).ok());
  EXPECT_FALSE(p->has_next());
  EXPECT_EQ(p->KnownPageCount(), 1);
}

TEST(OffsetPaginatorTest, CloneStartsAfresh) {
  auto p = Make(Offset(10));
  WalkResult w = Walk(*p, {{R"({"total":20})", 10}, {R"({"total":20})", 10}});
  EXPECT_TRUE(w.stopped);
  std::unique_ptr<Paginator> clone = p->Clone();
  EXPECT_EQ(clone->type_name(), "offset");
  EXPECT_TRUE(clone->has_next());
  EXPECT_FALSE(clone->KnownPageCount());
  EXPECT_EQ(Walk(*clone, {{R"({"total":30})", 10}, {R"({"total":30})", 10}, {R"({"total":30})", 10}}).requests,
            (Strings{"offset=0&limit=10", "offset=10&limit=10", "offset=20&limit=10"}));
  // Init resets a used paginator too.
  EXPECT_EQ(Walk(*p, {{R"({"total":20})", 10}}).requests, Strings{"offset=0&limit=10"});
}

// --- page_number

TEST(PageNumberPaginatorTest, BasePageZeroByDefault) {
  auto p = Make(PageNumber());
  WalkResult w = Walk(*p, {{R"({"total":3})", 1}, {R"({"total":3})", 1}, {R"({"total":3})", 1}, {"{}", 1}});
  EXPECT_EQ(w.requests, (Strings{"page=0", "page=1", "page=2"}));
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(p->type_name(), "page_number");
}

TEST(PageNumberPaginatorTest, TotalIsThePageCountFromBasePage) {
  PaginatorConfig c = PageNumber();
  c.base_page = 1;
  c.total_path = "meta.pages";
  auto p = Make(c);
  const char* body = R"({"meta":{"pages":3}})";
  WalkResult w = Walk(*p, {{body, 1}, {body, 1}, {body, 1}, {body, 1}});
  EXPECT_EQ(w.requests, (Strings{"page=1", "page=2", "page=3"}));
  EXPECT_TRUE(w.stopped);
}

TEST(PageNumberPaginatorTest, FirstPageCanSkipAhead) {
  PaginatorConfig c = PageNumber();
  c.base_page = 1;
  c.page = 2;
  c.page_param = "p";
  auto p = Make(c);
  WalkResult w = Walk(*p, {{R"({"total":3})", 1}, {R"({"total":3})", 1}});
  EXPECT_EQ(w.requests, (Strings{"p=2", "p=3"}));
  EXPECT_TRUE(w.stopped);
}

TEST(PageNumberPaginatorTest, MaximumPageIsExclusive) {
  PaginatorConfig c = PageNumber();
  c.base_page = 1;
  c.total_path.reset();
  c.maximum_page = 3;
  auto p = Make(c);
  WalkResult w = Walk(*p, {{"{}", 1}, {"{}", 1}, {"{}", 1}});
  EXPECT_EQ(w.requests, (Strings{"page=1", "page=2"}));
  EXPECT_TRUE(w.stopped);
}

TEST(PageNumberPaginatorTest, StopsOnEmptyPageAndHasMore) {
  PaginatorConfig c = PageNumber();
  EXPECT_EQ(Walk(*Make(c), {{"{}", 5}, {"{}", 0}, {"{}", 5}}).requests.size(), 2u);
  c.has_more_path = "has_more";
  c.stop_after_empty_page = false;
  WalkResult w = Walk(*Make(c), {{R"({"has_more":true})", 0}, {R"({"has_more":"no"})", 0}, {"{}", 5}});
  EXPECT_EQ(w.requests.size(), 2u);
  EXPECT_TRUE(w.stopped);
}

TEST(PageNumberPaginatorTest, BodyPath) {
  PaginatorConfig c = PageNumber();
  c.base_page = 1;
  c.page_body_path = "pagination.page";
  auto p = Make(c);
  PageRequest r;
  r.json.emplace();
  r.json->Parse(R"({"filter":{"a":1}})");
  WalkResult w = Walk(*p, {{R"({"total":2})", 1}, {R"({"total":2})", 1}}, std::move(r));
  EXPECT_EQ(w.requests, (Strings{R"({"filter":{"a":1},"pagination":{"page":1}})",
                                 R"({"filter":{"a":1},"pagination":{"page":2}})"}));
  EXPECT_TRUE(w.stopped);
}

TEST(PageNumberPaginatorTest, RandomAccess) {
  PaginatorConfig c = PageNumber();
  c.base_page = 1;
  c.total_path = "total_pages";
  auto p = Make(c);
  PageRequest r;
  ASSERT_TRUE(p->Init(r).ok());
  EXPECT_EQ(Describe(r), "page=1");
  testing::HeldPage page({R"({"total_pages":4})", 20});
  ASSERT_TRUE(p->Update(page.view()).ok());
  ASSERT_EQ(p->KnownPageCount(), 4);
  ASSERT_TRUE(p->SetPage(r, 3).ok());
  EXPECT_EQ(Describe(r), "page=4");
  ASSERT_TRUE(p->SetPage(r, 0).ok());
  EXPECT_EQ(Describe(r), "page=1");
  EXPECT_EQ(p->SetPage(r, 4).error().message(), "page_number paginator: page 4 is out of range (4 pages)");
}

TEST(PageNumberPaginatorTest, RandomAccessHonoursMaximumPage) {
  PaginatorConfig c = PageNumber();
  c.maximum_page = 3;
  auto p = Make(c);
  PageRequest r;
  ASSERT_TRUE(p->Init(r).ok());
  testing::HeldPage page({R"({"total":10})", 20});
  ASSERT_TRUE(p->Update(page.view()).ok());
  EXPECT_EQ(p->KnownPageCount(), 3);  // pages 0, 1, 2
}

TEST(PageNumberPaginatorTest, ConfigurationErrors) {
  PaginatorConfig c = PageNumber();
  c.total_path.reset();
  c.stop_after_empty_page = false;
  EXPECT_EQ(MakeError(c),
            "page_number paginator: one of total_path, maximum_page, has_more_path or stop_after_empty_page must be "
            "set, or paging never ends");
  PaginatorConfig bad = PageNumber();
  bad.page_body_path = "a.*";
  EXPECT_EQ(MakeError(bad), R"(page_number paginator: page_body_path: cannot set "a.*": only paths of plain names can be set)");
  PaginatorConfig bad_has_more = PageNumber();
  bad_has_more.has_more_path = "[";
  EXPECT_EQ(MakeError(bad_has_more),
            R"(page_number paginator: has_more_path: invalid JSONPath "[": unterminated '[' at offset 1)");
}

// --- cursor

TEST(CursorPaginatorTest, FollowsTheCursorUntilNull) {
  auto p = Make(Cursor());
  PageRequest r;
  r.params = {{"q", "x"}};
  WalkResult w = Walk(*p,
                      {{R"({"cursors":{"next":"abc"}})", 2},
                       {R"({"cursors":{"next":"def"}})", 2},
                       {R"({"cursors":{"next":null}})", 2},
                       {"{}", 2}},
                      std::move(r));
  EXPECT_EQ(w.requests, (Strings{"q=x", "q=x&cursor=abc", "q=x&cursor=def"}));
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(p->type_name(), "cursor");
}

TEST(CursorPaginatorTest, MissingOrEmptyCursorStops) {
  EXPECT_TRUE(Walk(*Make(Cursor()), {{R"({"items":[]})", 2}}).stopped);
  EXPECT_TRUE(Walk(*Make(Cursor()), {{R"({"cursors":{}})", 2}}).stopped);
  EXPECT_TRUE(Walk(*Make(Cursor()), {{R"({"cursors":{"next":""}})", 2}}).stopped);
  EXPECT_TRUE(Walk(*Make(Cursor()), {{R"([1,2])", 2}}).stopped);
}

TEST(CursorPaginatorTest, NumbersAreSentAsTheirJsonText) {
  PaginatorConfig c = Cursor();
  c.cursor_path = "next_id";
  c.cursor_param = "after";
  WalkResult w = Walk(*Make(c), {{R"({"next_id":42})", 1}, {R"({"next_id":0})", 1}, {R"({"next_id":1.5})", 1},
                                 {R"({"next_id":null})", 1}});
  EXPECT_EQ(w.requests, (Strings{"", "after=42", "after=0", "after=1.5"}));
  EXPECT_TRUE(w.stopped);
}

TEST(CursorPaginatorTest, CursorBodyPathKeepsTheJsonType) {
  PaginatorConfig c = Cursor();
  c.cursor_path = "nextPageToken";
  c.cursor_body_path = "paging.token";
  PageRequest r;
  r.json.emplace();
  r.json->Parse(R"({"query":"q"})");
  WalkResult w = Walk(*Make(c), {{R"({"nextPageToken":"t1"})", 1}, {R"({"nextPageToken":7})", 1}, {"{}", 1}},
                      std::move(r));
  EXPECT_EQ(w.requests, (Strings{R"({"query":"q"})", R"({"query":"q","paging":{"token":"t1"}})",
                                 R"({"query":"q","paging":{"token":7}})"}));
  EXPECT_TRUE(w.stopped);
}

TEST(CursorPaginatorTest, CursorBodyPathCreatesAnObjectBody) {
  PaginatorConfig c = Cursor();
  c.cursor_path = "next";
  c.cursor_body_path = "cursor";
  WalkResult w = Walk(*Make(c), {{R"({"next":"a"})", 1}, {"{}", 1}});
  EXPECT_EQ(w.requests, (Strings{"", R"({"cursor":"a"})"}));
}

TEST(CursorPaginatorTest, OtherCursorTypesAreErrors) {
  EXPECT_EQ(Walk(*Make(Cursor()), {{R"({"cursors":{"next":{"id":1}}})", 1}}).error,
            "cursor paginator: value at cursors.next is an object, expected a string or number");
  EXPECT_EQ(Walk(*Make(Cursor()), {{R"({"cursors":{"next":true}})", 1}}).error,
            "cursor paginator: value at cursors.next is a boolean, expected a string or number");
  EXPECT_EQ(Walk(*Make(Cursor()), {{"<html>", 1}}).error,
            "cursor paginator: response body is not JSON, cannot read cursor_path cursors.next");
}

TEST(CursorPaginatorTest, EmptyPagesGoOnByDefault) {
  const char* page = R"({"cursors":{"next":"c"}})";
  EXPECT_EQ(Walk(*Make(Cursor()), {{page, 0}, {page, 0}, {"{}", 0}}).requests.size(), 3u);
  PaginatorConfig c = Cursor();
  c.stop_after_empty_page = true;
  WalkResult w = Walk(*Make(c), {{page, 1}, {page, 0}, {page, 1}});
  EXPECT_EQ(w.requests.size(), 2u);
  EXPECT_TRUE(w.stopped);
}

TEST(CursorPaginatorTest, HasMore) {
  PaginatorConfig c = Cursor();
  c.cursor_path = "next";
  c.has_more_path = "has_more";
  WalkResult w = Walk(*Make(c), {{R"({"next":"a","has_more":true})", 1},
                                 {R"({"next":"b","has_more":false})", 1},
                                 {"{}", 1}});
  EXPECT_EQ(w.requests, (Strings{"", "cursor=a"}));
  EXPECT_TRUE(w.stopped);
  // A true has_more does not make up for a missing cursor.
  EXPECT_TRUE(Walk(*Make(c), {{R"({"next":null,"has_more":true})", 1}}).stopped);
  EXPECT_EQ(Walk(*Make(c), {{R"({"next":"a"})", 1}}).error,
            "cursor paginator: has_more_path has_more not found in the response");
  // An empty page stops before has_more is read, as in dlt.
  c.stop_after_empty_page = true;
  WalkResult empty = Walk(*Make(c), {{R"({"next":"a"})", 0}});
  EXPECT_TRUE(empty.stopped);
  EXPECT_EQ(empty.error, "");
}

TEST(CursorPaginatorTest, ConfigurationErrors) {
  PaginatorConfig c = Cursor();
  c.cursor_path = "$.";
  EXPECT_EQ(MakeError(c), R"(cursor paginator: cursor_path: invalid JSONPath "$.": expected a name at offset 2)");
  PaginatorConfig no_param = Cursor();
  no_param.cursor_param = "";
  EXPECT_EQ(MakeError(no_param), "cursor paginator: cursor_param must not be empty");
  PaginatorConfig bad_body = Cursor();
  bad_body.cursor_body_path = "$";
  EXPECT_EQ(MakeError(bad_body),
            R"(cursor paginator: cursor_body_path: cannot set "$": the path names the whole document)");
}

TEST(CursorPaginatorTest, CloneStartsAfresh) {
  auto p = Make(Cursor());
  EXPECT_TRUE(Walk(*p, {{"{}", 1}}).stopped);
  EXPECT_FALSE(p->has_next());
  std::unique_ptr<Paginator> clone = p->Clone();
  EXPECT_TRUE(clone->has_next());
  EXPECT_EQ(Walk(*clone, {{R"({"cursors":{"next":"z"}})", 1}, {"{}", 1}}).requests, (Strings{"", "cursor=z"}));
}

// --- header_cursor

TEST(HeaderCursorPaginatorTest, ReadsTheHeader) {
  PaginatorConfig c;
  c.type = Type::kHeaderCursor;
  c.cursor_key = "X-Next-Page-Token";
  c.cursor_param = "pageToken";
  WalkResult w = Walk(*Make(c), {{"[]", 1, {{"x-next-page-token", "t1"}}},
                                 {"", 1, {{"X-Next-Page-Token", "t 2"}}},
                                 {"[]", 1, {{"X-Next-Page-Token", ""}}},
                                 {"[]", 1}});
  EXPECT_EQ(w.requests, (Strings{"", "pageToken=t1", "pageToken=t 2"}));
  EXPECT_TRUE(w.stopped);
}

TEST(HeaderCursorPaginatorTest, DefaultsAndBodyPath) {
  PaginatorConfig c;
  c.type = Type::kHeaderCursor;
  auto p = Make(c);
  EXPECT_EQ(p->type_name(), "header_cursor");
  EXPECT_EQ(Walk(*p, {{"[]", 1, {{"next", "abc"}}}, {"[]", 1}}).requests, (Strings{"", "cursor=abc"}));
  c.cursor_body_path = "page.token";
  EXPECT_EQ(Walk(*Make(c), {{"[]", 1, {{"next", "abc"}}}, {"[]", 1}}).requests,
            (Strings{"", R"({"page":{"token":"abc"}})"}));
  EXPECT_TRUE(Walk(*Make(c), {{"[]", 1}}).stopped);
  c.cursor_key = "";
  EXPECT_EQ(MakeError(c), "header_cursor paginator: cursor_key must not be empty");
}

// --- json_link

TEST(JsonLinkPaginatorTest, FollowsNextLinksAsGiven) {
  PaginatorConfig c;
  c.type = Type::kJsonLink;
  auto p = Make(c);
  PageRequest r;
  r.url = "https://api.test/items";
  r.params = {{"limit", "2"}};
  WalkResult w = Walk(*p,
                      {{R"({"next":"https://api.test/items?page=2&limit=2"})", 2},
                       {R"({"next":"/items?page=3"})", 2},
                       {R"({"next":"?page=4"})", 2},
                       {R"({"next":null})", 2},
                       {"{}", 2}},
                      std::move(r));
  EXPECT_EQ(w.requests, (Strings{"limit=2", "GET https://api.test/items?page=2&limit=2", "GET /items?page=3",
                                 "GET ?page=4"}));
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(p->type_name(), "json_link");
}

TEST(JsonLinkPaginatorTest, NestedPathMissingAndEmptyStop) {
  PaginatorConfig c;
  c.type = Type::kJsonLink;
  c.next_url_path = "links.next";
  EXPECT_EQ(Walk(*Make(c), {{R"({"links":{"next":"u2"}})", 1}, {R"({"links":{}})", 1}}).requests,
            (Strings{"", "GET u2"}));
  EXPECT_TRUE(Walk(*Make(c), {{R"({"links":{"next":""}})", 1}}).stopped);
  EXPECT_TRUE(Walk(*Make(c), {{R"([])", 1}}).stopped);
}

TEST(JsonLinkPaginatorTest, Errors) {
  PaginatorConfig c;
  c.type = Type::kJsonLink;
  EXPECT_EQ(Walk(*Make(c), {{R"({"next":2})", 1}}).error,
            "json_link paginator: value at next is a number, expected a string (URL)");
  EXPECT_EQ(Walk(*Make(c), {{"", 1}}).error,
            "json_link paginator: response body is not JSON, cannot read next_url_path next");
  c.next_url_path = "a[";
  EXPECT_EQ(MakeError(c), R"(json_link paginator: next_url_path: invalid JSONPath "a[": unterminated '[' at offset 2)");
}

// --- header_link

TEST(HeaderLinkPaginatorTest, FollowsTheLinkHeader) {
  PaginatorConfig c;
  c.type = Type::kHeaderLink;
  auto p = Make(c);
  WalkResult w = Walk(
      *p, {{"[]", 1, {{"Link", R"(<https://api.test/items?page=2>; rel="next", <https://api.test/items?page=9>; rel="last")"}}},
           {"[]", 1, {{"link", R"(<https://api.test/items?page=1>; rel="first")"}, {"Link", "</items?page=3>; rel=next"}}},
           {"[]", 1, {{"Link", R"(<https://api.test/items?page=2>; rel="prev")"}}},
           {"[]", 1}});
  EXPECT_EQ(w.requests, (Strings{"", "GET https://api.test/items?page=2", "GET /items?page=3"}));
  EXPECT_TRUE(w.stopped);
  EXPECT_EQ(p->type_name(), "header_link");
}

TEST(HeaderLinkPaginatorTest, OtherRelAndNoHeaders) {
  PaginatorConfig c;
  c.type = Type::kHeaderLink;
  c.links_next_key = "next-page";
  EXPECT_EQ(Walk(*Make(c), {{"", 1, {{"Link", "<u2>; rel=next, <u3>; rel=next-page"}}}, {"", 1}}).requests,
            (Strings{"", "GET u3"}));
  auto p = Make(c);
  PageRequest r;
  ASSERT_TRUE(p->Init(r).ok());
  ASSERT_TRUE(p->Update(PageResponse{}).ok());  // no HTTP response at all
  EXPECT_FALSE(p->has_next());
  EXPECT_EQ(p->Next(r).error().code(), ErrorCode::kInternal);
  c.links_next_key = "";
  EXPECT_EQ(MakeError(c), "header_link paginator: links_next_key must not be empty");
}

TEST(PaginatorTest, AutoIsNotMadeFromConfiguration) {
  PaginatorConfig c;
  EXPECT_EQ(MakeError(c), "auto paginator: auto is detected from the first response, not made from configuration");
}

}  // namespace
}  // namespace ingestd::extract::rest
