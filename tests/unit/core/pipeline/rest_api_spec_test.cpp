// The spec's top-level `rest_api` key (dlt's rest_api config shape) and
// its expansion into ResourceSpecs.

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/pipeline/pipeline_spec.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::pipeline {
namespace {

namespace rest = extract::rest;
using Params = std::vector<std::pair<std::string, std::string>>;

// A pipeline spec around a rest_api config.
std::string Spec(const std::string& rest_api) { return R"({"name": "p", "rest_api": )" + rest_api + "}"; }

// A rest_api config with a plain client around the given resources.
std::string WithResources(const std::string& resources, const std::string& defaults = "") {
  std::string out = R"({"client": {"base_url": "https://api.example.com/v1/"},)";
  if (!defaults.empty()) out += R"( "resource_defaults": )" + defaults + ",";
  return out + R"( "resources": [)" + resources + "]}";
}

const rest::RestResourceConfig& Rest(const ResourceSpec& r) {
  return std::get<rest::RestResourceConfig>(r.source);
}

PipelineSpec MustParse(const std::string& json) {
  auto spec = ParsePipelineSpec(json);
  EXPECT_TRUE(spec.ok()) << json << "\n" << spec.error().ToString();
  if (!spec.ok()) return PipelineSpec{};
  return *std::move(spec);
}

TEST(RestApiSpec, FullConfigWithDefaultsMerged) {
  PipelineSpec spec = MustParse(Spec(R"({
    "client": {
      "base_url": "https://api.example.com/v1/",
      "headers": {"Accept": "application/json"},
      "auth": {"type": "bearer", "token": "env:API_TOKEN"},
      "paginator": {"type": "json_link", "next_url_path": "paging.next"},
      "http": {"connect_timeout_seconds": 5, "read_timeout_seconds": 30, "total_timeout_seconds": 120,
               "max_response_bytes": 1000000, "max_redirects": 2, "verify_tls": false, "ca_file": "/etc/ca.pem",
               "user_agent": "test-agent"},
      "retry": {"max_attempts": 3, "backoff_base_seconds": 0.5, "backoff_factor": 3, "max_delay_seconds": 60,
                "jitter": 0, "min_retry_after_seconds": 2, "retry_statuses": [429, 503],
                "honour_retry_after": false},
      "limits": {"max_concurrent": 2, "requests_per_second": 5.5}
    },
    "resource_defaults": {
      "primary_key": "id",
      "write_disposition": "merge",
      "columns": {"created_at": {"data_type": "timestamp"}, "x": {"nullable": false}},
      "endpoint": {
        "params": {"per_page": 100, "state": "open"},
        "json": {"a": 1, "b": {"x": 1}},
        "concurrent_pages": 3
      }
    },
    "resources": [
      "users",
      {
        "name": "issues",
        "table_name": "gh_issues",
        "columns": {"x": {"data_type": "bigint"}, "y": {"data_type": "text"}},
        "endpoint": {
          "path": "repos/issues",
          "method": "POST",
          "params": {"state": "all", "since": "{incremental.start_value}", "flag": true},
          "json": {"b": {"y": 2}, "c": "{{literal}}"},
          "headers": {"X-Since": "{incremental.last_value}"},
          "data_selector": "data.items",
          "incremental": {"cursor_path": "updated_at", "initial_value": "2024-01-01", "end_param": "until"}
        }
      },
      {
        "name": "comments",
        "endpoint": "repos/issues/{resources.issues.number}/comments",
        "include_from_parent": ["id", "title"],
        "parallelized": false,
        "selected": false
      }
    ]
  })"));
  ASSERT_EQ(spec.resources.size(), 3u);

  const ResourceSpec& users = spec.resources[0];
  EXPECT_EQ(users.name, "users");
  EXPECT_EQ(users.table_name, "users");
  EXPECT_EQ(SourceKindName(users.source), "rest_api");
  EXPECT_EQ(users.write_disposition, schema::WriteDisposition::kMerge);
  EXPECT_EQ(users.primary_key, std::vector<std::string>{"id"});
  const rest::RestResourceConfig& u = Rest(users);
  ASSERT_NE(u.client, nullptr);
  EXPECT_EQ(u.client->base_url, "https://api.example.com/v1/");
  EXPECT_EQ(u.client->headers, (Params{{"Accept", "application/json"}}));
  ASSERT_TRUE(u.client->auth.has_value());
  EXPECT_EQ(u.client->auth->type, rest::AuthConfig::Type::kBearer);
  EXPECT_EQ(u.client->auth->token, "env:API_TOKEN");
  ASSERT_TRUE(u.client->paginator.has_value());
  EXPECT_EQ(u.client->paginator->type, rest::PaginatorConfig::Type::kJsonLink);
  EXPECT_EQ(u.client->paginator->next_url_path, "paging.next");
  const auto& http = u.client->http;
  EXPECT_EQ(http.connect_timeout_seconds, 5);
  EXPECT_EQ(http.read_timeout_seconds, 30);
  EXPECT_EQ(http.total_timeout_seconds, 120);
  EXPECT_EQ(http.max_response_bytes, 1000000u);
  EXPECT_EQ(http.max_redirects, 2);
  EXPECT_FALSE(http.verify_tls);
  EXPECT_EQ(http.ca_file, "/etc/ca.pem");
  EXPECT_EQ(http.user_agent, "test-agent");
  EXPECT_EQ(http.retry.max_attempts, 3);
  EXPECT_EQ(http.retry.backoff_base_seconds, 0.5);
  EXPECT_EQ(http.retry.backoff_factor, 3);
  EXPECT_EQ(http.retry.max_delay_seconds, 60);
  EXPECT_EQ(http.retry.jitter, 0);
  EXPECT_EQ(http.retry.min_retry_after_seconds, 2);
  EXPECT_EQ(http.retry.retry_statuses, (std::vector<int>{429, 503}));
  EXPECT_FALSE(http.retry.honour_retry_after);
  EXPECT_EQ(http.host_limits.max_concurrent, 2);
  EXPECT_EQ(http.host_limits.requests_per_second, 5.5);
  // A string resource: name = path, defaults merged in.
  EXPECT_EQ(u.endpoint.path, "users");
  EXPECT_EQ(u.endpoint.method, "GET");
  EXPECT_EQ(u.endpoint.params, (Params{{"per_page", "100"}, {"state", "open"}}));
  EXPECT_EQ(u.endpoint.json, R"({"a":1,"b":{"x":1}})");
  EXPECT_EQ(u.endpoint.concurrent_pages, 3);
  EXPECT_FALSE(u.endpoint.paginator.has_value());  // the client's applies
  EXPECT_FALSE(u.endpoint.data_selector.has_value());
  EXPECT_FALSE(u.parent.has_value());
  EXPECT_TRUE(u.selected);
  EXPECT_EQ(u.concurrent_children, 4);
  ASSERT_EQ(users.columns.size(), 2u);

  const ResourceSpec& issues = spec.resources[1];
  EXPECT_EQ(issues.name, "issues");
  EXPECT_EQ(issues.table_name, "gh_issues");
  // Columns merge per column and hint: defaults' order first.
  ASSERT_EQ(issues.columns.size(), 3u);
  EXPECT_EQ(issues.columns[0].name, "created_at");
  EXPECT_EQ(issues.columns[0].data_type, schema::DataType::kTimestamp);
  EXPECT_EQ(issues.columns[1].name, "x");
  EXPECT_EQ(issues.columns[1].data_type, schema::DataType::kBigint);
  EXPECT_EQ(issues.columns[1].nullable, false);
  EXPECT_EQ(issues.columns[2].name, "y");
  const rest::RestResourceConfig& i = Rest(issues);
  EXPECT_EQ(i.client, u.client);  // one client for the source
  EXPECT_EQ(i.endpoint.path, "repos/issues");
  EXPECT_EQ(i.endpoint.method, "POST");
  // params merge key by key: defaults' order, overridden values, new ones after.
  EXPECT_EQ(i.endpoint.params, (Params{{"per_page", "100"},
                                       {"state", "all"},
                                       {"since", "{incremental.start_value}"},
                                       {"flag", "true"}}));
  // json merges by top-level key (dlt's rule): "b" is replaced, not merged.
  EXPECT_EQ(i.endpoint.json, R"({"a":1,"b":{"y":2},"c":"{{literal}}"})");
  EXPECT_EQ(i.endpoint.headers, (Params{{"X-Since", "{incremental.last_value}"}}));
  EXPECT_EQ(i.endpoint.data_selector, "data.items");
  ASSERT_TRUE(issues.incremental.has_value());
  EXPECT_EQ(issues.incremental->cursor_path, "updated_at");
  EXPECT_EQ(issues.incremental->initial_value, extract::CursorValue::String("2024-01-01"));
  ASSERT_TRUE(i.endpoint.incremental.has_value());
  EXPECT_FALSE(i.endpoint.incremental->start_param.has_value());
  EXPECT_EQ(i.endpoint.incremental->end_param, "until");

  const ResourceSpec& comments = spec.resources[2];
  const rest::RestResourceConfig& c = Rest(comments);
  EXPECT_EQ(c.endpoint.path, "repos/issues/{resources.issues.number}/comments");
  EXPECT_EQ(c.parent, "issues");
  EXPECT_EQ(c.include_from_parent, (std::vector<std::string>{"id", "title"}));
  EXPECT_EQ(c.concurrent_children, 1);
  EXPECT_FALSE(c.selected);
  EXPECT_FALSE(comments.incremental.has_value());
}

TEST(RestApiSpec, ParallelizedAndConcurrentChildren) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    "a",
    {"name": "b", "endpoint": "a/{resources.a.id}/b", "parallelized": true},
    {"name": "c", "endpoint": "a/{resources.a.id}/c", "concurrent_children": 9})")));
  ASSERT_EQ(spec.resources.size(), 3u);
  EXPECT_EQ(Rest(spec.resources[1]).concurrent_children, 4);
  EXPECT_EQ(Rest(spec.resources[2]).concurrent_children, 9);
}

TEST(RestApiSpec, PaginatorForms) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    {"name": "a", "endpoint": {"paginator": "single_page"}},
    {"name": "b", "endpoint": {"paginator": "auto"}},
    {"name": "c", "endpoint": {"paginator": {"type": "offset", "limit": 50, "offset_param": "skip",
                                             "total_path": null, "maximum_offset": 1000}}},
    {"name": "d", "endpoint": {"paginator": {"type": "page_number", "base_page": 1, "page_param": "p",
                                             "total_path": "meta.pages", "stop_after_empty_page": false}}},
    {"name": "e", "endpoint": {"paginator": {"type": "cursor", "cursor_path": "next_cursor",
                                             "cursor_body_path": "cursor", "has_more_path": "has_more"}}},
    {"name": "f", "endpoint": {"paginator": {"type": "header_cursor", "cursor_key": "X-Next"}}},
    {"name": "g", "endpoint": {"paginator": {"type": "header_link", "links_next_key": "next"}}},
    {"name": "h", "endpoint": {"paginator": "json_response"}})")));
  ASSERT_EQ(spec.resources.size(), 8u);
  using T = rest::PaginatorConfig::Type;
  auto paginator = [&](std::size_t i) { return *Rest(spec.resources[i]).endpoint.paginator; };
  EXPECT_EQ(paginator(0).type, T::kSinglePage);
  EXPECT_EQ(paginator(1).type, T::kAuto);
  EXPECT_EQ(paginator(2).type, T::kOffset);
  EXPECT_EQ(paginator(2).limit, 50);
  EXPECT_EQ(paginator(2).offset_param, "skip");
  EXPECT_FALSE(paginator(2).total_path.has_value());
  EXPECT_EQ(paginator(2).maximum_offset, 1000);
  EXPECT_EQ(paginator(3).type, T::kPageNumber);
  EXPECT_EQ(paginator(3).base_page, 1);
  EXPECT_EQ(paginator(3).page_param, "p");
  EXPECT_EQ(paginator(3).total_path, "meta.pages");
  EXPECT_EQ(paginator(3).stop_after_empty_page, false);
  EXPECT_EQ(paginator(4).type, T::kCursor);
  EXPECT_EQ(paginator(4).cursor_path, "next_cursor");
  EXPECT_EQ(paginator(4).cursor_body_path, "cursor");
  EXPECT_EQ(paginator(4).has_more_path, "has_more");
  EXPECT_EQ(paginator(5).type, T::kHeaderCursor);
  EXPECT_EQ(paginator(5).cursor_key, "X-Next");
  EXPECT_EQ(paginator(6).type, T::kHeaderLink);
  EXPECT_EQ(paginator(7).type, T::kJsonLink);  // dlt's deprecated name
}

TEST(RestApiSpec, AuthTypes) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    {"name": "a", "endpoint": {"auth": {"token": "file:/run/secrets/t"}}},
    {"name": "b", "endpoint": {"auth": {"type": "api_key", "api_key": "env:KEY", "name": "api_key",
                                        "location": "param"}}},
    {"name": "c", "endpoint": {"auth": {"type": "api_key", "api_key": "k"}}},
    {"name": "d", "endpoint": {"auth": {"type": "http_basic", "username": "u", "password": "env:PW"}}},
    {"name": "e", "endpoint": {"auth": {"type": "oauth2_client_credentials",
                                        "access_token_url": "https://auth.example.com/token",
                                        "client_id": "id", "client_secret": "env:SECRET",
                                        "access_token_request_data": {"audience": "api", "n": 2},
                                        "default_token_expiration": 600}}})")));
  ASSERT_EQ(spec.resources.size(), 5u);
  using T = rest::AuthConfig::Type;
  auto auth = [&](std::size_t i) { return *Rest(spec.resources[i]).endpoint.auth; };
  EXPECT_EQ(auth(0).type, T::kBearer);  // no type but a token
  EXPECT_EQ(auth(0).token, "file:/run/secrets/t");
  EXPECT_EQ(auth(1).type, T::kApiKey);
  EXPECT_EQ(auth(1).api_key, "env:KEY");
  EXPECT_EQ(auth(1).name, "api_key");
  EXPECT_EQ(auth(1).location, rest::AuthConfig::Location::kQuery);  // "param" = query, as in dlt
  EXPECT_EQ(auth(2).name, "Authorization");
  EXPECT_EQ(auth(2).location, rest::AuthConfig::Location::kHeader);
  EXPECT_EQ(auth(3).type, T::kHttpBasic);
  EXPECT_EQ(auth(3).username, "u");
  EXPECT_EQ(auth(3).password, "env:PW");
  EXPECT_EQ(auth(4).type, T::kOAuth2ClientCredentials);
  EXPECT_EQ(auth(4).access_token_url, "https://auth.example.com/token");
  EXPECT_EQ(auth(4).client_id, "id");
  EXPECT_EQ(auth(4).client_secret, "env:SECRET");
  EXPECT_EQ(auth(4).access_token_request_data, (Params{{"audience", "api"}, {"n", "2"}}));
  EXPECT_EQ(auth(4).default_token_expiration, 600);
  EXPECT_FALSE(Rest(spec.resources[0]).client->auth.has_value());
}

TEST(RestApiSpec, LegacyResolveParams) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    "groups",
    {"name": "users", "endpoint": {"path": "groups/{group_id}/users",
      "params": {"group_id": {"type": "resolve", "resource": "groups", "field": "id"}, "limit": 10}}},
    {"name": "members", "endpoint": {"path": "members",
      "params": {"group": {"type": "resolve", "resource": "groups", "field": "meta.id"}}}})")));
  ASSERT_EQ(spec.resources.size(), 3u);
  const rest::RestResourceConfig& users = Rest(spec.resources[1]);
  EXPECT_EQ(users.endpoint.path, "groups/{resources.groups.id}/users");
  EXPECT_EQ(users.endpoint.params, (Params{{"limit", "10"}}));
  EXPECT_EQ(users.parent, "groups");
  // Not bound in the path: a query parameter with the placeholder.
  const rest::RestResourceConfig& members = Rest(spec.resources[2]);
  EXPECT_EQ(members.endpoint.path, "members");
  EXPECT_EQ(members.endpoint.params, (Params{{"group", "{resources.groups.meta.id}"}}));
  EXPECT_EQ(members.parent, "groups");
}

TEST(RestApiSpec, PlaceholdersInParamsJsonAndHeadersSetTheParent) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    "orders",
    {"name": "a", "endpoint": {"path": "lines", "params": {"order": "{resources.orders.id}"}}},
    {"name": "b", "endpoint": {"path": "lines", "method": "POST", "json": {"q": {"id": "{resources.orders.id}"}}}},
    {"name": "c", "endpoint": {"path": "lines", "headers": {"X-Order": "{resources.orders.id}"}}})")));
  ASSERT_EQ(spec.resources.size(), 4u);
  EXPECT_FALSE(Rest(spec.resources[0]).parent.has_value());
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(Rest(spec.resources[i]).parent, "orders") << i;
}

TEST(RestApiSpec, LegacyIncrementalParam) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    {"name": "events", "endpoint": {"path": "events", "params": {
      "page_size": 50,
      "since": {"type": "incremental", "cursor_path": "ts", "initial_value": 100, "last_value_func": "max"}}}})")));
  ASSERT_EQ(spec.resources.size(), 1u);
  const ResourceSpec& r = spec.resources[0];
  ASSERT_TRUE(r.incremental.has_value());
  EXPECT_EQ(r.incremental->cursor_path, "ts");
  EXPECT_EQ(r.incremental->initial_value, extract::CursorValue::Int(100));
  const rest::RestResourceConfig& c = Rest(r);
  EXPECT_EQ(c.endpoint.params, (Params{{"page_size", "50"}}));
  ASSERT_TRUE(c.endpoint.incremental.has_value());
  EXPECT_EQ(c.endpoint.incremental->start_param, "since");
  EXPECT_FALSE(c.endpoint.incremental->end_param.has_value());
}

TEST(RestApiSpec, SingleEntityPaths) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    "users",
    {"name": "user", "endpoint": "users/{resources.users.id}/"},
    {"name": "paged", "endpoint": {"path": "users/{resources.users.id}", "paginator": "header_link"}},
    {"name": "static", "endpoint": {"path": "user/{id}", "params": {"id": 7}}},
    {"name": "list", "endpoint": "users/{resources.users.id}/posts"})")));
  ASSERT_EQ(spec.resources.size(), 5u);
  const rest::RestResourceConfig& user = Rest(spec.resources[1]);
  ASSERT_TRUE(user.endpoint.paginator.has_value());
  EXPECT_EQ(user.endpoint.paginator->type, rest::PaginatorConfig::Type::kSinglePage);
  EXPECT_EQ(user.endpoint.data_selector, "$");
  const rest::RestResourceConfig& paged = Rest(spec.resources[2]);
  EXPECT_EQ(paged.endpoint.paginator->type, rest::PaginatorConfig::Type::kHeaderLink);  // configured: kept
  EXPECT_EQ(paged.endpoint.data_selector, "$");
  const rest::RestResourceConfig& fixed = Rest(spec.resources[3]);
  EXPECT_EQ(fixed.endpoint.path, "user/7");  // dlt's static path param
  EXPECT_TRUE(fixed.endpoint.params.empty());
  EXPECT_EQ(fixed.endpoint.paginator->type, rest::PaginatorConfig::Type::kSinglePage);
  const rest::RestResourceConfig& list = Rest(spec.resources[4]);
  EXPECT_FALSE(list.endpoint.paginator.has_value());
  EXPECT_FALSE(list.endpoint.data_selector.has_value());
}

TEST(RestApiSpec, DefaultsPaginatorIsNotOverriddenBySingleEntityDetection) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"("users", {"name": "user", "endpoint": "users/{resources.users.id}"})",
                                                   R"({"endpoint": {"paginator": "header_link"}})")));
  EXPECT_EQ(Rest(spec.resources[1]).endpoint.paginator->type, rest::PaginatorConfig::Type::kHeaderLink);
}

TEST(RestApiSpec, AbsolutePathAndLiteralBraces) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"(
    {"name": "a", "endpoint": {"path": "https://other.example.com/x?y=1", "params": {"q": "{{\"k\": 1}}"}}})")));
  const rest::RestResourceConfig& a = Rest(spec.resources[0]);
  EXPECT_EQ(a.endpoint.path, "https://other.example.com/x?y=1");
  EXPECT_EQ(a.endpoint.params, (Params{{"q", "{{\"k\": 1}}"}}));
  EXPECT_FALSE(a.parent.has_value());
}

TEST(RestApiSpec, ResourcesOfBothKindsAndNoTopLevelResources) {
  PipelineSpec spec = MustParse(R"({"name": "p",
    "resources": [{"name": "files", "source": {"kind": "files", "paths": ["a.jsonl"]}}],
    "rest_api": {"client": {"base_url": "http://localhost:8080"}, "resources": ["items"]}})");
  ASSERT_EQ(spec.resources.size(), 2u);
  EXPECT_EQ(SourceKindName(spec.resources[0].source), "files");
  EXPECT_EQ(SourceKindName(spec.resources[1].source), "rest_api");

  PipelineSpec only_rest =
      MustParse(R"({"name": "p", "rest_api": {"client": {"base_url": "https://x.io"}, "resources": ["items"]}})");
  ASSERT_EQ(only_rest.resources.size(), 1u);
  PipelineSpec empty_files = MustParse(
      R"({"name": "p", "resources": [], "rest_api": {"client": {"base_url": "https://x.io"}, "resources": ["i"]}})");
  ASSERT_EQ(empty_files.resources.size(), 1u);
}

TEST(RestApiSpec, DefaultIncludeFromParentAppliesToChildrenOnly) {
  PipelineSpec spec = MustParse(Spec(WithResources(R"("issues", {"name": "comments", "endpoint": "i/{resources.issues.id}/c"})",
                                                   R"({"include_from_parent": ["id"]})")));
  ASSERT_EQ(spec.resources.size(), 2u);
  EXPECT_TRUE(Rest(spec.resources[0]).include_from_parent.empty());
  EXPECT_EQ(Rest(spec.resources[1]).include_from_parent, std::vector<std::string>{"id"});
}

TEST(RestApiSpec, CaFileResolvesAgainstTheSpecDirectory) {
  testing::TempDir dir("rest_spec");
  std::string path = dir.path() + "/api.json";
  testing::WriteAll(path, Spec(R"({"client": {"base_url": "https://x.io", "http": {"ca_file": "certs/ca.pem"}},
                                  "resources": ["a", "b"]})"));
  auto spec = LoadPipelineSpecFile(path);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  ASSERT_EQ(spec->resources.size(), 2u);
  EXPECT_EQ(Rest(spec->resources[0]).client->http.ca_file, dir.path() + "/certs/ca.pem");
  EXPECT_EQ(Rest(spec->resources[0]).client, Rest(spec->resources[1]).client);  // still one client
}

TEST(RestApiSpec, ExampleFileLoads) {
  auto spec = LoadPipelineSpecFile(std::string(INGESTD_SOURCE_DIR) + "/examples/rest_api.pipeline.json");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  ASSERT_EQ(spec->resources.size(), 3u);
  EXPECT_EQ(spec->resources[0].name, "issues");
  EXPECT_TRUE(spec->resources[0].incremental.has_value());
  EXPECT_EQ(spec->resources[0].write_disposition, schema::WriteDisposition::kMerge);
  EXPECT_EQ(Rest(spec->resources[1]).parent, "issues");
  EXPECT_EQ(Rest(spec->resources[1]).include_from_parent, (std::vector<std::string>{"id", "number"}));
}

struct ErrorCase {
  std::string json;
  std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.json; }

class RestApiSpecErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RestApiSpecErrors, NamesThePath) {
  auto spec = ParsePipelineSpec(GetParam().json);
  ASSERT_FALSE(spec.ok()) << GetParam().json;
  EXPECT_EQ(spec.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(spec.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Spec, RestApiSpecErrors,
    ::testing::Values(
        // Shape and client.
        ErrorCase{Spec(R"({"resources": ["a"]})"), "rest_api: missing required key \"client\""},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io"}, "resources": []})"),
                  "rest_api.resources: expected at least one resource"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io"}, "resources": ["a"], "sources": 1})"),
                  "rest_api.sources: unknown key (allowed: client, resource_defaults, resources)"},
        ErrorCase{Spec(R"({"client": {"base_uri": "https://x.io"}, "resources": ["a"]})"),
                  "rest_api.client.base_uri: unknown key (allowed: base_url, headers, auth, paginator, http, retry, "
                  "limits)"},
        ErrorCase{Spec(R"({"client": {"headers": {}}, "resources": ["a"]})"),
                  "rest_api.client: missing required key \"base_url\""},
        ErrorCase{Spec(R"({"client": {"base_url": "api.example.com/v1"}, "resources": ["a"]})"),
                  "rest_api.client.base_url: expected an absolute http:// or https:// URL, got \"api.example.com/v1\""},
        ErrorCase{Spec(R"({"client": {"base_url": "https://user:pw@x.io/?key=s3cret"}, "resources": ["a"]})"),
                  "rest_api.client.base_url: must not contain user:password@ (put credentials in auth), got "
                  "\"https://user:pw@x.io/\""},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "session": {}}, "resources": ["a"]})"),
                  "rest_api.client.session: not supported by ingestd (a Python requests session)"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "headers": {"A": 1}}, "resources": ["a"]})"),
                  "rest_api.client.headers.A: expected a string, got a number"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "retry": {"max_attempts": 0}}, "resources": ["a"]})"),
                  "rest_api.client.retry.max_attempts: must be at least 1, got 0"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "retry": {"jitter": 2}}, "resources": ["a"]})"),
                  "rest_api.client.retry.jitter: must be a fraction between 0 and 1, got 2"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "retry": {"retry_statuses": [200]}},
                         "resources": ["a"]})"),
                  "rest_api.client.retry.retry_statuses: must be HTTP error statuses between 400 and 599, got 200"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "retry": {"retries": 3}}, "resources": ["a"]})"),
                  "rest_api.client.retry.retries: unknown key (allowed: max_attempts, backoff_base_seconds, "
                  "backoff_factor, max_delay_seconds, jitter, min_retry_after_seconds, retry_statuses, "
                  "honour_retry_after)"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "limits": {"max_concurrent": 0}},
                         "resources": ["a"]})"),
                  "rest_api.client.limits.max_concurrent: must be at least 1, got 0"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "http": {"read_timeout_seconds": 0}},
                         "resources": ["a"]})"),
                  "rest_api.client.http.read_timeout_seconds: expected a number of seconds > 0, got 0"},
        // Auth.
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "auth": {"username": "u"}}, "resources": ["a"]})"),
                  "rest_api.client.auth: missing required key \"type\" (one of \"bearer\", \"api_key\", "
                  "\"http_basic\", \"oauth2_client_credentials\"; it may be left out for bearer with \"token\")"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "auth": {"type": "digest"}}, "resources": ["a"]})"),
                  "rest_api.client.auth.type: expected one of \"bearer\", \"api_key\", \"http_basic\", "
                  "\"oauth2_client_credentials\", got \"digest\""},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "auth": {"type": "http_basic", "username": "u",
                         "password": "p", "token": "t"}}, "resources": ["a"]})"),
                  "rest_api.client.auth.token: unknown key (allowed: type, username, password)"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "auth": {"token": "env:"}}, "resources": ["a"]})"),
                  "rest_api.client.auth.token: secret reference \"env:\" names nothing (use env:VARIABLE or "
                  "file:/path/to/secret)"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "auth": {"type": "api_key", "api_key": "k",
                         "location": "cookie"}}, "resources": ["a"]})"),
                  "rest_api.client.auth.location: \"cookie\" is not supported by ingestd (use \"header\" or "
                  "\"query\")"},
        // Paginator.
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "paginator": "offset"}, "resources": ["a"]})"),
                  "rest_api.client.paginator: \"offset\" needs a limit: write {\"type\": \"offset\", \"limit\": N}"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "paginator": "next"}, "resources": ["a"]})"),
                  "rest_api.client.paginator: expected one of \"auto\", \"single_page\", \"json_link\", "
                  "\"header_link\", \"header_cursor\", \"cursor\", \"offset\", \"page_number\", \"json_response\", "
                  "got \"next\""},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "paginator": {"type": "offset"}},
                         "resources": ["a"]})"),
                  "rest_api.client.paginator: missing required key \"limit\""},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "paginator": {"type": "json_link",
                         "limit": 5}}, "resources": ["a"]})"),
                  "rest_api.client.paginator.limit: unknown key (allowed: type, next_url_path)"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "paginator": {"type": "cursor",
                         "cursor_param": "c", "cursor_body_path": "c"}}, "resources": ["a"]})"),
                  "rest_api.client.paginator.cursor_body_path: set one of cursor_param and cursor_body_path, not "
                  "both"},
        ErrorCase{Spec(R"({"client": {"base_url": "https://x.io", "paginator": {"next_url_path": "n"}},
                         "resources": ["a"]})"),
                  "rest_api.client.paginator: missing required key \"type\""},
        // Resources and defaults.
        ErrorCase{Spec(WithResources(R"(5)")),
                  "rest_api.resources[0]: expected a resource name (the path) or an object, got a number"},
        ErrorCase{Spec(WithResources(R"({"endpoint": "a"})")), "rest_api.resources[0]: missing required key \"name\""},
        ErrorCase{Spec(WithResources(R"({"name": "a", "tabel_name": "x"})")),
                  "rest_api.resources[0].tabel_name: unknown key (allowed: name, endpoint, table_name, "
                  "write_disposition, primary_key, merge_key, columns, max_table_nesting, schema_contract, "
                  "include_from_parent, selected, parallelized, concurrent_children)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "processing_steps": [{"filter": "x"}]})")),
                  "rest_api.resources[0].processing_steps: not supported by ingestd (filter/map steps are Python "
                  "callables)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "table_format": "delta"})")),
                  "rest_api.resources[0].table_format: not supported by ingestd"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "incremental": {"cursor_path": "t"}})")),
                  "rest_api.resources[0].incremental: belongs in \"endpoint\" in a rest_api resource (dlt's "
                  "endpoint.incremental)"},
        ErrorCase{Spec(WithResources(R"("a", "a")")),
                  "rest_api.resources[1]: duplicate resource name \"a\" (also rest_api.resources[0])"},
        ErrorCase{R"({"name": "p", "resources": [{"name": "a", "source": {"kind": "files", "paths": ["x"]}}],
                     "rest_api": {"client": {"base_url": "https://x.io"}, "resources": [{"name": "a"}]}})",
                  "rest_api.resources[0].name: duplicate resource name \"a\" (also resources[0])"},
        ErrorCase{Spec(WithResources(R"("a")", R"({"name": "x"})")),
                  "rest_api.resource_defaults.name: not allowed in resource_defaults (every resource has its own)"},
        ErrorCase{Spec(WithResources(R"("a")", R"({"endpoint": {"path": "x"}})")),
                  "rest_api.resource_defaults.endpoint.path: not allowed in resource_defaults (each resource's path "
                  "defaults to its name)"},
        ErrorCase{Spec(WithResources(R"("a")", R"({"write_disposition": "upsert"})")),
                  "rest_api.resource_defaults.write_disposition: expected one of \"append\", \"replace\", \"merge\", "
                  "got \"upsert\""},
        ErrorCase{Spec(WithResources(R"("a")", R"({"write_disposition": {"disposition": "merge",
                                                   "strategy": "upsert"}})")),
                  "rest_api.resource_defaults.write_disposition: strategy \"upsert\" needs a primary key (set "
                  "primary_key, or primary_key: true on a column)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "parallelized": true, "concurrent_children": 2})")),
                  "rest_api.resources[0].concurrent_children: set one of parallelized and concurrent_children, not "
                  "both"},
        // Endpoint.
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"method": "PUT"}})")),
                  "rest_api.resources[0].endpoint.method: expected one of \"GET\", \"POST\", got \"PUT\""},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"data": {"x": 1}}})")),
                  "rest_api.resources[0].endpoint.data: not supported by ingestd (form bodies; use json)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"params": {"x": [1, 2]}}})")),
                  "rest_api.resources[0].endpoint.params.x: expected a string, a number, a boolean or an object "
                  "with type \"resolve\" or \"incremental\", got an array"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"path": "https://"}})")),
                  "rest_api.resources[0].endpoint.path: has no host"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"response_actions": [{"action": "ignore"}]}})")),
                  "rest_api.resources[0].endpoint.response_actions[0]: needs \"status_code\" or \"content\" (or both)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"response_actions": [{"status_code": 404,
                                                                                       "action": "retry"}]}})")),
                  "rest_api.resources[0].endpoint.response_actions[0].action: expected one of \"ignore\", got "
                  "\"retry\""},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"incremental": {"cursor_path": "t", "lag": 5}}})")),
                  "rest_api.resources[0].endpoint.incremental.lag: not supported by ingestd"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"incremental": {"cursor_path": "t",
                                                                                  "convert": "f"}}})")),
                  "rest_api.resources[0].endpoint.incremental.convert: not supported by ingestd (a Python callable)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"incremental": {"cursor_path": "t"},
                      "params": {"since": {"type": "incremental", "cursor_path": "t"}}}})")),
                  "rest_api.resources[0].endpoint.params.since: an incremental param and \"incremental\" on the "
                  "endpoint (rest_api.resources[0].endpoint.incremental) are exclusive; use one"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"params": {
                      "since": {"type": "incremental", "cursor_path": "t"},
                      "after": {"type": "incremental", "cursor_path": "t"}}}})")),
                  "rest_api.resources[0].endpoint.params.after: a second incremental param (one per endpoint; the "
                  "first is rest_api.resources[0].endpoint.params.since)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"params": {"since": {"type": "incremental",
                      "cursor_path": "t", "end_value": 5}}}})")),
                  "rest_api.resources[0].endpoint.params.since.end_value: not allowed on an incremental param (use "
                  "endpoint.incremental with end_param)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"params": {"g": {"type": "resolve",
                      "resource": "b"}}}})")),
                  "rest_api.resources[0].endpoint.params.g: missing required key \"field\""},
        // Placeholders and parents.
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": "items/{foo}"})")),
                  "rest_api.resources[0].endpoint: unknown placeholder {foo} (expected {resources.<parent>.<field>} "
                  "or {incremental.start_value|initial_value|last_value|end_value}; write {{ and }} for literal "
                  "braces)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"params": {"q": "{x"}}})")),
                  "rest_api.resources[0].endpoint.params.q: unmatched '{' in \"{x\" (write {{ for a literal brace)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"params": {"since": "{incremental.start_value}"}}})")),
                  "rest_api.resources[0].endpoint.params.since: placeholder {incremental.start_value} needs "
                  "\"incremental\" on the endpoint"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"incremental": {"cursor_path": "t"},
                                         "params": {"since": "{incremental.start}"}}})")),
                  "rest_api.resources[0].endpoint.params.since: unknown placeholder {incremental.start} (expected "
                  "{resources.<parent>.<field>} or {incremental.start_value|initial_value|last_value|end_value}; "
                  "write {{ and }} for literal braces)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": "x/{resources.a}"})")),
                  "rest_api.resources[0].endpoint: placeholder {resources.a}: expected {resources.<parent>.<field>}"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": "x/{resources.nope.id}"})")),
                  "rest_api.resources[0].endpoint: unknown parent resource \"nope\" (a parent must be a resource of "
                  "this rest_api config)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": {"path": "x/{resources.a.id}"}})")),
                  "rest_api.resources[0].endpoint.path: resource \"a\" cannot be its own parent"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "endpoint": "a/{resources.c.id}"},
                                       {"name": "b", "endpoint": "b/{resources.a.id}"},
                                       {"name": "c", "endpoint": "c/{resources.b.id}"})")),
                  "rest_api.resources[0].endpoint: parent cycle: a -> c -> b -> a"},
        ErrorCase{Spec(WithResources(R"("x", "y", {"name": "a", "endpoint": {"path": "a/{resources.x.id}",
                                         "headers": {"H": "{resources.y.id}"}}})")),
                  "rest_api.resources[2].endpoint.headers.H: placeholder {resources.y.id} names a second parent "
                  "\"y\" (a resource has one parent; \"x\" is named at rest_api.resources[2].endpoint.path)"},
        ErrorCase{Spec(WithResources(R"({"name": "a", "include_from_parent": ["id"]})")),
                  "rest_api.resources[0].include_from_parent: needs a parent resource (a "
                  "{resources.<parent>.<field>} placeholder in the endpoint)"},
        ErrorCase{Spec(WithResources(R"("x", {"name": "a", "endpoint": {"json": {"q": ["{bad}"]}}})")),
                  "rest_api.resources[1].endpoint.json.q[0]: unknown placeholder {bad} (expected "
                  "{resources.<parent>.<field>} or {incremental.start_value|initial_value|last_value|end_value}; "
                  "write {{ and }} for literal braces)"},
        // A default that breaks a resource is reported where it was written.
        ErrorCase{Spec(WithResources(R"("a")", R"({"endpoint": {"params": {"since": "{incremental.start_value}"}}})")),
                  "rest_api.resource_defaults.endpoint.params.since: placeholder {incremental.start_value} needs "
                  "\"incremental\" on the endpoint"}));

TEST(RestApiSpec, InvalidDataSelectorNamesThePath) {
  auto spec = ParsePipelineSpec(Spec(WithResources(R"({"name": "a", "endpoint": {"data_selector": "$.a["}})")));
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().message().rfind("rest_api.resources[0].endpoint.data_selector: ", 0), 0u)
      << spec.error().message();
}

}  // namespace
}  // namespace ingestd::pipeline
