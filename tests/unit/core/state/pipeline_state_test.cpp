#include "core/state/pipeline_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ingestd::state {
namespace {

using ::testing::HasSubstr;

TEST(PipelineStateTest, VersionsFollowContentChanges) {
  PipelineState s = PipelineState::New("issues", "issues_dataset", "issues", "postgres");
  EXPECT_EQ(s.version(), 0);
  EXPECT_TRUE(s.BumpVersion());
  EXPECT_EQ(s.version(), 1);
  std::string first = s.version_hash();
  EXPECT_FALSE(s.BumpVersion()) << "no change, no bump";
  ASSERT_TRUE(s.SetResourceValue("files", "issues", "incremental", R"({"last_value": 5})").ok());
  EXPECT_TRUE(s.BumpVersion());
  EXPECT_EQ(s.version(), 2);
  EXPECT_NE(s.version_hash(), first);
  EXPECT_EQ(s.GetResourceValue("files", "issues", "incremental"), R"({"last_value":5})");
  EXPECT_EQ(s.GetResourceValue("files", "other", "incremental"), std::nullopt);
}

TEST(PipelineStateTest, CompressedFormRoundTripsWithoutLocal) {
  PipelineState s = PipelineState::New("p", "d", "p", "sqlite");
  ASSERT_TRUE(s.SetResourceValue("src", "r", "k", R"([1, "two", {"three": 3.5}])").ok());
  s.BumpVersion();
  auto back = PipelineState::FromCompressed(s.Compressed());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->version(), s.version());
  EXPECT_EQ(back->version_hash(), s.version_hash());
  EXPECT_EQ(back->GetResourceValue("src", "r", "k"), R"([1,"two",{"three":3.5}])");
  auto json = DecompressFromBase64(s.Compressed());
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->find("_local"), std::string::npos);
  EXPECT_THAT(*json, HasSubstr(R"("pipeline_name":"p")"));
}

TEST(PipelineStateTest, ResetClearsResourceState) {
  PipelineState s = PipelineState::New("p", "d", "p", "sqlite");
  ASSERT_TRUE(s.SetResourceValue("src", "a", "k", "1").ok());
  ASSERT_TRUE(s.SetResourceValue("src", "b", "k", "2").ok());
  s.ResetResource("src", "a");
  EXPECT_FALSE(s.GetResourceValue("src", "a", "k"));
  EXPECT_TRUE(s.GetResourceValue("src", "b", "k"));
  s.ResetSources();
  EXPECT_FALSE(s.GetResourceValue("src", "b", "k"));
}

TEST(PipelineStateTest, ListResourcesOrderedBySourceThenResource) {
  PipelineState s = PipelineState::New("p", "d", "p", "sqlite");
  EXPECT_TRUE(s.ListResources().empty());
  ASSERT_TRUE(s.SetResourceValue("src", "b", "incremental.id", R"({"last_value": 2})").ok());
  ASSERT_TRUE(s.SetResourceValue("src", "a", "z", "1").ok());
  ASSERT_TRUE(s.SetResourceValue("src", "a", "k", R"({"y": 1, "x": [true]})").ok());
  ASSERT_TRUE(s.SetResourceValue("other", "c", "k", "null").ok());
  EXPECT_THAT(s.ListResources(),
              ::testing::ElementsAre(ResourceStateEntry{"other", "c", R"({"k":null})"},
                                     ResourceStateEntry{"src", "a", R"({"k":{"x":[true],"y":1},"z":1})"},
                                     ResourceStateEntry{"src", "b", R"({"incremental.id":{"last_value":2}})"}));
  s.ResetResource("src", "a");
  ASSERT_EQ(s.ListResources().size(), 2u);
  EXPECT_EQ(s.ListResources()[1].resource, "b");

  // Non-object members (not written by ingestd or dlt) are skipped, not errors.
  auto odd = PipelineState::FromJson(
      R"({"sources": {"s1": {"resources": {"r": 5, "q": {}}}, "s2": [], "s3": {"resources": "x"}}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_THAT(odd->ListResources(), ::testing::ElementsAre(ResourceStateEntry{"s1", "q", "{}"}));
}

TEST(PipelineStateTest, ResetOfAResourceWithoutStateChangesNothing) {
  PipelineState s = PipelineState::New("p", "d", "p", "sqlite");
  ASSERT_TRUE(s.SetResourceValue("src", "a", "k", "1").ok());
  s.BumpVersion();
  const std::string json = s.ToJson();
  s.ResetResource("src", "missing");
  s.ResetResource("no_such_source", "a");
  EXPECT_EQ(s.ToJson(), json) << "no empty objects created on the way";
  EXPECT_FALSE(s.BumpVersion());
  s.ResetResource("src", "a");
  EXPECT_TRUE(s.BumpVersion());
  EXPECT_EQ(s.version(), 2);
}

TEST(PipelineStateTest, BadInputIsAClearError) {
  EXPECT_THAT(PipelineState::FromJson("{").error().message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(PipelineState::FromJson("[]").error().message(), HasSubstr("JSON object"));
  EXPECT_THAT(PipelineState::FromJson(std::string(100000, '[')).error().message(), HasSubstr("deeper"));
  EXPECT_THAT(PipelineState::FromCompressed("not base64!").error().message(), HasSubstr("base64"));
  std::string truncated = CompressToBase64(std::string(1000, 'x')).substr(0, 12);
  EXPECT_FALSE(PipelineState::FromCompressed(truncated).ok());
  PipelineState s = PipelineState::New("p", "d", "p", "sqlite");
  EXPECT_FALSE(s.SetResourceValue("src", "a", "k", "{oops").ok());
}

}  // namespace
}  // namespace ingestd::state
