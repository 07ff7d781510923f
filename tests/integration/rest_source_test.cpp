// The REST API source against a real HTTP server on 127.0.0.1: paginators,
// parent → child resources with back-pressure, incremental params, auth,
// response actions, retries and the errors a user sees.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/extract/incremental.hpp"
#include "core/extract/rest/rest_source.hpp"
#include "core/json/rapidjson.hpp"
#include "core/metrics/registry.hpp"
#include "core/metrics/text_exposition.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::extract::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TestHttpRequest;
using testing::TestHttpResponse;
using testing::TestHttpServer;

// Keeps every item.
class CollectingSink final : public ItemSink {
 public:
  Status Accept(std::string_view item) override {
    items.emplace_back(item);
    return OkStatus();
  }
  std::vector<std::string> items;
};

// Items with ids 1..n as a JSON array text, starting at `first`.
std::string Items(int first, int count) {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ",";
    out += "{\"id\":" + std::to_string(first + i) + "}";
  }
  return out + "]";
}

std::vector<int> Ids(const std::vector<std::string>& items) {
  std::vector<int> ids;
  for (const std::string& item : items) {
    rapidjson::Document d;
    d.Parse(item.data(), item.size());
    ids.push_back(d.IsObject() && d.HasMember("id") && d["id"].IsInt() ? d["id"].GetInt() : -1);
  }
  return ids;
}

std::vector<int> Range(int first, int count) {
  std::vector<int> v;
  for (int i = 0; i < count; ++i) v.push_back(first + i);
  return v;
}

// Counts requests a handler is serving at once, and the most seen.
class InFlight {
 public:
  void Enter() {
    const int now = ++current_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { --current_; }
  int max() const { return max_.load(); }

 private:
  std::atomic<int> current_{0};
  std::atomic<int> max_{0};
};

class RestSourceTest : public ::testing::Test {
 protected:
  std::shared_ptr<ClientConfig> Client(const std::string& base_url) {
    auto client = std::make_shared<ClientConfig>();
    client->base_url = base_url;
    client->http.retry.backoff_base_seconds = 0.01;
    client->http.retry.min_retry_after_seconds = 0.05;
    client->http.retry.jitter = 0;
    return client;
  }

  RestResourceConfig Resource(std::shared_ptr<const ClientConfig> client, const std::string& path) {
    RestResourceConfig r;
    r.client = std::move(client);
    r.endpoint.path = path;
    return r;
  }

  Result<std::vector<RestResourceStats>> Extract(std::vector<RestResourceBinding> bindings,
                                                 std::stop_token stop = {}) {
    RestSourceOptions options;
    options.resolve_secret = [](const std::string& reference) -> Result<std::string> {
      if (reference.rfind("env:", 0) == 0) {
        const char* v = std::getenv(reference.substr(4).c_str());
        if (v == nullptr) return InvalidArgument("secret reference " + reference + ": not set");
        return std::string(v);
      }
      return reference;
    };
    options.on_event = [this](const RestEvent& e) { events.push_back(e); };
    options.on_http_event = [this](const http::HttpEvent& e) { http_events.push_back(e); };
    return ExtractRestApi(bindings, options, stop);
  }

  std::vector<RestEvent> events;
  std::vector<http::HttpEvent> http_events;
};

TEST_F(RestSourceTest, JsonLinkFollowsRelativeAndAbsoluteNextUrls) {
  std::unique_ptr<TestHttpServer> server;
  server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    const std::string page = req.QueryParam("page").value_or("1");
    if (page == "1") {
      return TestHttpResponse::Json(R"({"data":)" + Items(1, 3) + R"(,"next":"/items?page=2"})");
    }
    if (page == "2") {
      return TestHttpResponse::Json(R"({"data":)" + Items(4, 3) + R"(,"next":")" + server->base_url() +
                                    R"(/items?page=3"})");
    }
    return TestHttpResponse::Json(R"({"data":)" + Items(7, 1) + R"(,"next":null})");
  });
  auto client = Client(server->base_url());
  RestResourceConfig config = Resource(client, "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kJsonLink;
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "data";
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sink.items), Range(1, 7));
  EXPECT_EQ(server->request_count(), 3u);
  EXPECT_EQ((*stats)[0].pages, 3u);
  EXPECT_EQ((*stats)[0].items, 7u);
}

TEST_F(RestSourceTest, AutoDetectsHeaderLinkAndReportsIt) {
  std::unique_ptr<TestHttpServer> server;
  server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    const int page = std::stoi(req.QueryParam("page").value_or("1"));
    TestHttpResponse r = TestHttpResponse::Json(Items(page * 10, 2));
    if (page < 3) {
      r.headers.emplace_back("Link", "<" + server->base_url() + "/items?page=" + std::to_string(page + 1) +
                                         ">; rel=\"next\", <" + server->base_url() + "/items?page=3>; rel=\"last\"");
    }
    return r;
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "/items");
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sink.items), (std::vector<int>{10, 11, 20, 21, 30, 31}));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, RestEvent::Kind::kPaginatorDetected);
  EXPECT_THAT(events[0].message, HasSubstr("header_link"));
}

TEST_F(RestSourceTest, OffsetWithTotalFetchesPagesConcurrentlyInOrder) {
  InFlight in_flight;
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    in_flight.Enter();
    const int offset = std::stoi(req.QueryParam("offset").value_or("-1"));
    const int limit = std::stoi(req.QueryParam("limit").value_or("-1"));
    TestHttpResponse r = TestHttpResponse::Json(R"({"total":95,"items":)" +
                                                Items(offset, std::min(limit, 95 - offset)) + "}");
    // Later pages answer faster, so completion order differs from page order.
    std::this_thread::sleep_for(std::chrono::microseconds(200 * (100 - offset)));
    in_flight.Leave();
    return r;
  });
  auto client = Client(server->base_url());
  client->http.host_limits.max_concurrent = 4;
  RestResourceConfig config = Resource(client, "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kOffset;
  paginator.limit = 10;
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "items";
  config.endpoint.concurrent_pages = 4;
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sink.items), Range(0, 95));
  EXPECT_EQ(server->request_count(), 10u);
  EXPECT_GE(in_flight.max(), 2);
  EXPECT_LE(in_flight.max(), 4);
}

TEST_F(RestSourceTest, PageNumberWithoutTotalStopsOnEmptyPage) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    const int page = std::stoi(req.QueryParam("page").value_or("0"));
    return TestHttpResponse::Json(page <= 2 ? Items(page * 2, 2) : "[]");
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kPageNumber;
  paginator.base_page = 1;
  config.endpoint.paginator = paginator;  // total_path "total" is absent: not an error
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sink.items), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_EQ(server->request_count(), 3u);  // pages 1, 2 and the empty 3
}

TEST_F(RestSourceTest, CursorPaginatorStopsOnNullCursor) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    const std::string cursor = req.QueryParam("cursor").value_or("");
    if (cursor.empty()) return TestHttpResponse::Json(R"({"items":)" + Items(1, 2) + R"(,"cursors":{"next":"abc"}})");
    if (cursor == "abc") return TestHttpResponse::Json(R"({"items":)" + Items(3, 2) + R"(,"cursors":{"next":null}})");
    return TestHttpResponse::Status(400, "bad cursor");
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kCursor;
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "items";
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sink.items), Range(1, 4));
}

TEST_F(RestSourceTest, PaginatorRepeatingTheSamePageFailsInsteadOfLooping) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    return TestHttpResponse::Json(R"({"items":[{"id":1}],"next_page":"same"})");
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kCursor;
  paginator.cursor_path = "next_page";
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "items";
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.error().message(), HasSubstr("same page twice"));
  EXPECT_THAT(stats.error().message(), HasSubstr("resource items"));
  EXPECT_LE(server->request_count(), 3u);
}

TEST_F(RestSourceTest, PaginatorCyclingBetweenPagesFailsInsteadOfLooping) {
  // Cursor a → b → a → ...: never the same page twice in a row.
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    const std::string next = req.QueryParam("cursor").value_or("") == "a" ? "b" : "a";
    return TestHttpResponse::Json(R"({"items":[{"id":1}],"next_page":")" + next + R"("})");
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kCursor;
  paginator.cursor_path = "next_page";
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "items";
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.error().message(), HasSubstr("same page twice"));
  EXPECT_EQ(server->request_count(), 3u);  // first page, a, b; the second a is refused
}

// Parent issues (4 pages of 5) → child comments per issue.
struct IssueApi {
  InFlight child_in_flight;
  std::unique_ptr<TestHttpServer> server;

  IssueApi() {
    server = TestHttpServer::Start([this](const TestHttpRequest& req) { return Handle(req); });
  }

  TestHttpResponse Handle(const TestHttpRequest& req) {
    if (req.path == "/issues") {
      const int page = std::stoi(req.QueryParam("page").value_or("1"));
      std::string items = "[";
      for (int i = 0; i < 5 && page <= 4; ++i) {
        const int number = (page - 1) * 5 + i + 1;
        if (i > 0) items += ",";
        items += R"({"id":)" + std::to_string(1000 + number) + R"(,"number":)" + std::to_string(number) + "}";
      }
      items += "]";
      return TestHttpResponse::Json(R"({"total_pages":4,"items":)" + items + "}");
    }
    // /issues/<n>/comments
    child_in_flight.Enter();
    const std::string number = req.path.substr(8, req.path.find('/', 8) - 8);
    TestHttpResponse r;
    if (number == "7") {
      r = TestHttpResponse::Status(404, R"({"message":"Not Found"})");
    } else {
      r = TestHttpResponse::Json(R"([{"id":)" + number + R"(01,"body":"first"},{"id":)" + number +
                                 R"(02,"body":"second"}])");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    child_in_flight.Leave();
    return r;
  }
};

TEST_F(RestSourceTest, ChildResourcesRunPerParentItemWithBoundedConcurrency) {
  IssueApi api;
  auto client = Client(api.server->base_url());
  client->http.host_limits.max_concurrent = 8;
  RestResourceConfig issues = Resource(client, "issues");
  PaginatorConfig page_number;
  page_number.type = PaginatorConfig::Type::kPageNumber;
  page_number.base_page = 1;
  page_number.total_path = "total_pages";
  issues.endpoint.paginator = page_number;
  issues.endpoint.data_selector = "items";
  RestResourceConfig comments = Resource(client, "issues/{resources.issues.number}/comments");
  comments.parent = "issues";
  comments.include_from_parent = {"id"};
  comments.concurrent_children = 2;
  PaginatorConfig single;
  single.type = PaginatorConfig::Type::kSinglePage;
  comments.endpoint.paginator = single;
  comments.endpoint.response_actions.push_back({404, std::nullopt, ResponseAction::Action::kIgnore});
  CollectingSink issue_sink;
  CollectingSink comment_sink;
  auto stats = Extract({{"issues", &issues, &issue_sink, nullptr}, {"comments", &comments, &comment_sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(issue_sink.items.size(), 20u);
  EXPECT_EQ(comment_sink.items.size(), 38u);  // 19 issues × 2; issue 7's comments are a 404, ignored
  EXPECT_EQ((*stats)[1].series, 20u);
  EXPECT_EQ((*stats)[1].ignored, 1u);
  EXPECT_LE(api.child_in_flight.max(), 2);
  // include_from_parent adds the parent's id as _issues_id.
  rapidjson::Document first;
  first.Parse(comment_sink.items[0].c_str());
  ASSERT_TRUE(first.HasMember("_issues_id"));
  EXPECT_EQ(first["_issues_id"].GetInt(), 1001);

  // Back-pressure: the parent asks for page p only once the children have
  // started on most of the parent items it already has.
  std::vector<TestHttpRequest> requests = api.server->requests();
  int child_requests = 0;
  for (const TestHttpRequest& r : requests) {
    if (r.path != "/issues") {
      ++child_requests;
      continue;
    }
    const int page = std::stoi(r.QueryParam("page").value_or("1"));
    // Items of earlier pages: 5 × (page-1); at most 2 waiting + 2 running.
    EXPECT_GE(child_requests + 4, 5 * (page - 1)) << "page " << page << " requested too early";
  }
}

TEST_F(RestSourceTest, ChildOfUnselectedParentStillRuns) {
  IssueApi api;
  auto client = Client(api.server->base_url());
  RestResourceConfig issues = Resource(client, "issues");
  PaginatorConfig page_number;
  page_number.type = PaginatorConfig::Type::kPageNumber;
  page_number.base_page = 1;
  page_number.total_path = "total_pages";
  issues.endpoint.paginator = page_number;
  issues.endpoint.data_selector = "items";
  issues.selected = false;
  RestResourceConfig comments = Resource(client, "issues/{resources.issues.number}/comments");
  comments.parent = "issues";
  comments.endpoint.response_actions.push_back({404, std::nullopt, ResponseAction::Action::kIgnore});
  CollectingSink comment_sink;
  auto stats = Extract({{"issues", &issues, nullptr, nullptr}, {"comments", &comments, &comment_sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(comment_sink.items.size(), 38u);
}

TEST_F(RestSourceTest, IncrementalStartValueGoesIntoTheRequest) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    const std::string since = req.QueryParam("since").value_or("none");
    // The API also returns an item older than `since`: the incremental drops it.
    return TestHttpResponse::Json(R"([{"id":1,"updated_at":"2024-01-01T00:00:00Z","since":")" + since +
                                  R"("},{"id":2,"updated_at":"2020-01-01T00:00:00Z"}])");
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  config.endpoint.incremental = IncrementalParams{"since", std::nullopt};
  config.endpoint.params = {{"state", "all"}, {"until", "{incremental.end_value}"}};
  IncrementalConfig inc_config;
  inc_config.cursor_path = "updated_at";
  inc_config.initial_value = CursorValue::String("2023-06-01T00:00:00Z");
  auto incremental = Incremental::Create(inc_config, std::nullopt, {});
  ASSERT_TRUE(incremental.ok()) << incremental.error().message();
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, &*incremental}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  ASSERT_EQ(server->request_count(), 1u);
  const TestHttpRequest req = server->requests()[0];
  EXPECT_EQ(req.QueryParam("since"), "2023-06-01T00:00:00Z");
  EXPECT_EQ(req.QueryParam("state"), "all");
  EXPECT_FALSE(req.QueryParam("until").has_value());  // no end value: the parameter is left out
  EXPECT_EQ(Ids(sink.items), std::vector<int>{1});
  EXPECT_EQ((*stats)[0].items, 1u);
}

TEST_F(RestSourceTest, AuthTypesAndSecretsNeverInErrors) {
  ::setenv("INGESTD_TEST_TOKEN", "s3cr3t-token", 1);
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    if (req.path == "/bearer") {
      return req.Header("Authorization") == "Bearer s3cr3t-token" ? TestHttpResponse::Json("[{\"id\":1}]")
                                                                   : TestHttpResponse::Status(401);
    }
    if (req.path == "/key") {
      return req.QueryParam("api_key") == "s3cr3t-token" ? TestHttpResponse::Json("[{\"id\":2}]")
                                                          : TestHttpResponse::Status(401);
    }
    if (req.path == "/basic") {
      // "user:s3cr3t-token"
      return req.Header("Authorization") == "Basic dXNlcjpzM2NyM3QtdG9rZW4=" ? TestHttpResponse::Json("[{\"id\":3}]")
                                                                            : TestHttpResponse::Status(401);
    }
    return TestHttpResponse::Status(403, "forbidden");
  });
  auto client = Client(server->base_url());
  AuthConfig bearer;
  bearer.type = AuthConfig::Type::kBearer;
  bearer.token = "env:INGESTD_TEST_TOKEN";
  AuthConfig key;
  key.type = AuthConfig::Type::kApiKey;
  key.name = "api_key";
  key.location = AuthConfig::Location::kQuery;
  key.api_key = "env:INGESTD_TEST_TOKEN";
  AuthConfig basic;
  basic.type = AuthConfig::Type::kHttpBasic;
  basic.username = "user";
  basic.password = "env:INGESTD_TEST_TOKEN";
  RestResourceConfig a = Resource(client, "bearer");
  a.endpoint.auth = bearer;
  RestResourceConfig b = Resource(client, "key");
  b.endpoint.auth = key;
  RestResourceConfig c = Resource(client, "basic");
  c.endpoint.auth = basic;
  CollectingSink sa, sb, sc;
  auto stats = Extract({{"a", &a, &sa, nullptr}, {"b", &b, &sb, nullptr}, {"c", &c, &sc, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sa.items), std::vector<int>{1});
  EXPECT_EQ(Ids(sb.items), std::vector<int>{2});
  EXPECT_EQ(Ids(sc.items), std::vector<int>{3});

  // A failing endpoint with the key in the query: the error names the
  // resource and the URL without its query.
  RestResourceConfig d = Resource(client, "forbidden");
  d.endpoint.auth = key;
  CollectingSink sd;
  auto failed = Extract({{"d", &d, &sd, nullptr}});
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error().message(), HasSubstr("resource d"));
  EXPECT_THAT(failed.error().message(), HasSubstr("403"));
  EXPECT_THAT(failed.error().message(), HasSubstr("/forbidden"));
  EXPECT_THAT(failed.error().message(), Not(HasSubstr("s3cr3t")));
}

TEST_F(RestSourceTest, OAuth2ClientCredentialsFetchesOneTokenForManyRequests) {
  std::atomic<int> token_requests{0};
  auto server = TestHttpServer::Start([&](const TestHttpRequest& req) {
    if (req.path == "/oauth/token") {
      ++token_requests;
      // "id:secret"
      if (req.method != "POST" || req.Header("Authorization") != "Basic aWQ6c2VjcmV0" ||
          req.body.find("grant_type=client_credentials") == std::string::npos ||
          req.body.find("scope=read") == std::string::npos) {
        return TestHttpResponse::Status(401);
      }
      return TestHttpResponse::Json(R"({"access_token":"tok-1","expires_in":3600})");
    }
    if (req.Header("Authorization") != "Bearer tok-1") return TestHttpResponse::Status(401);
    const int page = std::stoi(req.QueryParam("page").value_or("1"));
    return TestHttpResponse::Json(R"({"total":3,"items":)" + Items(page, 1) + "}");
  });
  auto client = Client(server->base_url());
  AuthConfig oauth;
  oauth.type = AuthConfig::Type::kOAuth2ClientCredentials;
  oauth.access_token_url = "/oauth/token";
  oauth.client_id = "id";
  oauth.client_secret = "secret";
  oauth.access_token_request_data = {{"scope", "read"}};
  client->auth = oauth;
  RestResourceConfig config = Resource(client, "items");
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kPageNumber;
  paginator.base_page = 1;
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "items";
  config.endpoint.concurrent_pages = 2;
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(Ids(sink.items), Range(1, 3));
  EXPECT_EQ(token_requests.load(), 1);
}

TEST_F(RestSourceTest, ServerErrorsAreRetriedAndReported) {
  std::atomic<int> calls{0};
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    const int n = ++calls;
    if (n == 1) {
      TestHttpResponse r = TestHttpResponse::Status(429, "slow down");
      r.headers.emplace_back("Retry-After", "0");
      return r;
    }
    if (n == 2) return TestHttpResponse::Status(503);
    return TestHttpResponse::Json(Items(1, 2));
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(sink.items.size(), 2u);
  ASSERT_EQ(http_events.size(), 2u);
  EXPECT_EQ(http_events[0].kind, http::HttpEvent::Kind::kRetry);
  EXPECT_EQ(http_events[0].status, 429);
  EXPECT_GE(http_events[0].delay_seconds, 0.05);  // Retry-After: 0 is floored
  EXPECT_EQ(http_events[1].status, 503);
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_GE(requests[1].received_at - requests[0].received_at, 0.045);
}

TEST_F(RestSourceTest, MalformedJsonNamesTheUrlAndOffset) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    return TestHttpResponse::Json(R"([{"id":1},{"id":)");
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.error().message(), HasSubstr("resource items"));
  EXPECT_THAT(stats.error().message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(stats.error().message(), HasSubstr("/items"));
}

TEST_F(RestSourceTest, HostileNestingIsRefusedNotACrash) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    return TestHttpResponse::Json(std::string(200'000, '[') + std::string(200'000, ']'));
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  CollectingSink sink;
  auto stats = Extract({{"items", &config, &sink, nullptr}});
  ASSERT_FALSE(stats.ok());
  EXPECT_THAT(stats.error().message(), HasSubstr("resource items"));
  EXPECT_THAT(stats.error().message(), HasSubstr("nesting deeper than 1000 levels"));
  EXPECT_TRUE(sink.items.empty());
}

TEST_F(RestSourceTest, StopCancelsPromptly) {
  auto server = TestHttpServer::Start([&](const TestHttpRequest&) {
    TestHttpResponse r = TestHttpResponse::Json(Items(1, 1));
    r.delay_seconds = 5;
    return r;
  });
  RestResourceConfig config = Resource(Client(server->base_url()), "items");
  CollectingSink sink;
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto stats = Extract({{"items", &config, &sink, nullptr}}, stop.get_token());
  stopper.join();
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code(), ErrorCode::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace ingestd::extract::rest
