// The normalize stage fed while extraction goes on (ItemFileFeed) merges
// exactly as the stage reading the committed manifest does, whatever the
// order in which files of different resources arrive.

#include "core/pipeline/normalize_stage.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/package/load_package.hpp"
#include "core/pipeline/item_file_feed.hpp"
#include "core/schema/schema_json.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::pipeline {
namespace {

using ::testing::HasSubstr;

struct Written {
  package::LoadPackage package;
  package::ExtractedCommit commit;
};

// Resource "a": three files of two items; the second file brings `w` as
// text where the first had it as a number (a redo, then a variant column),
// the third a nested table. Resource "b": two files of one item.
Written WritePackage(const std::string& dir) {
  auto package = package::LoadPackage::Create(dir, "1700000000.5", 1700000000.5);
  EXPECT_TRUE(package.ok()) << package.error().message();
  package::ItemFileOptions options;
  options.file_max_items = 2;
  package::ExtractedCommit commit;
  {
    auto a = package->OpenItemWriter("a", "a", options);
    EXPECT_TRUE(a.ok());
    for (const char* item : {R"({"id":1,"w":1})", R"({"id":2,"w":2})", R"({"id":3,"w":"x"})", R"({"id":4})",
                             R"({"id":5,"tags":["p","q"]})", R"({"id":6})"}) {
      EXPECT_TRUE(a->Write(item).ok());
    }
    commit.resources.push_back(a->Finish().value());
  }
  {
    options.file_max_items = 1;
    auto b = package->OpenItemWriter("b", "b", options);
    EXPECT_TRUE(b.ok());
    for (const char* item : {R"({"k":"one"})", R"({"k":"two","n":2.5})"}) EXPECT_TRUE(b->Write(item).ok());
    commit.resources.push_back(b->Finish().value());
  }
  return Written{std::move(package).value(), std::move(commit)};
}

NormalizeStageOptions StageOptions(const schema::Schema& start) {
  NormalizeStageOptions options;
  options.start = &start;
  options.row_id_seed = 7;
  return options;
}

// What a stage result loads: the schema document and rows per table.
std::string Describe(const NormalizeStageResult& result) {
  std::string out = schema::SchemaToJson(result.schema) + "\n";
  for (const package::TableFiles& t : result.tables) {
    out += t.table + ": " + std::to_string(t.rows) + " rows in " + std::to_string(t.files.size()) + " files\n";
  }
  for (const std::string& c : result.new_columns) out += c + " ";
  return out + "\nredone " + std::to_string(result.redone_jobs);
}

TEST(NormalizeStageTest, FedOutOfOrderItMergesAsFromTheManifest) {
  testing::TempDir dir("normalize_stage");
  Written written = WritePackage(dir.path() + "/pkg");
  const std::vector<package::ResourceFiles> resources = written.commit.resources;
  ASSERT_EQ(resources[0].files.size(), 3u);
  ASSERT_EQ(resources[1].files.size(), 2u);
  ASSERT_TRUE(written.package.CommitExtracted(written.commit).ok());
  const schema::Schema start = schema::Schema::CreateDefault("p");

  auto from_manifest = RunNormalizeStage(written.package, StageOptions(start));
  ASSERT_TRUE(from_manifest.ok()) << from_manifest.error().message();
  const std::string expected = Describe(*from_manifest);
  EXPECT_THAT(expected, HasSubstr("w__v_text"));
  EXPECT_THAT(expected, HasSubstr("a__tags: 2 rows"));
  EXPECT_THAT(expected, HasSubstr("redone 1"));

  // The same files announced from another thread as concurrent resources
  // might close them: b's first, a's interleaved, the end last.
  auto feed = ItemFileFeed::Create();
  ASSERT_TRUE(feed.ok());
  auto target = NormalizeTarget::Prepare(written.package);
  ASSERT_TRUE(target.ok()) << target.error().message();
  std::thread producer([&] {
    feed->AddFile(1, 0, "b", resources[1].files[0]);
    feed->AddFile(0, 0, "a", resources[0].files[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    feed->AddFile(1, 1, "b", resources[1].files[1]);
    feed->EndResource(1, 2);
    feed->AddFile(0, 1, "a", resources[0].files[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    feed->AddFile(0, 2, "a", resources[0].files[2]);
    feed->EndResource(0, 3);
    feed->End(2);
  });
  auto streamed = RunNormalizeStage(*target, StageOptions(start), *feed);
  producer.join();
  ASSERT_TRUE(streamed.ok()) << streamed.error().message();
  EXPECT_EQ(Describe(*streamed), expected);
  EXPECT_EQ(streamed->jobs, 5u);
}

TEST(NormalizeStageTest, AFeedThatNeverEndsWaitsUntilStopped) {
  testing::TempDir dir("normalize_stage");
  Written written = WritePackage(dir.path() + "/pkg");
  const schema::Schema start = schema::Schema::CreateDefault("p");
  auto feed = ItemFileFeed::Create();
  ASSERT_TRUE(feed.ok());
  auto target = NormalizeTarget::Prepare(written.package);  // stage new: allowed
  ASSERT_TRUE(target.ok()) << target.error().message();
  feed->AddFile(0, 0, "a", written.commit.resources[0].files[0]);
  std::stop_source stop;
  NormalizeStageOptions options = StageOptions(start);
  options.stop = stop.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    stop.request_stop();
  });
  auto result = RunNormalizeStage(*target, options, *feed);
  stopper.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kCancelled);
}

TEST(NormalizeStageTest, AnEndWithoutTheResourcesEndsIsAnErrorNotAHang) {
  testing::TempDir dir("normalize_stage");
  Written written = WritePackage(dir.path() + "/pkg");
  const schema::Schema start = schema::Schema::CreateDefault("p");
  auto feed = ItemFileFeed::Create();
  ASSERT_TRUE(feed.ok());
  auto target = NormalizeTarget::Prepare(written.package);
  ASSERT_TRUE(target.ok()) << target.error().message();
  feed->AddFile(0, 0, "a", written.commit.resources[0].files[0]);
  feed->End(1);  // resource 0 never ended
  auto result = RunNormalizeStage(*target, StageOptions(start), *feed);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(result.error().message(), HasSubstr("without ending resource 0"));
}

TEST(ItemFileFeedTest, TakeReturnsWhatArrivedOnceAndWakesTheFd) {
  auto feed = ItemFileFeed::Create();
  ASSERT_TRUE(feed.ok());
  pollfd fd{feed->wake_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&fd, 1, 0), 0) << "nothing arrived yet";
  feed->AddFile(2, 0, "t", "extracted/r.0.jsonl");
  feed->AddFile(2, 1, "t", "extracted/r.1.jsonl");
  feed->EndResource(2, 2);
  EXPECT_EQ(::poll(&fd, 1, 0), 1);
  ItemFileFeed::Batch batch = feed->Take();
  ASSERT_EQ(batch.files.size(), 2u);
  EXPECT_EQ(batch.files[1].resource, 2u);
  EXPECT_EQ(batch.files[1].index, 1u);
  EXPECT_EQ(batch.files[1].relative, "extracted/r.1.jsonl");
  ASSERT_EQ(batch.ended.size(), 1u);
  EXPECT_EQ(batch.ended[0].files, 2u);
  EXPECT_FALSE(batch.resources.has_value());
  EXPECT_EQ(::poll(&fd, 1, 0), 0) << "taken: quiet again";
  EXPECT_TRUE(feed->Take().files.empty());
  feed->End(3);
  EXPECT_EQ(feed->Take().resources, 3u);
}

}  // namespace
}  // namespace ingestd::pipeline
