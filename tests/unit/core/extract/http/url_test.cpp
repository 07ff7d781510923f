#include "core/extract/http/url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace ingestd::extract::http {
namespace {

Url MustParse(std::string_view text) {
  auto url = Url::Parse(text);
  EXPECT_TRUE(url.ok()) << text << ": " << url.error().ToString();
  return url.ok() ? std::move(url).value() : Url{};
}

std::string ParseError(std::string_view text) {
  auto url = Url::Parse(text);
  if (url.ok()) return "ok";
  EXPECT_EQ(url.error().code(), ErrorCode::kInvalidArgument);
  return url.error().message();
}

TEST(UrlTest, ParsesParts) {
  const Url url = MustParse("HTTPS://API.Example.com:8443/v1/issues?state=open&page=2#frag");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "api.example.com");
  EXPECT_EQ(url.port, 8443);
  EXPECT_EQ(url.target, "/v1/issues?state=open&page=2");
  EXPECT_EQ(url.Path(), "/v1/issues");
  EXPECT_EQ(url.Query(), "state=open&page=2");
  EXPECT_EQ(url.Authority(), "api.example.com:8443");
  EXPECT_EQ(url.ToString(), "https://api.example.com:8443/v1/issues?state=open&page=2");
  EXPECT_EQ(url.Redacted(), "https://api.example.com:8443/v1/issues");
}

TEST(UrlTest, DefaultPortsAndEmptyPath) {
  const Url http = MustParse("http://example.com");
  EXPECT_EQ(http.port, 80);
  EXPECT_EQ(http.target, "/");
  EXPECT_EQ(http.ToString(), "http://example.com/");
  EXPECT_EQ(http.Authority(), "example.com:80");
  const Url https = MustParse("https://example.com?x=1");
  EXPECT_EQ(https.port, 443);
  EXPECT_EQ(https.target, "/?x=1");
  EXPECT_EQ(https.ToString(), "https://example.com/?x=1");
  EXPECT_EQ(MustParse("http://example.com:/a").port, 80);
  EXPECT_EQ(MustParse("https://example.com:443/a").ToString(), "https://example.com/a");
}

TEST(UrlTest, Ipv6Literal) {
  const Url url = MustParse("http://[::1]:8080/x");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.Authority(), "[::1]:8080");
  EXPECT_EQ(url.ToString(), "http://[::1]:8080/x");
}

TEST(UrlTest, KeepsPercentEncodingAndEncodesNonAscii) {
  EXPECT_EQ(MustParse("http://h/a%2Fb?q=%20").target, "/a%2Fb?q=%20");
  EXPECT_EQ(MustParse("http://h/caf\xc3\xa9").target, "/caf%C3%A9");
}

TEST(UrlTest, RejectsBadUrls) {
  EXPECT_NE(ParseError("ftp://h/x").find("scheme must be http or https"), std::string::npos);
  EXPECT_NE(ParseError("/relative").find("not an absolute"), std::string::npos);
  EXPECT_NE(ParseError("http:/h").find("no host"), std::string::npos);
  EXPECT_NE(ParseError("http:///x").find("no host"), std::string::npos);
  EXPECT_NE(ParseError("http://h:99999/").find("bad port"), std::string::npos);
  EXPECT_NE(ParseError("http://h:0/").find("bad port"), std::string::npos);
  EXPECT_NE(ParseError("http://h:8x/").find("bad port"), std::string::npos);
  EXPECT_NE(ParseError("http://h/a b").find("space or control"), std::string::npos);
  EXPECT_NE(ParseError("http://h/a\nb").find("space or control"), std::string::npos);
  EXPECT_NE(ParseError("http://[::1/x").find("IPv6"), std::string::npos);
}

TEST(UrlTest, ErrorsHideQueryAndCredentials) {
  const std::string userinfo = ParseError("https://alice:s3cret@h.example/x?api_key=k3y");
  EXPECT_NE(userinfo.find("credentials"), std::string::npos);
  EXPECT_EQ(userinfo.find("s3cret"), std::string::npos) << userinfo;
  EXPECT_EQ(userinfo.find("alice"), std::string::npos) << userinfo;
  EXPECT_EQ(userinfo.find("k3y"), std::string::npos) << userinfo;
  const std::string space = ParseError("http://h/a b?token=k3y");
  EXPECT_EQ(space.find("k3y"), std::string::npos) << space;
  EXPECT_NE(space.find("http://h/a b"), std::string::npos) << space;
}

// RFC 3986 §5.4: base "http://a/b/c/d;p?q". Our URLs always have a path, so
// "http://g" comes back as "http://g/".
TEST(UrlTest, ResolvesRfc3986Examples) {
  const Url base = MustParse("http://a/b/c/d;p?q");
  const std::vector<std::pair<std::string, std::string>> cases = {
      // §5.4.1 normal examples
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g/"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q"},
      {"g#s", "http://a/b/c/g"},
      {"g?y#s", "http://a/b/c/g?y"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      // §5.4.2 abnormal examples
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g"},
      {"g#s/../x", "http://a/b/c/g"},
      {"http:g", "http://a/b/c/g"},  // the backward-compatible reading
  };
  for (const auto& [reference, expected] : cases) {
    auto resolved = base.Resolve(reference);
    ASSERT_TRUE(resolved.ok()) << reference << ": " << resolved.error().ToString();
    EXPECT_EQ(resolved->ToString(), expected) << "reference \"" << reference << "\"";
  }
}

TEST(UrlTest, ResolvesAbsoluteAndOtherHosts) {
  const Url base = MustParse("https://api.example.com/v1/items?page=1");
  EXPECT_EQ(base.Resolve("https://other.example.com:8443/x?y=1")->ToString(), "https://other.example.com:8443/x?y=1");
  EXPECT_EQ(base.Resolve("http://h/a/../b")->ToString(), "http://h/b");
  EXPECT_EQ(base.Resolve("//cdn.example.com/f")->ToString(), "https://cdn.example.com/f");
  EXPECT_EQ(base.Resolve("?page=2")->ToString(), "https://api.example.com/v1/items?page=2");
  EXPECT_EQ(base.Resolve("/v2/items")->ToString(), "https://api.example.com/v2/items");
  EXPECT_FALSE(base.Resolve("g:h").ok());  // not http(s)
  EXPECT_FALSE(base.Resolve("mailto:x@y").ok());
  EXPECT_FALSE(base.Resolve("//user:pw@h/x").ok());
}

TEST(UrlTest, PercentEncode) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b&c=d/e?f"), "a%20b%26c%3Dd%2Fe%3Ff");
  EXPECT_EQ(PercentEncode("caf\xc3\xa9+"), "caf%C3%A9%2B");
  EXPECT_EQ(PercentEncodePathSegment("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(PercentEncodePathSegment("..%"), "..%25");
}

TEST(UrlTest, WithQueryParamsAppendsAndReplaces) {
  const Url url = MustParse("https://h/items?state=open&page=1&per_page=50");
  const Url next = WithQueryParams(url, {{"page", "2"}, {"q", "a b&c"}});
  EXPECT_EQ(next.target, "/items?state=open&per_page=50&page=2&q=a%20b%26c");
  EXPECT_EQ(WithQueryParams(MustParse("http://h/x"), {{"a", "1"}}).target, "/x?a=1");
  EXPECT_EQ(WithQueryParams(MustParse("http://h/x?a=1"), {}).target, "/x?a=1");
  // A key written encoded in the URL is still recognised.
  EXPECT_EQ(WithQueryParams(MustParse("http://h/x?page%5Bnumber%5D=1&b=2"), {{"page[number]", "3"}}).target,
            "/x?b=2&page%5Bnumber%5D=3");
  // Every occurrence of a replaced key goes.
  EXPECT_EQ(WithQueryParams(MustParse("http://h/x?id=1&id=2&z"), {{"id", "9"}}).target, "/x?z&id=9");
}

TEST(UrlTest, QueryParamsDecodes) {
  const auto params = QueryParams(MustParse("http://h/x?a=1&b=x%20y&c=p+q&flag&&e="));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"a", "1"}, {"b", "x y"}, {"c", "p q"}, {"flag", ""}, {"e", ""}};
  EXPECT_EQ(params, expected);
  EXPECT_TRUE(QueryParams(MustParse("http://h/x")).empty());
}

}  // namespace
}  // namespace ingestd::extract::http
