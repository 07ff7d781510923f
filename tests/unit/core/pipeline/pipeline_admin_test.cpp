#include "core/pipeline/pipeline_admin.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stop_token>
#include <string>

#include "core/destinations/sqlite/sqlite_connection.hpp"
#include "core/pipeline/pipeline_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::pipeline {
namespace {

using ::testing::HasSubstr;

void WriteItems(const std::string& path, int from, int to) {
  std::ofstream out(path, std::ios::trunc);
  for (int i = from; i <= to; ++i) out << R"({"id":)" << i << R"(,"name":"item )" << i << "\"}\n";
}

class PipelineAdminTest : public ::testing::Test {
 protected:
  PipelineAdminTest() {
    WriteItems(Path("a.jsonl"), 1, 10);
    WriteItems(Path("b.jsonl"), 1, 5);
    spec_.name = "p";
    spec_.dataset_name = "p_dataset";
    spec_.resources = {Incremental("a", 3), Incremental("b", std::nullopt)};
  }

  // An append resource reading `<name>.jsonl` with an incremental cursor on id.
  ResourceSpec Incremental(const std::string& name, std::optional<std::int64_t> initial) const {
    ResourceSpec r;
    r.name = name;
    r.table_name = name;
    extract::IncrementalConfig inc;
    inc.cursor_path = "id";
    if (initial) inc.initial_value = extract::CursorValue::Int(*initial);
    r.incremental = inc;
    extract::FilesConfig files;
    files.paths = {Path(name + ".jsonl")};
    r.source = files;
    return r;
  }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }
  std::string DataDir() const { return dir_.path() + "/data"; }
  // Pending packages; 99 when they cannot be counted.
  std::size_t Pending() const {
    auto n = CountPendingPackages(DataDir(), "p");
    return n.ok() ? *n : 99;
  }

  RunOptions Options() {
    RunOptions options;
    options.data_dir = DataDir();
    options.now = 1700000000.0 + static_cast<double>(runs_++);
    return options;
  }
  void Run() {
    auto result = RunPipeline(spec_, Options());
    ASSERT_TRUE(result.ok()) << result.error().message();
  }

  long Rows(const std::string& table) const {
    auto db = destinations::sqlite::SqliteConnection::Open(DataDir() + "/p.sqlite");
    if (!db.ok()) return -1;
    auto stmt = db->Prepare("SELECT count(*) FROM " + table, "test query");
    if (!stmt.ok()) return -1;
    auto row = stmt->Step();
    if (!row.ok() || !*row) return -1;
    return static_cast<long>(stmt->ColumnInt64(0));
  }

  testing::TempDir dir_{"admin"};
  PipelineSpec spec_;
  int runs_ = 0;
};

TEST_F(PipelineAdminTest, NothingBeforeTheFirstRun) {
  auto schema = ReadLocalSchemaJson(DataDir(), "p");
  ASSERT_TRUE(schema.ok()) << schema.error().message();
  EXPECT_FALSE(schema->has_value());
  auto state = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->has_value());
  EXPECT_EQ(Pending(), 0u);
  EXPECT_FALSE(std::filesystem::exists(DataDir())) << "reading creates nothing";

  // A reset with no state: a fresh one, nothing written.
  auto reset = ResetPipelineState(spec_, DataDir(), "a");
  ASSERT_TRUE(reset.ok()) << reset.error().message();
  EXPECT_EQ(reset->pipeline_name(), "p");
  EXPECT_TRUE(reset->ListResources().empty());
  EXPECT_FALSE(std::filesystem::exists(DataDir() + "/pipelines/p/state.json"));
}

TEST_F(PipelineAdminTest, ResetOneResourceReloadsItFromTheInitialValue) {
  Run();
  EXPECT_EQ(Rows("a"), 8) << "ids 3..10 (initial_value 3)";
  EXPECT_EQ(Rows("b"), 5);
  Run();
  EXPECT_EQ(Rows("a"), 8) << "nothing new";
  EXPECT_EQ(Rows("b"), 5);

  auto schema = ReadLocalSchemaJson(DataDir(), "p");
  ASSERT_TRUE(schema.ok() && schema->has_value());
  EXPECT_THAT(**schema, HasSubstr("\"a\""));
  auto before = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(before.ok() && before->has_value());
  const auto b_state = (*before)->GetResourceValue("p", "b", "incremental.id");
  ASSERT_TRUE(b_state.has_value());
  ASSERT_TRUE((*before)->GetResourceValue("p", "a", "incremental.id").has_value());

  auto reset = ResetPipelineState(spec_, DataDir(), "a");
  ASSERT_TRUE(reset.ok()) << reset.error().message();
  EXPECT_FALSE(reset->GetResourceValue("p", "a", "incremental.id").has_value());
  EXPECT_EQ(reset->GetResourceValue("p", "b", "incremental.id"), b_state);
  EXPECT_EQ(reset->version(), (*before)->version() + 1);
  EXPECT_NE(reset->version_hash(), (*before)->version_hash());
  // What the next run reads is what Reset returned.
  auto stored = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->ToJson(), reset->ToJson());
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(DataDir() + "/pipelines/p", ec)) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr("tmp"))) << "no temp file left";
  }

  Run();
  EXPECT_EQ(Rows("a"), 16) << "a is extracted again from its initial value (append: rows appear twice)";
  EXPECT_EQ(Rows("b"), 5) << "b's cursor was kept";
  auto after = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->GetResourceValue("p", "b", "incremental.id"), b_state);
  EXPECT_TRUE((*after)->GetResourceValue("p", "a", "incremental.id").has_value());

  Run();
  EXPECT_EQ(Rows("a"), 16) << "the cursor is back";
}

TEST_F(PipelineAdminTest, ResetEveryResource) {
  Run();
  auto reset = ResetPipelineState(spec_, DataDir(), "");
  ASSERT_TRUE(reset.ok()) << reset.error().message();
  EXPECT_TRUE(reset->ListResources().empty());
  Run();
  EXPECT_EQ(Rows("a"), 16);
  EXPECT_EQ(Rows("b"), 10);
}

TEST_F(PipelineAdminTest, ResetOfAnUnknownResourceIsNotFound) {
  Run();
  auto reset = ResetPipelineState(spec_, DataDir(), "nope");
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(reset.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(reset.error().message(), HasSubstr("nope"));
}

TEST_F(PipelineAdminTest, ResetIsRefusedWhilePackagesArePending) {
  Run();
  WriteItems(Path("a.jsonl"), 1, 12);
  std::stop_source stop;
  RunOptions options = Options();
  options.stop = stop.get_token();
  options.checkpoint = [&](std::string_view at) {
    if (at == "normalize") stop.request_stop();
  };
  auto cancelled = RunPipeline(spec_, options);
  ASSERT_FALSE(cancelled.ok());
  ASSERT_EQ(Pending(), 1u);
  auto before = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(before.ok() && before->has_value());

  auto reset = ResetPipelineState(spec_, DataDir(), "a");
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(reset.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(reset.error().message(), HasSubstr("pending"));
  auto unchanged = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(unchanged.ok() && unchanged->has_value());
  EXPECT_EQ((*unchanged)->ToJson(), (*before)->ToJson());

  Run();  // finishes the pending package
  EXPECT_EQ(Pending(), 0u);
  EXPECT_EQ(Rows("a"), 10);
  EXPECT_TRUE(ResetPipelineState(spec_, DataDir(), "a").ok());
}

}  // namespace
}  // namespace ingestd::pipeline
