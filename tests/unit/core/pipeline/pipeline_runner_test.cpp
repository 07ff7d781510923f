#include "core/pipeline/pipeline_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stop_token>
#include <string>
#include <vector>

#include "core/destinations/sqlite/sqlite_connection.hpp"
#include "core/pipeline/pipeline_admin.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// `to - from + 1` items {"id": i, "name": ..., "tags": ["a", "b"]}, one per
// line, compact (so the file's bytes are exactly the item file's bytes).
void WriteItems(const std::string& path, int from, int to, std::size_t padding = 0) {
  std::ofstream out(path, std::ios::trunc);
  const std::string pad(padding, 'x');
  for (int i = from; i <= to; ++i) {
    out << R"({"id":)" << i << R"(,"name":"item )" << i << pad << R"(","tags":["a","b"]})" << "\n";
  }
}

ResourceSpec FilesResourceSpec(const std::string& name, const std::string& path,
                               schema::WriteDisposition disposition, bool incremental) {
  ResourceSpec r;
  r.name = name;
  r.table_name = name;
  r.write_disposition = disposition;
  if (incremental) {
    extract::IncrementalConfig inc;
    inc.cursor_path = "id";
    r.incremental = inc;
  }
  extract::FilesConfig files;
  files.paths = {path};
  r.source = files;
  return r;
}

ResourceSpec PushResourceSpec(const std::string& name, schema::WriteDisposition disposition) {
  ResourceSpec r;
  r.name = name;
  r.table_name = name;
  r.write_disposition = disposition;
  r.source = PushConfig{};
  return r;
}

class PipelineRunnerTest : public ::testing::Test {
 protected:
  PipelineSpec Spec(std::vector<ResourceSpec> resources) const {
    PipelineSpec spec;
    spec.name = "p";
    spec.dataset_name = "p_dataset";
    spec.resources = std::move(resources);
    return spec;
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
    options.row_id_seed = 42;
    options.on_event = [this](const RunEvent& e) { events_.push_back(e); };
    return options;
  }

  // One number from the destination; -1 when the query fails (no table).
  long Scalar(const std::string& sql) const {
    auto db = destinations::sqlite::SqliteConnection::Open(DataDir() + "/p.sqlite");
    if (!db.ok()) return -1;
    auto stmt = db->Prepare(sql, "test query");
    if (!stmt.ok()) return -1;
    auto row = stmt->Step();
    if (!row.ok() || !*row) return -1;
    return static_cast<long>(stmt->ColumnInt64(0));
  }
  long Rows(const std::string& table) const { return Scalar("SELECT count(*) FROM " + table); }

  std::vector<RunEvent::Kind> Kinds() const {
    std::vector<RunEvent::Kind> kinds;
    for (const RunEvent& e : events_) kinds.push_back(e.kind);
    return kinds;
  }

  testing::TempDir dir_{"runner"};
  int runs_ = 0;
  std::vector<RunEvent> events_;
};

// --- push runs ---------------------------------------------------------------

TEST_F(PipelineRunnerTest, PushRunExtractsOnlyThePushedResource) {
  WriteItems(Path("orders.jsonl"), 1, 5);
  WriteItems(Path("snapshot.jsonl"), 1, 3);
  PipelineSpec spec = Spec({FilesResourceSpec("orders", Path("orders.jsonl"), schema::WriteDisposition::kAppend, true),
                            FilesResourceSpec("snapshot", Path("snapshot.jsonl"), schema::WriteDisposition::kReplace,
                                              false),
                            PushResourceSpec("events", schema::WriteDisposition::kReplace)});

  // A run without a push: the push resource extracts nothing.
  auto first = RunPipeline(spec, Options());
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->packages.back().items_extracted, 8u);
  EXPECT_EQ(Rows("orders"), 5);
  EXPECT_EQ(Rows("snapshot"), 3);
  EXPECT_EQ(Rows("events"), -1) << "no table for a push resource nobody pushed to";
  auto state_before = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(state_before.ok() && state_before->has_value());
  const auto orders_state = (*state_before)->GetResourceValue("p", "orders", "incremental.id");
  ASSERT_TRUE(orders_state.has_value());

  // New orders arrive, but a push run reads only the pushed records.
  WriteItems(Path("orders.jsonl"), 1, 9);
  std::ofstream(Path("push.jsonl")) << "{\"kind\": \"click\", \"n\": 1}\n\n  {\"kind\": \"view\", \"n\": 2}  \n"
                                    << "{\"kind\": \"click\", \"n\": 3, \"extra\": {\"x\": true}}\n";
  RunOptions push = Options();
  push.push = RunOptions::PushInput{"events", Path("push.jsonl")};
  auto pushed = RunPipeline(spec, push);
  ASSERT_TRUE(pushed.ok()) << pushed.error().message();
  ASSERT_EQ(pushed->packages.size(), 1u);
  EXPECT_EQ(pushed->packages[0].items_extracted, 3u);
  EXPECT_EQ(Rows("events"), 3);
  EXPECT_EQ(Rows("orders"), 5) << "orders were not extracted";
  EXPECT_EQ(Rows("snapshot"), 3) << "a replace table of a resource that did not run is not truncated";
  auto state_after = ReadLocalState(DataDir(), "p");
  ASSERT_TRUE(state_after.ok() && state_after->has_value());
  EXPECT_EQ((*state_after)->GetResourceValue("p", "orders", "incremental.id"), orders_state);

  // The next ordinary run picks up the new orders and leaves the pushed
  // (replace) table alone.
  auto third = RunPipeline(spec, Options());
  ASSERT_TRUE(third.ok()) << third.error().message();
  EXPECT_EQ(Rows("orders"), 9);
  EXPECT_EQ(Scalar("SELECT count(DISTINCT id) FROM orders"), 9);
  EXPECT_EQ(Rows("snapshot"), 3);
  EXPECT_EQ(Rows("events"), 3) << "a push resource's replace table survives runs without a push";

  // A second push replaces the pushed table.
  std::ofstream(Path("push2.jsonl")) << "{\"kind\": \"scroll\", \"n\": 4}\n";
  RunOptions push2 = Options();
  push2.push = RunOptions::PushInput{"events", Path("push2.jsonl")};
  ASSERT_TRUE(RunPipeline(spec, push2).ok());
  EXPECT_EQ(Rows("events"), 1);
  EXPECT_EQ(Rows("orders"), 9);
}

TEST_F(PipelineRunnerTest, PushToAResourceThatIsNotAPushResourceIsInvalidArgument) {
  WriteItems(Path("orders.jsonl"), 1, 2);
  std::ofstream(Path("push.jsonl")) << "{\"a\": 1}\n";
  PipelineSpec spec = Spec({FilesResourceSpec("orders", Path("orders.jsonl"), schema::WriteDisposition::kAppend, false),
                            PushResourceSpec("events", schema::WriteDisposition::kAppend)});
  for (const char* resource : {"orders", "nope"}) {
    RunOptions options = Options();
    options.push = RunOptions::PushInput{resource, Path("push.jsonl")};
    auto result = RunPipeline(spec, options);
    ASSERT_FALSE(result.ok()) << resource;
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << result.error().message();
    EXPECT_THAT(result.error().message(), HasSubstr(resource));
  }
  EXPECT_EQ(Rows("orders"), -1) << "nothing ran";
}

TEST_F(PipelineRunnerTest, PushedRecordThatIsNotAnObjectNamesItsLine) {
  PipelineSpec spec = Spec({PushResourceSpec("events", schema::WriteDisposition::kAppend)});
  std::ofstream(Path("push.jsonl")) << "{\"a\": 1}\n\n[1, 2]\n{\"a\": 3}\n";
  RunOptions options = Options();
  options.push = RunOptions::PushInput{"events", Path("push.jsonl")};
  auto result = RunPipeline(spec, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(result.error().message(), HasSubstr("line 3: expected a JSON object, got an array"));
  EXPECT_EQ(Pending(), 0u) << "a failed extraction is discarded";

  std::ofstream(Path("bad.jsonl")) << "{\"a\": 1}\n{\"a\": \n";
  options = Options();
  options.push = RunOptions::PushInput{"events", Path("bad.jsonl")};
  result = RunPipeline(spec, options);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message(), HasSubstr("line 2"));
}

// --- events ------------------------------------------------------------------

TEST_F(PipelineRunnerTest, EventsOfARun) {
  WriteItems(Path("orders.jsonl"), 1, 2500);
  const auto file_bytes = static_cast<std::uint64_t>(std::filesystem::file_size(Path("orders.jsonl")));
  PipelineSpec spec =
      Spec({FilesResourceSpec("orders", Path("orders.jsonl"), schema::WriteDisposition::kAppend, false)});
  auto result = RunPipeline(spec, Options());
  ASSERT_TRUE(result.ok()) << result.error().message();
  const PackageSummary& summary = result->packages.back();
  EXPECT_EQ(summary.items_extracted, 2500u);
  EXPECT_EQ(summary.bytes_extracted, file_bytes);

  using K = RunEvent::Kind;
  // The three stages start together (they overlap); then each stage's
  // events come in order, interleaved with the others' as threads go.
  ASSERT_GE(events_.size(), 3u);
  EXPECT_EQ(events_[0].stage, "extract");
  EXPECT_EQ(events_[1].stage, "normalize");
  EXPECT_EQ(events_[2].stage, "load");
  auto of_stage = [&](const std::string& stage) {
    std::vector<RunEvent> out;
    for (const RunEvent& e : events_) {
      if (e.stage == stage) out.push_back(e);
    }
    return out;
  };
  const std::vector<RunEvent> extract = of_stage("extract");
  const std::vector<RunEvent> normalize = of_stage("normalize");
  const std::vector<RunEvent> load = of_stage("load");
  auto kinds = [](const std::vector<RunEvent>& events) {
    std::vector<K> out;
    for (const RunEvent& e : events) out.push_back(e.kind);
    return out;
  };
  EXPECT_THAT(kinds(extract), ElementsAre(K::kStageStarted, K::kProgress, K::kProgress, K::kProgress,
                                          K::kStageFinished));
  // One job here, so no load progress before normalization ends.
  EXPECT_THAT(kinds(normalize), ElementsAre(K::kStageStarted, K::kProgress, K::kSchemaChanged, K::kStageFinished));
  EXPECT_THAT(kinds(load), ElementsAre(K::kStageStarted, K::kProgress, K::kStageFinished));
  EXPECT_EQ(events_.back().kind, K::kStageFinished);
  EXPECT_EQ(events_.back().stage, "load");
  // extract: every 1,000 items, then the total.
  EXPECT_EQ(extract[1].rows, 1000u);
  EXPECT_EQ(extract[2].rows, 2000u);
  EXPECT_EQ(extract[3].rows, 2500u);
  EXPECT_EQ(extract[3].bytes, file_bytes);
  // normalize: one block (less than 4 MiB), all root and nested rows.
  EXPECT_EQ(normalize[1].rows, 2500u + 5000u);
  EXPECT_EQ(normalize[1].bytes, file_bytes);
  const RunEvent& changed = normalize[2];
  EXPECT_EQ(changed.schema_version, summary.schema_version);
  EXPECT_THAT(changed.new_tables, ::testing::Contains("orders"));
  EXPECT_THAT(changed.new_tables, ::testing::Contains("orders__tags"));
  EXPECT_THAT(changed.new_columns, ::testing::Contains("orders.name"));
  // load: the rows once committed.
  EXPECT_EQ(load[1].rows, 7500u);
  EXPECT_EQ(RunEventKindName(K::kProgress), "progress");
  EXPECT_EQ(FormatRunEvent(load[1]), "progress load 7500 rows, 0 bytes");

  // Nothing new, same schema: no schema_changed.
  events_.clear();
  ASSERT_TRUE(RunPipeline(spec, Options()).ok());
  for (const RunEvent& e : events_) EXPECT_NE(e.kind, K::kSchemaChanged);
}

TEST_F(PipelineRunnerTest, ExtractProgressEveryMebibyte) {
  // 300 items of ~10 KiB: the byte limit, not the item count, triggers.
  WriteItems(Path("big.jsonl"), 1, 300, 10 * 1024);
  PipelineSpec spec = Spec({FilesResourceSpec("big", Path("big.jsonl"), schema::WriteDisposition::kAppend, false)});
  ASSERT_TRUE(RunPipeline(spec, Options()).ok());
  std::vector<std::uint64_t> extract_bytes;
  for (const RunEvent& e : events_) {
    if (e.kind == RunEvent::Kind::kProgress && e.stage == "extract") extract_bytes.push_back(e.bytes);
  }
  ASSERT_EQ(extract_bytes.size(), 3u);  // ~3 MiB: at 1 MiB, 2 MiB, then the total
  EXPECT_GE(extract_bytes[0], 1u << 20);
  EXPECT_LT(extract_bytes[0], (1u << 20) + 11 * 1024);
}

TEST_F(PipelineRunnerTest, ContractViolationsAreEvents) {
  std::ofstream(Path("users.jsonl")) << "{\"id\": 1, \"name\": \"a\"}\n{\"id\": 2, \"name\": \"b\", \"age\": 3}\n"
                                     << "{\"id\": 3, \"name\": \"c\", \"email\": \"c@x\"}\n";
  ResourceSpec users = FilesResourceSpec("users", Path("users.jsonl"), schema::WriteDisposition::kAppend, false);
  schema::ColumnSchema id;
  id.name = "id";
  id.data_type = schema::DataType::kBigint;
  schema::ColumnSchema name;
  name.name = "name";
  name.data_type = schema::DataType::kText;
  users.columns = {id, name};
  users.schema_contract = schema::SchemaContract{std::nullopt, schema::ContractMode::kDiscardValue, std::nullopt};
  auto result = RunPipeline(Spec({users}), Options());
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->packages.back().violation_total, 2u);
  std::vector<RunEvent> violations;
  for (const RunEvent& e : events_) {
    if (e.kind == RunEvent::Kind::kContractViolation) violations.push_back(e);
  }
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].table, "users");
  EXPECT_EQ(violations[0].column, "age");
  EXPECT_EQ(violations[0].entity, "columns");
  EXPECT_EQ(violations[0].mode, "discard_value");
  EXPECT_EQ(violations[0].message, result->packages.back().violations[0].Describe());
  EXPECT_EQ(violations[1].column, "email");
  EXPECT_EQ(Rows("users"), 3);
}

// --- cancellation ------------------------------------------------------------

constexpr int kItems = 6000;

// (checkpoint at which the run is cancelled, whether normalization
// overlaps extraction)
class CancelTest : public PipelineRunnerTest,
                   public ::testing::WithParamInterface<std::tuple<std::string, bool>> {};

TEST_P(CancelTest, CancelledRunThenNextRunLoadsEveryRowOnce) {
  const auto& [point, overlap_extract] = GetParam();
  WriteItems(Path("items.jsonl"), 1, kItems, 200);
  PipelineSpec spec = Spec({FilesResourceSpec("items", Path("items.jsonl"), schema::WriteDisposition::kAppend, true)});
  spec.options.file_max_items = 1000;  // several item and load files: the cancel lands mid-stage

  std::stop_source stop;
  RunOptions options = Options();
  options.overlap_extract = overlap_extract;
  options.stop = stop.get_token();
  options.checkpoint = [&](std::string_view at) {
    if (at == point) stop.request_stop();
  };
  auto cancelled = RunPipeline(spec, options);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code(), ErrorCode::kCancelled) << cancelled.error().message();
  EXPECT_EQ(Scalar("SELECT count(*) FROM items"), -1) << "nothing committed";
  const std::size_t pending = Pending();
  if (overlap_extract && (point == "normalize" || point == "copy")) {
    // Normalization (and the load behind it) runs while extraction goes on:
    // a cancel that reaches extraction first discards the package, one that
    // comes after it committed leaves it pending. Both load it exactly once.
    EXPECT_LE(pending, 1u);
  } else {
    EXPECT_EQ(pending, point != "extract" ? 1u : 0u)
        << "a cancelled extraction is discarded; a later cancel leaves the package pending";
  }
  const bool extracted = pending == 1;
  if (point == "extract") {
    for (const RunEvent& e : events_) {
      if (e.kind == RunEvent::Kind::kProgress) {
        EXPECT_LT(e.rows, 1000u) << "stopped right after the first item";
      }
    }
  }

  events_.clear();
  auto resumed = RunPipeline(spec, Options());
  ASSERT_TRUE(resumed.ok()) << resumed.error().message();
  EXPECT_EQ(Rows("items"), kItems);
  EXPECT_EQ(Scalar("SELECT count(DISTINCT id) FROM items"), kItems);
  EXPECT_EQ(Rows("items__tags"), 2 * kItems);
  if (extracted) {
    ASSERT_EQ(resumed->packages.size(), 2u);
    EXPECT_TRUE(resumed->packages[0].resumed);
    EXPECT_EQ(resumed->packages[1].items_extracted, 0u) << "the cursor came with the resumed package";
    // The resumed package is finished (and announced) before the new
    // extraction starts.
    std::vector<std::string> order;
    for (const RunEvent& e : events_) {
      if (e.kind == RunEvent::Kind::kPackageResumed) order.push_back("resumed " + e.message);
      if (e.kind == RunEvent::Kind::kStageStarted) order.push_back("start " + e.stage);
    }
    EXPECT_THAT(order, ElementsAre("resumed " + resumed->packages[0].load_id, "start extract", "start normalize",
                                   "start load"));
  } else {
    ASSERT_EQ(resumed->packages.size(), 1u);
    EXPECT_EQ(resumed->packages[0].items_extracted, static_cast<std::uint64_t>(kItems));
  }

  // The state came with the data: nothing is extracted or loaded again.
  auto again = RunPipeline(spec, Options());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->packages.back().items_extracted, 0u);
  EXPECT_EQ(Rows("items"), kItems);
}

INSTANTIATE_TEST_SUITE_P(EveryStage, CancelTest,
                         ::testing::Combine(::testing::Values("extract", "extracted", "normalize", "normalized",
                                                              "copy"),
                                            ::testing::Bool()),
                         [](const auto& param_info) {
                           return std::get<0>(param_info.param) +
                                  (std::get<1>(param_info.param) ? "_overlapped" : "_sequential");
                         });

TEST_F(PipelineRunnerTest, StopBeforeTheRunCancelsIt) {
  WriteItems(Path("items.jsonl"), 1, 10);
  PipelineSpec spec = Spec({FilesResourceSpec("items", Path("items.jsonl"), schema::WriteDisposition::kAppend, true)});
  std::stop_source stop;
  stop.request_stop();
  RunOptions options = Options();
  options.stop = stop.get_token();
  auto result = RunPipeline(spec, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(Pending(), 0u);
}

}  // namespace
}  // namespace ingestd::pipeline
