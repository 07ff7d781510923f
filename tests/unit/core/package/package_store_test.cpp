#include "core/package/package_store.hpp"
#include "tests/support/temp_dir.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ingestd::package {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// One per test: /tmp/ingestd_package_store_XXXXXX.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("package_store") {}
};

TEST(LoadIdTest, FormatsLikePythonStrOfFloat) {
  EXPECT_EQ(FormatLoadId(1700000000.123456), "1700000000.123456");
  EXPECT_EQ(FormatLoadId(1700000000.5), "1700000000.5");
  EXPECT_EQ(FormatLoadId(1700000000.0), "1700000000.0");
  EXPECT_EQ(FormatLoadId(1700000000.1234567), "1700000000.123457");  // microseconds
  EXPECT_EQ(FormatLoadId(0), "0.0");
}

TEST(LoadIdTest, ParsesOnlyLoadIds) {
  EXPECT_EQ(ParseLoadId("1700000000.5"), 1700000000.5);
  EXPECT_EQ(ParseLoadId("17"), 17.0);
  for (const char* bad : {"", ".5", "5.", "1e9", "-1.0", "1.2.3", ".newest_load_id", ".trash-1.0", "1.0 ", "../1"}) {
    EXPECT_FALSE(ParseLoadId(bad).has_value()) << bad;
  }
}

TEST(LoadIdTest, OrdersNumerically) {
  EXPECT_TRUE(LoadIdLess("999999999.5", "1000000000.0"));
  EXPECT_FALSE(LoadIdLess("1000000000.0", "999999999.5"));
  EXPECT_TRUE(LoadIdLess("9.5", "10.0"));
  EXPECT_TRUE(LoadIdLess("10.25", "10.5"));
  EXPECT_FALSE(LoadIdLess("10.5", "10.5"));
}

class PackageStoreTest : public ::testing::Test {
 protected:
  PackageStore OpenStore() {
    auto store = PackageStore::Open(dir_.path() + "/pipelines/p1");
    INGESTD_CHECK(store.ok());
    return std::move(*store);
  }

  // Moves a package through extract (if still kNew) and normalize, with no data.
  static void ToNormalized(LoadPackage& package) {
    if (package.stage() == PackageStage::kNew) {
      ASSERT_TRUE(package.CommitExtracted({}).ok());
    }
    auto set = package.StartNormalize();
    ASSERT_TRUE(set.ok());
    NormalizedCommit commit;
    commit.schema_json = "{}";
    ASSERT_TRUE(package.CommitNormalized(std::move(commit)).ok());
  }

  TempDir dir_;
};

TEST_F(PackageStoreTest, CreatesLayout) {
  PackageStore store = OpenStore();
  EXPECT_EQ(store.packages_dir(), dir_.path() + "/pipelines/p1/packages");
  auto package = store.Create(1700000000.25);
  ASSERT_TRUE(package.ok());
  EXPECT_EQ(package->load_id(), "1700000000.25");
  EXPECT_EQ(package->dir(), store.packages_dir() + "/1700000000.25");
  EXPECT_TRUE(std::filesystem::is_regular_file(package->dir() + "/manifest.json"));
  EXPECT_TRUE(std::filesystem::is_directory(package->dir() + "/extracted"));
  EXPECT_TRUE(std::filesystem::is_directory(package->dir() + "/normalized"));
}

TEST_F(PackageStoreTest, LoadIdsStrictlyIncrease) {
  PackageStore store = OpenStore();
  auto a = store.Create(1700000000.5);
  auto b = store.Create(1700000000.5);  // same clock reading
  auto c = store.Create(1600000000.0);  // clock went back
  auto d = store.Create(1700000001.0);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->load_id(), "1700000000.5");
  EXPECT_EQ(b->load_id(), "1700000000.500001");
  EXPECT_EQ(c->load_id(), "1700000000.500002");
  EXPECT_EQ(d->load_id(), "1700000001.0");
  EXPECT_EQ(c->created_at(), 1600000000.0);  // the real clock reading is kept
  auto all = store.ListAll();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, ElementsAre("1700000000.5", "1700000000.500001", "1700000000.500002", "1700000001.0"));
}

TEST_F(PackageStoreTest, LoadIdsIncreaseEvenAfterPackagesAreGone) {
  {
    PackageStore store = OpenStore();
    auto package = store.Create(1700000000.5);
    ASSERT_TRUE(package.ok());
    ToNormalized(*package);
    ASSERT_TRUE(store.MarkLoaded(*package).ok());
    auto discarded = store.Create(1700000005.0);
    ASSERT_TRUE(discarded.ok());
    ASSERT_TRUE(store.Discard(*discarded).ok());
    auto all = store.ListAll();
    ASSERT_TRUE(all.ok());
    EXPECT_THAT(*all, IsEmpty());
  }
  PackageStore store = OpenStore();  // a restarted daemon
  auto next = store.Create(1700000000.0);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->load_id(), "1700000005.000001");
}

TEST_F(PackageStoreTest, RejectsBadClock) {
  PackageStore store = OpenStore();
  for (double now : {-1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(), 1e300}) {
    auto package = store.Create(now);
    ASSERT_FALSE(package.ok());
    EXPECT_EQ(package.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(PackageStoreTest, ListsPendingInNumericOrder) {
  PackageStore store = OpenStore();
  auto early = store.Create(999999999.5);
  auto late = store.Create(1000000000.0);
  auto extracting = store.Create(1000000001.0);
  auto loaded = store.Create(1000000002.0);
  ASSERT_TRUE(early.ok() && late.ok() && extracting.ok() && loaded.ok());
  ASSERT_TRUE(late->CommitExtracted({}).ok());
  ToNormalized(*early);
  ToNormalized(*loaded);
  ASSERT_TRUE(loaded->CommitLoaded().ok());  // a crash before its deletion
  auto pending = store.ListPending();
  ASSERT_TRUE(pending.ok());
  // String order would put "1000000000.0" first.
  EXPECT_THAT(*pending, ElementsAre("999999999.5", "1000000000.0"));
}

TEST_F(PackageStoreTest, StagesSurviveReopeningTheStore) {
  std::string load_id;
  {
    PackageStore store = OpenStore();
    auto package = store.Create(1700000000.0);
    ASSERT_TRUE(package.ok());
    load_id = package->load_id();
    ExtractedCommit commit;
    commit.pipeline_state = "{\"v\":1}";
    ASSERT_TRUE(package->CommitExtracted(std::move(commit)).ok());
  }
  PackageStore store = OpenStore();
  auto recovered = store.Recover();
  ASSERT_TRUE(recovered.ok());
  EXPECT_THAT(recovered->removed_unfinished, IsEmpty());
  auto package = store.OpenPackage(load_id);
  ASSERT_TRUE(package.ok());
  EXPECT_EQ(package->stage(), PackageStage::kExtracted);
  EXPECT_EQ(package->manifest().pipeline_state, "{\"v\":1}");
  ToNormalized(*package);
  auto again = store.OpenPackage(load_id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stage(), PackageStage::kNormalized);
}

TEST_F(PackageStoreTest, MarkLoadedDeletesThePackage) {
  PackageStore store = OpenStore();
  auto package = store.Create(1700000000.0);
  ASSERT_TRUE(package.ok());
  EXPECT_EQ(store.MarkLoaded(*package).error().code(), ErrorCode::kFailedPrecondition);  // not normalized
  ToNormalized(*package);
  std::string dir = package->dir();
  ASSERT_TRUE(store.MarkLoaded(*package).ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(store.OpenPackage(package->load_id()).error().code(), ErrorCode::kNotFound);
  // Only the newest-id record stays behind.
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(store.packages_dir())) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(left, ElementsAre(".newest_load_id"));
}

TEST_F(PackageStoreTest, DiscardOnlyWhileExtracting) {
  PackageStore store = OpenStore();
  auto package = store.Create(1700000000.0);
  ASSERT_TRUE(package.ok());
  ASSERT_TRUE(package->CommitExtracted({}).ok());
  Status s = store.Discard(*package);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(package->dir()));
}

TEST_F(PackageStoreTest, RecoverRemovesUnfinishedAndLoaded) {
  PackageStore store = OpenStore();
  auto unfinished = store.Create(1700000000.0);
  auto pending = store.Create(1700000001.0);
  auto loaded = store.Create(1700000002.0);
  ASSERT_TRUE(unfinished.ok() && pending.ok() && loaded.ok());
  auto writer = unfinished->OpenItemWriter("r", "r");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->Write("{}").ok());  // extraction interrupted mid-way
  ASSERT_TRUE(pending->CommitExtracted({}).ok());
  ToNormalized(*loaded);
  ASSERT_TRUE(loaded->CommitLoaded().ok());
  // A creation that crashed before its manifest, and a deletion that crashed.
  std::filesystem::create_directories(store.packages_dir() + "/1700000003.0/extracted");
  std::filesystem::create_directories(store.packages_dir() + "/.trash-1600000000.0/normalized");
  // Unrelated entries are left alone.
  std::ofstream(store.packages_dir() + "/README").put('x');

  auto report = store.Recover();
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_THAT(report->removed_unfinished, ElementsAre("1700000000.0", "1700000003.0"));
  EXPECT_THAT(report->removed_loaded, ElementsAre("1700000002.0"));
  auto all = store.ListAll();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, ElementsAre("1700000001.0"));
  EXPECT_FALSE(std::filesystem::exists(store.packages_dir() + "/.trash-1600000000.0"));
  EXPECT_TRUE(std::filesystem::exists(store.packages_dir() + "/README"));
  // The removed ids still count: the next id is above all of them.
  auto next = store.Create(1.0);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->load_id(), "1700000003.000001");
}

TEST_F(PackageStoreTest, CorruptManifestIsReported) {
  PackageStore store = OpenStore();
  auto package = store.Create(1700000000.0);
  ASSERT_TRUE(package.ok());
  std::ofstream(package->manifest_path(), std::ios::trunc) << "{not json";
  auto pending = store.ListPending();
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().code(), ErrorCode::kDataLoss);
  EXPECT_THAT(pending.error().message(), HasSubstr(package->manifest_path()));
  EXPECT_FALSE(store.Recover().ok());  // never deletes what it cannot read
  EXPECT_TRUE(std::filesystem::exists(package->dir()));
}

TEST_F(PackageStoreTest, OpenPackageRejectsNonIds) {
  PackageStore store = OpenStore();
  EXPECT_EQ(store.OpenPackage("../../etc").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store.OpenPackage("1.0").error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ingestd::package
