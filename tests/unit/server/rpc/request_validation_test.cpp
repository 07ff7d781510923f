#include "server/rpc/request_validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

pipeline::ResourceSpec Resource(std::string name, bool push, std::string table = "") {
  pipeline::ResourceSpec r;
  r.name = std::move(name);
  r.table_name = table.empty() ? r.name : std::move(table);
  if (push) r.source = pipeline::PushConfig{};
  return r;
}

pipeline::PipelineSpec Spec(std::vector<pipeline::ResourceSpec> resources) {
  pipeline::PipelineSpec spec;
  spec.name = "shop";
  spec.dataset_name = "shop_dataset";
  spec.resources = std::move(resources);
  return spec;
}

TEST(RequireFieldTest, EmptyIsRequiredNamingTheField) {
  EXPECT_TRUE(RequireField("pipeline", "p").ok());
  Status missing = RequireField("pipeline", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().message(), "pipeline: required");
}

TEST(IdempotencyKeyTest, PrintableAsciiUpTo200) {
  EXPECT_TRUE(ValidateIdempotencyKey("idempotency_key", "").ok());
  EXPECT_TRUE(ValidateIdempotencyKey("idempotency_key", "airflow:dag/run 2026-01-01T00:00:00~!").ok());
  EXPECT_TRUE(ValidateIdempotencyKey("idempotency_key", std::string(200, 'k')).ok());

  Status long_key = ValidateIdempotencyKey("idempotency_key", std::string(201, 'k'));
  ASSERT_FALSE(long_key.ok());
  EXPECT_EQ(long_key.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(long_key.error().message(), StartsWith("idempotency_key: 201 characters"));

  for (std::string bad : {std::string("a\nb"), std::string("tab\t"), std::string("caf\xc3\xa9"), std::string("\x7f")}) {
    Status s = ValidateIdempotencyKey("idempotency_key", bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_THAT(s.error().message(), StartsWith("idempotency_key: character "));
  }
}

TEST(PagingTest, DefaultsClampAndLookAhead) {
  EXPECT_EQ(PageSize(0, 100, 1000), 100u);
  EXPECT_EQ(PageSize(7, 100, 1000), 7u);
  EXPECT_EQ(PageSize(5000, 100, 1000), 1000u);

  EXPECT_EQ(FetchLimit(10, 1000), 11u);
  EXPECT_EQ(FetchLimit(1000, 1000), 1000u);

  EXPECT_TRUE(HasMorePages(11, 10, 11));
  EXPECT_FALSE(HasMorePages(10, 10, 11));
  EXPECT_FALSE(HasMorePages(3, 10, 11));
  // No room to look ahead: a full page may be followed by an empty one.
  EXPECT_TRUE(HasMorePages(1000, 1000, 1000));
  EXPECT_FALSE(HasMorePages(999, 1000, 1000));
}

TEST(StatusesTest, MapsAndRefusesUnspecified) {
  google::protobuf::RepeatedField<int> statuses;
  statuses.Add(v1::RUN_STATUS_RUNNING);
  statuses.Add(v1::RUN_STATUS_FAILED);
  statuses.Add(v1::RUN_STATUS_RUNNING);
  Result<std::vector<catalog::RunStatus>> ok = StatusesFromProto(statuses);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<catalog::RunStatus>{catalog::RunStatus::kRunning, catalog::RunStatus::kFailed}));

  statuses.Add(v1::RUN_STATUS_UNSPECIFIED);
  Result<std::vector<catalog::RunStatus>> bad = StatusesFromProto(statuses);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message(), StartsWith("statuses[3]: RUN_STATUS_UNSPECIFIED"));

  google::protobuf::RepeatedField<int> unknown;
  unknown.Add(42);
  Result<std::vector<catalog::RunStatus>> out_of_range = StatusesFromProto(unknown);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_THAT(out_of_range.error().message(), StartsWith("statuses[0]: 42"));
}

TEST(OnActiveTest, UnspecifiedRefuses) {
  EXPECT_FALSE(*QueueIfActive(v1::ON_ACTIVE_UNSPECIFIED));
  EXPECT_FALSE(*QueueIfActive(v1::ON_ACTIVE_REFUSE));
  EXPECT_TRUE(*QueueIfActive(v1::ON_ACTIVE_QUEUE));
  Result<bool> bad = QueueIfActive(9);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message(), StartsWith("on_active: "));
}

TEST(CanonicalJsonTest, DropsWhitespaceKeepsOrderAndNumbers) {
  Result<std::string> json = CanonicalJson(
      "{\n  \"name\": \"p\",\n  \"b\": [1, 2.50, 12345678901234567890123, -0.0, 1E+2],\n  \"a\": {\"x\" : null}\n}\n");
  ASSERT_TRUE(json.ok()) << json.error().message();
  EXPECT_EQ(*json, R"({"name":"p","b":[1,2.50,12345678901234567890123,-0.0,1E+2],"a":{"x":null}})");
  // Idempotent: the canonical form of the canonical form is itself.
  EXPECT_EQ(*CanonicalJson(*json), *json);
  // Strings keep their content (escapes normalized only where JSON allows).
  EXPECT_EQ(*CanonicalJson(R"({"s": "a b\"c\u00e9"})"), "{\"s\":\"a b\\\"c\xc3\xa9\"}");

  Result<std::string> bad = CanonicalJson("{\"a\": }");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message(), StartsWith("spec_json: "));
}

TEST(PushResourceTest, ResolvesTheOnlyOneOrTheNamedOne) {
  pipeline::PipelineSpec one = Spec({Resource("files", false), Resource("events", true)});
  EXPECT_EQ(*ResolvePushResource(one, ""), "events");
  EXPECT_EQ(*ResolvePushResource(one, "events"), "events");

  Result<std::string> not_push = ResolvePushResource(one, "files");
  ASSERT_FALSE(not_push.ok());
  EXPECT_EQ(not_push.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(not_push.error().message(), StartsWith("resource: \"files\" is not a push resource"));
  EXPECT_THAT(not_push.error().message(), HasSubstr("\"events\""));

  Result<std::string> unknown = ResolvePushResource(one, "nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error().message(), StartsWith("resource: \"nope\" is not a resource"));

  pipeline::PipelineSpec two = Spec({Resource("a", true), Resource("b", true)});
  Result<std::string> ambiguous = ResolvePushResource(two, "");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(ambiguous.error().message(), StartsWith("resource: required"));
  EXPECT_THAT(ambiguous.error().message(), HasSubstr("\"a\", \"b\""));
  EXPECT_EQ(*ResolvePushResource(two, "b"), "b");

  pipeline::PipelineSpec none = Spec({Resource("files", false)});
  for (std::string_view requested : {"", "files"}) {
    Result<std::string> r = ResolvePushResource(none, requested);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_THAT(r.error().message(), HasSubstr("pipeline shop has no push resource; add one with {\"kind\": \"push\"}"));
  }
}

TEST(RootTableTest, OnlyResourceTables) {
  pipeline::PipelineSpec spec = Spec({Resource("orders", false, "sales_orders"), Resource("events", true)});
  EXPECT_TRUE(RequireRootTable(spec, "sales_orders").ok());
  EXPECT_TRUE(RequireRootTable(spec, "events").ok());
  Status bad = RequireRootTable(spec, "orders");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(),
            "table: \"orders\" is not a root table of pipeline shop; root tables: \"sales_orders\", \"events\"");

  EXPECT_TRUE(RequireResource(spec, "orders").ok());
  Status no_resource = RequireResource(spec, "sales_orders");
  ASSERT_FALSE(no_resource.ok());
  EXPECT_THAT(no_resource.error().message(), StartsWith("resource: \"sales_orders\" is not a resource"));
}

TEST(PushedRecordTest, ObjectsBecomeOneLineExactly) {
  Result<std::string> line = PushedRecordLine("{\"id\": 12345678901234567890123,\n \"price\": 1.10}", 0, 0, 1000);
  ASSERT_TRUE(line.ok()) << line.error().message();
  EXPECT_EQ(*line, "{\"id\": 12345678901234567890123,  \"price\": 1.10}");
  // An escaped newline inside a string stays escaped.
  EXPECT_EQ(*PushedRecordLine(R"({"note":"a\nb"})", 0, 0, 1000), R"({"note":"a\nb"})");
}

TEST(PushedRecordTest, ErrorsNameThePosition) {
  Result<std::string> array = PushedRecordLine("[1, 2]", 3, 2, 1000);
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(array.error().message(), "records[3] of message 2: expected a JSON object, got an array");

  Result<std::string> not_json = PushedRecordLine("{\"a\": 1", 0, 0, 1000);
  ASSERT_FALSE(not_json.ok());
  EXPECT_THAT(not_json.error().message(), StartsWith("records[0] of message 0: expected a JSON object: not JSON"));

  Result<std::string> trailing = PushedRecordLine("{} {}", 1, 0, 1000);
  ASSERT_FALSE(trailing.ok());
  EXPECT_THAT(trailing.error().message(), StartsWith("records[1] of message 0: expected a JSON object"));

  std::string deep = "{\"a\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
  Result<std::string> too_deep = PushedRecordLine(deep, 0, 0, 1 << 20);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(too_deep.error().message(), HasSubstr("nesting deeper than 1000 levels"));

  Result<std::string> too_big = PushedRecordLine("{\"a\": \"0123456789\"}", 0, 5, 10);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(too_big.error().message(), StartsWith("records[0] of message 5: 19 bytes"));
}

}  // namespace
}  // namespace ingestd::rpc
