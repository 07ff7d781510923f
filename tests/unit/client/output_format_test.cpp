#include "client/output_format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ingestd::client {
namespace {

google::protobuf::Timestamp At(std::int64_t seconds, std::int32_t nanos = 0) {
  google::protobuf::Timestamp time;
  time.set_seconds(seconds);
  time.set_nanos(nanos);
  return time;
}

TEST(TextTableTest, AlignsColumnsWithoutTrailingBlanks) {
  TextTable table({"NAME", "VERSION", "DESTINATION"});
  table.AddRow({"github", "3", "postgres"});
  table.AddRow({"a-much-longer-name", "12", ""});
  EXPECT_EQ(table.ToString(),
            "NAME                VERSION  DESTINATION\n"
            "github              3        postgres\n"
            "a-much-longer-name  12\n");
}

TEST(TextTableTest, MeasuresUtf8ByCharactersAndIndents) {
  TextTable table({"A", "B"});
  table.AddRow({"héllo", "x"});
  table.AddRow({"hi", "y"});
  EXPECT_EQ(table.ToString("  "),
            "  A      B\n"
            "  héllo  x\n"
            "  hi     y\n");
}

TEST(TextTableTest, EmptyTablePrintsItsHeader) {
  TextTable table({"RUN", "STATUS"});
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.ToString(), "RUN  STATUS\n");
}

TEST(DetailListTest, AlignsValues) {
  DetailList details;
  details.Add("Run", "run-1");
  details.Add("Idempotency key", "k");
  details.Add("Empty", "");
  EXPECT_EQ(details.ToString(),
            "Run:              run-1\n"
            "Idempotency key:  k\n"
            "Empty:\n");
}

TEST(OutputFormatTest, TimestampsAreUtcIso8601ToTheSecond) {
  EXPECT_EQ(FormatTimestamp(At(0)), "-");
  EXPECT_EQ(FormatTimestamp(At(1714564803, 999000000)), "2024-05-01T12:00:03Z");
  EXPECT_EQ(FormatTimestamp(At(0, 1)), "1970-01-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(SecondsBetween(At(10, 500000000), At(12)), 1.5);
}

TEST(OutputFormatTest, Durations) {
  EXPECT_EQ(FormatDuration(0), "0.0s");
  EXPECT_EQ(FormatDuration(-3), "0.0s");
  EXPECT_EQ(FormatDuration(0.42), "0.4s");
  EXPECT_EQ(FormatDuration(12.34), "12.3s");
  EXPECT_EQ(FormatDuration(59.96), "1m00s");
  EXPECT_EQ(FormatDuration(123), "2m03s");
  EXPECT_EQ(FormatDuration(3725), "1h02m05s");
}

TEST(OutputFormatTest, BytesAndRates) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(3565158), "3.4 MiB");
  EXPECT_EQ(FormatBytes(1ull << 40), "1.0 TiB");
  EXPECT_EQ(FormatRate(0), "0.0");
  EXPECT_EQ(FormatRate(12.46), "12.5");
  EXPECT_EQ(FormatRate(1234.4), "1234");
}

TEST(OutputFormatTest, OneLineAndTruncate) {
  EXPECT_EQ(OneLine("a\nb\tc\r\n"), "a b c");
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("0123456789abc", 10), "0123456...");
  EXPECT_EQ(Truncate("ééééééé", 5), "éé...");
}

TEST(OutputFormatTest, RunStatusNamesRoundTrip) {
  for (const v1::RunStatus status : {v1::RUN_STATUS_QUEUED, v1::RUN_STATUS_RUNNING, v1::RUN_STATUS_SUCCEEDED,
                                     v1::RUN_STATUS_FAILED, v1::RUN_STATUS_CANCELLED}) {
    EXPECT_EQ(ParseRunStatus(RunStatusName(status)), status);
  }
  EXPECT_EQ(ParseRunStatus("RUNNING"), v1::RUN_STATUS_RUNNING);
  EXPECT_EQ(ParseRunStatus("canceled"), v1::RUN_STATUS_CANCELLED);
  EXPECT_EQ(ParseRunStatus("done"), std::nullopt);
  EXPECT_TRUE(IsFinished(v1::RUN_STATUS_FAILED));
  EXPECT_FALSE(IsFinished(v1::RUN_STATUS_QUEUED));
  EXPECT_EQ(RunTriggerName(v1::RUN_TRIGGER_SCHEDULE), "schedule");
}

TEST(OutputFormatTest, JsonUsesProtoFieldNamesAndPrintsDefaults) {
  v1::Pipeline pipeline;
  pipeline.set_name("github");
  pipeline.set_dataset_name("gh");
  pipeline.mutable_last_run()->set_status(v1::RUN_STATUS_SUCCEEDED);
  *pipeline.mutable_created_at() = At(1714564803);
  auto json = ToJson(pipeline);
  ASSERT_TRUE(json.ok()) << json.error().message();
  EXPECT_NE(json->find("\"dataset_name\": \"gh\""), std::string::npos) << *json;
  EXPECT_EQ(json->find("datasetName"), std::string::npos);
  EXPECT_NE(json->find("\"paused\": false"), std::string::npos) << *json;
  EXPECT_NE(json->find("\"resources\": []"), std::string::npos) << *json;
  EXPECT_NE(json->find("\"status\": \"RUN_STATUS_SUCCEEDED\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"created_at\": \"2024-05-01T12:00:03Z\""), std::string::npos) << *json;
  EXPECT_EQ(json->front(), '{');
  EXPECT_EQ(json->back(), '\n');
}

TEST(OutputFormatTest, CompactJsonKeepsStrings) {
  EXPECT_EQ(CompactJson("{\n  \"a b\": [1, 2],\n  \"c\": \"x \\\" y\"\n}"), R"({"a b":[1,2],"c":"x \" y"})");
}

TEST(OutputFormatTest, JoinListCountsWhatItLeavesOut) {
  google::protobuf::RepeatedPtrField<std::string> items;
  EXPECT_EQ(JoinList(items), "-");
  for (const char* name : {"a", "b", "c", "d"}) *items.Add() = name;
  EXPECT_EQ(JoinList(items), "a, b, c, d");
  EXPECT_EQ(JoinList(items, "-", 4), "a, b, c, d");
  EXPECT_EQ(JoinList(items, "-", 2), "a, b and 2 more");
}

TEST(OutputFormatTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
}

}  // namespace
}  // namespace ingestd::client
