#pragma once

// Behaviour tests every Catalog implementation must pass (gtest's "abstract
// test" pattern). A test binary includes this header in exactly one .cpp and
// instantiates the suite with the stores it can make:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogConformanceTest,
//                            ::testing::Values(CatalogBackend{"Sqlite", MakeStore}), CatalogBackendName);

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"

namespace ingestd::testing {

/// Where one catalog's data lives (a SQLite file, a PostgreSQL schema).
/// Every Open() returns a new catalog object (its own connection) on the
/// same data, as a second daemon sharing the catalog would have.
class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  virtual Result<std::unique_ptr<catalog::Catalog>> Open() = 0;
  /// Writes `value` as the stored schema_version (what a newer or broken
  /// ingestd might leave), behind the catalog's back.
  virtual void OverwriteSchemaVersion(const std::string& value) = 0;
};

/// One implementation under test: a name for the test names and a maker of
/// fresh, empty stores.
struct CatalogBackend {
  std::string name;
  std::function<std::unique_ptr<CatalogStore>()> make_store;

  friend void PrintTo(const CatalogBackend& backend, std::ostream* os) { *os << backend.name; }
};

inline std::string CatalogBackendName(const ::testing::TestParamInfo<CatalogBackend>& info) { return info.param.name; }

/// "" for an ok result, else the error (for assertion messages).
template <class T>
std::string ErrorText(const Result<T>& result) {
  return result.ok() ? std::string() : result.error().ToString();
}

/// The error code of a failed result; nullopt when it succeeded.
template <class T>
std::optional<ErrorCode> ErrorCodeOf(const Result<T>& result) {
  return result.ok() ? std::nullopt : std::optional<ErrorCode>(result.error().code());
}

// Every field, so that EXPECT_EQ compares (and prints) whole records.
inline auto Fields(const catalog::PipelineRecord& p) {
  return std::tie(p.name, p.spec_json, p.version, p.paused, p.created_at, p.updated_at);
}
inline auto Fields(const catalog::RunRecord& r) {
  return std::make_tuple(r.run_id, r.pipeline, r.pipeline_version, catalog::RunStatusName(r.status),
                         catalog::RunTriggerName(r.trigger), r.idempotency_key, r.requested_by, r.created_at,
                         r.started_at, r.finished_at, r.deadline_at, r.error_code, r.error_message, r.summary_json,
                         r.cancel_requested, r.owner, r.push_file);
}
inline auto Fields(const catalog::StoredEvent& e) {
  return std::tie(e.run_id, e.sequence, e.time, e.kind, e.payload_json);
}
inline auto Fields(const catalog::ContractChange& c) {
  return std::tie(c.pipeline, c.table, c.contract_json, c.changed_by, c.changed_at);
}
inline auto Fields(const catalog::SchemaVersionRecord& v) {
  return std::tie(v.pipeline, v.version, v.version_hash, v.schema_json, v.created_at, v.run_id);
}

class CatalogConformanceTest : public ::testing::TestWithParam<CatalogBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make_store();
    ASSERT_NE(store_, nullptr);
    catalog_ = Open();
    ASSERT_NE(catalog_, nullptr);
  }

  /// A new catalog object on the store (nullptr and a failure if it fails).
  std::unique_ptr<catalog::Catalog> Open() {
    Result<std::unique_ptr<catalog::Catalog>> opened = store_->Open();
    EXPECT_TRUE(opened.ok()) << ErrorText(opened);
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  catalog::PipelineRecord Pipeline(const std::string& name, const std::string& spec = "{}", double now = 1) {
    Result<catalog::PutPipelineResult> put = catalog_->PutPipeline(name, spec, now);
    EXPECT_TRUE(put.ok()) << ErrorText(put);
    return put.ok() ? put->pipeline : catalog::PipelineRecord{};
  }

  static catalog::RunRecord NewRun(const std::string& run_id, const std::string& pipeline, double created_at,
                                   const std::string& key = "") {
    catalog::RunRecord run;
    run.run_id = run_id;
    run.pipeline = pipeline;
    run.pipeline_version = 1;
    run.idempotency_key = key;
    run.requested_by = "tester";
    run.created_at = created_at;
    return run;
  }

  /// Creates the run, expecting a new one.
  catalog::RunRecord Create(const catalog::RunRecord& run) {
    Result<catalog::Catalog::CreateRunResult> created = catalog_->CreateRun(run);
    EXPECT_TRUE(created.ok()) << ErrorText(created);
    if (!created.ok()) return {};
    EXPECT_TRUE(created->created) << run.run_id;
    return created->run;
  }

  void Finish(const std::string& run_id, catalog::RunStatus status, double now = 100) {
    Result<bool> finished = catalog_->FinishRun(run_id, status, "", "", "{}", now);
    ASSERT_TRUE(finished.ok()) << ErrorText(finished);
    EXPECT_TRUE(*finished) << run_id;
  }

  /// The run ids of a listing (empty and a failure when it failed).
  static std::vector<std::string> Ids(const Result<std::vector<catalog::RunRecord>>& runs) {
    EXPECT_TRUE(runs.ok()) << ErrorText(runs);
    std::vector<std::string> ids;
    if (runs.ok()) {
      for (const catalog::RunRecord& run : *runs) ids.push_back(run.run_id);
    }
    return ids;
  }

  std::vector<std::string> ListRunIds(const std::string& pipeline, std::vector<catalog::RunStatus> statuses = {},
                                      std::size_t limit = 100, const std::string& before = "") {
    catalog::RunFilter filter;
    filter.pipeline = pipeline;
    filter.statuses = std::move(statuses);
    filter.limit = limit;
    filter.before_run_id = before;
    return Ids(catalog_->ListRuns(filter));
  }

  std::vector<std::string> PipelineNames(std::size_t limit, const std::string& after) {
    Result<std::vector<catalog::PipelineRecord>> listed = catalog_->ListPipelines(limit, after);
    EXPECT_TRUE(listed.ok()) << ErrorText(listed);
    std::vector<std::string> names;
    if (listed.ok()) {
      for (const catalog::PipelineRecord& p : *listed) names.push_back(p.name);
    }
    return names;
  }

  std::vector<std::int64_t> Sequences(const std::string& run_id, std::int64_t after, std::size_t limit) {
    Result<std::vector<catalog::StoredEvent>> events = catalog_->ListEvents(run_id, after, limit);
    EXPECT_TRUE(events.ok()) << ErrorText(events);
    std::vector<std::int64_t> out;
    if (events.ok()) {
      for (const catalog::StoredEvent& e : *events) out.push_back(e.sequence);
    }
    return out;
  }

  /// Runs `call(catalog, i)` on `threads` threads at once, alternating
  /// between this test's catalog and a second one on the same store (two
  /// daemons, each with several threads).
  template <class T, class Call>
  std::vector<T> Race(int threads, Call call) {
    std::unique_ptr<catalog::Catalog> other = Open();
    std::vector<catalog::Catalog*> catalogs = {catalog_.get(), other != nullptr ? other.get() : catalog_.get()};
    std::vector<std::optional<T>> results(static_cast<std::size_t>(threads));
    std::latch start(threads);
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
      workers.emplace_back([&, i] {
        start.arrive_and_wait();
        results[static_cast<std::size_t>(i)].emplace(call(*catalogs[static_cast<std::size_t>(i) % 2], i));
      });
    }
    for (std::thread& w : workers) w.join();
    std::vector<T> out;
    for (auto& r : results) out.push_back(std::move(*r));
    return out;
  }

  std::unique_ptr<CatalogStore> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

using catalog::RunStatus;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(CatalogConformanceTest, PutPipelineBumpsTheVersionOnlyWhenTheSpecChanges) {
  Result<catalog::PutPipelineResult> first = catalog_->PutPipeline("orders", R"({"a":1})", 10);
  ASSERT_TRUE(first.ok()) << ErrorText(first);
  EXPECT_TRUE(first->created);
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(Fields(first->pipeline), Fields(catalog::PipelineRecord{"orders", R"({"a":1})", 1, false, 10, 10}));

  Result<catalog::PutPipelineResult> same = catalog_->PutPipeline("orders", R"({"a":1})", 20);
  ASSERT_TRUE(same.ok()) << ErrorText(same);
  EXPECT_FALSE(same->created);
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(Fields(same->pipeline), Fields(first->pipeline));

  Result<catalog::PipelineRecord> paused = catalog_->SetPaused("orders", true, 25);
  ASSERT_TRUE(paused.ok()) << ErrorText(paused);
  EXPECT_EQ(Fields(*paused), Fields(catalog::PipelineRecord{"orders", R"({"a":1})", 1, true, 10, 25}));

  // A changed spec bumps the version and keeps `paused` as it was.
  Result<catalog::PutPipelineResult> changed = catalog_->PutPipeline("orders", R"({"a":2})", 30);
  ASSERT_TRUE(changed.ok()) << ErrorText(changed);
  EXPECT_FALSE(changed->created);
  EXPECT_TRUE(changed->changed);
  const catalog::PipelineRecord expected{"orders", R"({"a":2})", 2, true, 10, 30};
  EXPECT_EQ(Fields(changed->pipeline), Fields(expected));
  Result<catalog::PipelineRecord> got = catalog_->GetPipeline("orders");
  ASSERT_TRUE(got.ok()) << ErrorText(got);
  EXPECT_EQ(Fields(*got), Fields(expected));

  EXPECT_EQ(ErrorCodeOf(catalog_->PutPipeline("", "{}", 1)), ErrorCode::kInvalidArgument);
}

TEST_P(CatalogConformanceTest, ListPipelinesPagesByName) {
  for (const char* name : {"c", "a", "e", "b", "d"}) Pipeline(name);
  EXPECT_THAT(PipelineNames(2, ""), ElementsAre("a", "b"));
  EXPECT_THAT(PipelineNames(2, "b"), ElementsAre("c", "d"));
  EXPECT_THAT(PipelineNames(2, "d"), ElementsAre("e"));
  EXPECT_THAT(PipelineNames(2, "e"), IsEmpty());
  EXPECT_THAT(PipelineNames(100, ""), ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(PipelineNames(100, "bb"), ElementsAre("c", "d", "e"));
  EXPECT_THAT(PipelineNames(0, ""), IsEmpty());
}

TEST_P(CatalogConformanceTest, DeletePipelineRemovesItsRunsEventsContractsAndSchemas) {
  for (const std::string pipeline : {"p", "q"}) {
    Pipeline(pipeline);
    Create(NewRun(pipeline + "-1", pipeline, 1, "key"));
    ASSERT_TRUE(catalog_->AppendEvent(pipeline + "-1", 2, "started", "{}").ok());
    ASSERT_TRUE(catalog_->AddContractChange({pipeline, "", R"({"tables":"freeze"})", "alice", 3}).ok());
    ASSERT_TRUE(catalog_->PutSchemaVersion({pipeline, 1, "hash", "{}", 4, pipeline + "-1"}).ok());
  }
  ASSERT_TRUE(catalog_->DeletePipeline("p").ok());

  EXPECT_EQ(ErrorCodeOf(catalog_->GetPipeline("p")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->GetRun("p-1")), ErrorCode::kNotFound);
  EXPECT_THAT(Sequences("p-1", 0, 100), IsEmpty());
  EXPECT_THAT(ListRunIds("p"), IsEmpty());
  Result<std::vector<catalog::ContractChange>> contracts = catalog_->ListContractChanges("p");
  ASSERT_TRUE(contracts.ok()) << ErrorText(contracts);
  EXPECT_THAT(*contracts, IsEmpty());
  Result<std::vector<catalog::SchemaVersionRecord>> schemas = catalog_->ListSchemaVersions("p");
  ASSERT_TRUE(schemas.ok()) << ErrorText(schemas);
  EXPECT_THAT(*schemas, IsEmpty());

  // The other pipeline keeps everything.
  EXPECT_TRUE(catalog_->GetRun("q-1").ok());
  EXPECT_THAT(Sequences("q-1", 0, 100), ElementsAre(1));
  EXPECT_EQ(catalog_->ListContractChanges("q")->size(), 1u);
  EXPECT_EQ(catalog_->ListSchemaVersions("q")->size(), 1u);

  EXPECT_EQ(ErrorCodeOf(catalog_->DeletePipeline("p")), ErrorCode::kNotFound);
  // Created again, the pipeline starts afresh: its old idempotency key is free.
  EXPECT_EQ(Pipeline("p").version, 1);
  Create(NewRun("p-2", "p", 5, "key"));
}

TEST_P(CatalogConformanceTest, AnIdempotencyKeyReturnsTheFirstRunOfThePipeline) {
  Pipeline("p");
  Pipeline("q");
  Create(NewRun("r1", "p", 1, "key"));

  Result<catalog::Catalog::CreateRunResult> again = catalog_->CreateRun(NewRun("r2", "p", 2, "key"));
  ASSERT_TRUE(again.ok()) << ErrorText(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->run.run_id, "r1");
  EXPECT_EQ(again->run.created_at, 1);
  EXPECT_EQ(ErrorCodeOf(catalog_->GetRun("r2")), ErrorCode::kNotFound);
  EXPECT_THAT(ListRunIds("p"), ElementsAre("r1"));
  Result<std::optional<catalog::RunRecord>> found = catalog_->FindRunByIdempotencyKey("p", "key");
  ASSERT_TRUE(found.ok()) << ErrorText(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->run_id, "r1");
  EXPECT_FALSE(catalog_->FindRunByIdempotencyKey("q", "key")->has_value());
  EXPECT_FALSE(catalog_->FindRunByIdempotencyKey("p", "other")->has_value());

  // The same key on another pipeline is another run; no key never matches.
  EXPECT_EQ(Create(NewRun("r3", "q", 3, "key")).run_id, "r3");
  Create(NewRun("r4", "p", 4));
  Create(NewRun("r5", "p", 5));
  EXPECT_THAT(ListRunIds("p"), ElementsAre("r5", "r4", "r1"));
}

TEST_P(CatalogConformanceTest, ConcurrentCreateRunsWithOneKeyCreateOneRun) {
  Pipeline("p");
  using Created = Result<catalog::Catalog::CreateRunResult>;
  std::vector<Created> results = Race<Created>(8, [](catalog::Catalog& c, int i) {
    return c.CreateRun(NewRun("race-" + std::to_string(i), "p", i, "same-key"));
  });
  int created = 0;
  std::set<std::string> ids;
  for (const Created& r : results) {
    ASSERT_TRUE(r.ok()) << ErrorText(r);
    created += r->created ? 1 : 0;
    ids.insert(r->run.run_id);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_THAT(ListRunIds("p"), ElementsAre(*ids.begin()));
}

TEST_P(CatalogConformanceTest, CreateRunStoresTheRunQueued) {
  Pipeline("p", "{}");
  Pipeline("p", R"({"changed":true})");  // version 2
  catalog::RunRecord run = NewRun("full", "p", 1700000000.123456, "key-1");
  run.pipeline_version = 1;
  run.trigger = catalog::RunTrigger::kPush;
  run.requested_by = "alice";
  run.deadline_at = 1700003600.5;
  run.push_file = "/data/push/full.ndjson";
  // Fields of later states are not taken from the caller.
  run.status = RunStatus::kRunning;
  run.started_at = 5;
  run.finished_at = 6;
  run.error_code = "INTERNAL";
  run.error_message = "no";
  run.summary_json = "{}";
  run.cancel_requested = true;
  run.owner = "someone";

  catalog::RunRecord expected = run;
  expected.status = RunStatus::kQueued;
  expected.started_at = 0;
  expected.finished_at = 0;
  expected.error_code = "";
  expected.error_message = "";
  expected.summary_json = "";
  expected.cancel_requested = false;
  expected.owner = "";
  EXPECT_EQ(Fields(Create(run)), Fields(expected));
  Result<catalog::RunRecord> got = catalog_->GetRun("full");
  ASSERT_TRUE(got.ok()) << ErrorText(got);
  EXPECT_EQ(Fields(*got), Fields(expected));

  // Version 0: the pipeline's current version.
  catalog::RunRecord current = NewRun("current", "p", 2);
  current.pipeline_version = 0;
  EXPECT_EQ(Create(current).pipeline_version, 2);

  EXPECT_EQ(ErrorCodeOf(catalog_->CreateRun(NewRun("full", "p", 3))), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ErrorCodeOf(catalog_->CreateRun(NewRun("", "p", 3))), ErrorCode::kInvalidArgument);
}

TEST_P(CatalogConformanceTest, ClaimRunTakesOnlyAQueuedRun) {
  Pipeline("p");
  Create(NewRun("r1", "p", 1));
  Result<bool> claimed = catalog_->ClaimRun("r1", "daemon-a", 50);
  ASSERT_TRUE(claimed.ok()) << ErrorText(claimed);
  EXPECT_TRUE(*claimed);
  Result<catalog::RunRecord> run = catalog_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << ErrorText(run);
  EXPECT_EQ(run->status, RunStatus::kRunning);
  EXPECT_EQ(run->owner, "daemon-a");
  EXPECT_EQ(run->started_at, 50);

  Result<bool> again = catalog_->ClaimRun("r1", "daemon-b", 60);
  ASSERT_TRUE(again.ok()) << ErrorText(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(catalog_->GetRun("r1")->owner, "daemon-a");

  Create(NewRun("r2", "p", 2));
  Finish("r2", RunStatus::kCancelled);
  Result<bool> finished = catalog_->ClaimRun("r2", "daemon-a", 70);
  ASSERT_TRUE(finished.ok()) << ErrorText(finished);
  EXPECT_FALSE(*finished);
}

TEST_P(CatalogConformanceTest, ClaimRunHasOneWinnerAmongRacingThreads) {
  Pipeline("p");
  Create(NewRun("r1", "p", 1));
  std::vector<Result<bool>> results = Race<Result<bool>>(
      8, [](catalog::Catalog& c, int i) { return c.ClaimRun("r1", "owner-" + std::to_string(i), i); });
  int winners = 0;
  std::string winner;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << ErrorText(results[i]);
    if (*results[i]) {
      ++winners;
      winner = "owner-" + std::to_string(i);
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(catalog_->GetRun("r1")->owner, winner);
}

TEST_P(CatalogConformanceTest, FinishRunLeavesATerminalRunAlone) {
  Pipeline("p");
  Create(NewRun("r1", "p", 1));
  ASSERT_TRUE(catalog_->ClaimRun("r1", "daemon", 2).ok());
  Result<bool> finished =
      catalog_->FinishRun("r1", RunStatus::kFailed, "INVALID_ARGUMENT", "bad spec", R"({"rows":1})", 70);
  ASSERT_TRUE(finished.ok()) << ErrorText(finished);
  EXPECT_TRUE(*finished);
  Result<catalog::RunRecord> run = catalog_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << ErrorText(run);
  catalog::RunRecord expected = *run;
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->error_code, "INVALID_ARGUMENT");
  EXPECT_EQ(run->error_message, "bad spec");
  EXPECT_EQ(run->summary_json, R"({"rows":1})");
  EXPECT_EQ(run->finished_at, 70);
  EXPECT_EQ(run->started_at, 2);

  Result<bool> again = catalog_->FinishRun("r1", RunStatus::kSucceeded, "", "", "{}", 80);
  ASSERT_TRUE(again.ok()) << ErrorText(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(Fields(*catalog_->GetRun("r1")), Fields(expected));

  EXPECT_EQ(ErrorCodeOf(catalog_->FinishRun("r1", RunStatus::kRunning, "", "", "", 90)), ErrorCode::kInvalidArgument);
  // A queued run can end without running (cancelled before it started).
  Create(NewRun("r2", "p", 2));
  Finish("r2", RunStatus::kCancelled);
  EXPECT_EQ(catalog_->GetRun("r2")->status, RunStatus::kCancelled);
}

TEST_P(CatalogConformanceTest, SetCancelRequestedMarksOnlyActiveRuns) {
  Pipeline("p");
  Create(NewRun("queued", "p", 1));
  Create(NewRun("done", "p", 2));
  Finish("done", RunStatus::kSucceeded);
  ASSERT_TRUE(catalog_->SetCancelRequested("queued").ok());
  ASSERT_TRUE(catalog_->SetCancelRequested("done").ok());
  EXPECT_TRUE(catalog_->GetRun("queued")->cancel_requested);
  EXPECT_FALSE(catalog_->GetRun("done")->cancel_requested);
}

TEST_P(CatalogConformanceTest, ListRunsIsNewestFirstWithPagesAndFilters) {
  Pipeline("a");
  Pipeline("b");
  Create(NewRun("a1", "a", 1));
  Create(NewRun("b1", "b", 2));
  Create(NewRun("a2", "a", 3));
  Create(NewRun("a3", "a", 3));  // same time as a2: run_id decides
  Create(NewRun("b2", "b", 4));
  EXPECT_THAT(ListRunIds(""), ElementsAre("b2", "a3", "a2", "b1", "a1"));
  EXPECT_THAT(ListRunIds("", {}, 2), ElementsAre("b2", "a3"));
  EXPECT_THAT(ListRunIds("", {}, 2, "a3"), ElementsAre("a2", "b1"));
  EXPECT_THAT(ListRunIds("", {}, 2, "b1"), ElementsAre("a1"));
  EXPECT_THAT(ListRunIds("", {}, 2, "a1"), IsEmpty());
  EXPECT_THAT(ListRunIds("a"), ElementsAre("a3", "a2", "a1"));
  EXPECT_THAT(ListRunIds("a", {}, 1, "a3"), ElementsAre("a2"));
  // The limit is at least 1.
  EXPECT_THAT(ListRunIds("", {}, 0), ElementsAre("b2"));

  ASSERT_TRUE(catalog_->ClaimRun("a2", "d", 5).ok());
  Finish("b1", RunStatus::kSucceeded);
  EXPECT_THAT(ListRunIds("", {RunStatus::kRunning}), ElementsAre("a2"));
  EXPECT_THAT(ListRunIds("", {RunStatus::kQueued, RunStatus::kSucceeded}), ElementsAre("b2", "a3", "b1", "a1"));
  EXPECT_THAT(ListRunIds("b", {RunStatus::kSucceeded}), ElementsAre("b1"));
  EXPECT_THAT(ListRunIds("a", {RunStatus::kQueued}, 1, "a3"), ElementsAre("a1"));
  EXPECT_THAT(ListRunIds("", {RunStatus::kFailed}), IsEmpty());
}

TEST_P(CatalogConformanceTest, ListActiveRunsIsOldestFirst) {
  Pipeline("p");
  Pipeline("q");
  Create(NewRun("r1", "p", 3));
  Create(NewRun("r2", "p", 1));
  Create(NewRun("r3", "q", 2));
  Create(NewRun("r4", "q", 2));
  Create(NewRun("r5", "p", 0));
  ASSERT_TRUE(catalog_->ClaimRun("r1", "d", 4).ok());
  Finish("r3", RunStatus::kSucceeded);
  Finish("r5", RunStatus::kFailed);
  EXPECT_THAT(Ids(catalog_->ListActiveRuns()), ElementsAre("r2", "r4", "r1"));
}

TEST_P(CatalogConformanceTest, LastSucceededRunIsTheNewestSuccessOfThePipeline) {
  Pipeline("p");
  Pipeline("q");
  Result<std::optional<catalog::RunRecord>> none = catalog_->LastSucceededRun("p");
  ASSERT_TRUE(none.ok()) << ErrorText(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(catalog_->LastSucceededRun("no-such-pipeline")->has_value());

  Create(NewRun("r1", "p", 1));
  Create(NewRun("r2", "p", 2));
  Create(NewRun("r3", "p", 3));
  Create(NewRun("r4", "p", 4));
  Create(NewRun("q1", "q", 5));
  Finish("r2", RunStatus::kSucceeded, 10);
  Finish("r1", RunStatus::kSucceeded, 11);
  Finish("r3", RunStatus::kFailed);
  Finish("q1", RunStatus::kSucceeded);
  Result<std::optional<catalog::RunRecord>> last = catalog_->LastSucceededRun("p");
  ASSERT_TRUE(last.ok()) << ErrorText(last);
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->run_id, "r2");
  EXPECT_EQ((*last)->status, RunStatus::kSucceeded);
}

TEST_P(CatalogConformanceTest, EventsAreNumberedPerRunAndPaged) {
  Pipeline("p");
  Create(NewRun("r1", "p", 1));
  Create(NewRun("r2", "p", 2));
  for (int i = 1; i <= 5; ++i) {
    Result<std::int64_t> sequence =
        catalog_->AppendEvent("r1", 10 + i, "progress", R"({"i":)" + std::to_string(i) + "}");
    ASSERT_TRUE(sequence.ok()) << ErrorText(sequence);
    EXPECT_EQ(*sequence, i);
  }
  EXPECT_EQ(*catalog_->AppendEvent("r2", 20, "started", "{}"), 1);

  Result<std::vector<catalog::StoredEvent>> events = catalog_->ListEvents("r1", 0, 100);
  ASSERT_TRUE(events.ok()) << ErrorText(events);
  ASSERT_EQ(events->size(), 5u);
  EXPECT_EQ(Fields(events->at(2)), Fields(catalog::StoredEvent{"r1", 3, 13, "progress", R"({"i":3})"}));
  EXPECT_THAT(Sequences("r1", 0, 2), ElementsAre(1, 2));
  EXPECT_THAT(Sequences("r1", 2, 2), ElementsAre(3, 4));
  EXPECT_THAT(Sequences("r1", 4, 2), ElementsAre(5));
  EXPECT_THAT(Sequences("r1", 5, 2), IsEmpty());
  EXPECT_THAT(Sequences("r2", 0, 100), ElementsAre(1));

  // A finished run still takes events (its last ones come after the status).
  Finish("r2", RunStatus::kSucceeded);
  EXPECT_EQ(*catalog_->AppendEvent("r2", 30, "finished", "{}"), 2);
}

TEST_P(CatalogConformanceTest, ConcurrentAppendsGetConsecutiveSequences) {
  Pipeline("p");
  Create(NewRun("r1", "p", 1));
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::vector<std::int64_t>> got = Race<std::vector<std::int64_t>>(kThreads, [](catalog::Catalog& c, int) {
    std::vector<std::int64_t> sequences;
    for (int i = 0; i < kEach; ++i) {
      Result<std::int64_t> s = c.AppendEvent("r1", i, "progress", "{}");
      sequences.push_back(s.ok() ? *s : -1);
    }
    return sequences;
  });
  std::vector<std::int64_t> all;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> expected;
  for (int i = 1; i <= kThreads * kEach; ++i) expected.push_back(i);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(Sequences("r1", 0, 1000), expected);
}

TEST_P(CatalogConformanceTest, ContractChangesAreListedOldestFirst) {
  Pipeline("p");
  Pipeline("q");
  const std::vector<catalog::ContractChange> changes = {
      {"p", "", R"({"tables":"evolve","columns":"freeze"})", "alice", 1},
      {"p", "orders", R"({"columns":"discard_row"})", "bob", 2},
      {"p", "", "", "alice", 3},  // cleared
  };
  for (const catalog::ContractChange& change : changes) ASSERT_TRUE(catalog_->AddContractChange(change).ok());
  ASSERT_TRUE(catalog_->AddContractChange({"q", "", "{}", "carol", 1.5}).ok());
  Result<std::vector<catalog::ContractChange>> listed = catalog_->ListContractChanges("p");
  ASSERT_TRUE(listed.ok()) << ErrorText(listed);
  ASSERT_EQ(listed->size(), changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) EXPECT_EQ(Fields(listed->at(i)), Fields(changes[i]));
}

TEST_P(CatalogConformanceTest, SchemaVersionsAreNewestFirstAndVersionZeroIsTheNewest) {
  Pipeline("p");
  Pipeline("empty");
  for (std::int64_t v : {2, 1, 3}) {
    const std::string n = std::to_string(v);
    ASSERT_TRUE(catalog_->PutSchemaVersion({"p", v, "hash" + n, R"({"v":)" + n + "}", 10.0 * v, "run-" + n}).ok());
  }
  // A version already recorded stays as it is.
  ASSERT_TRUE(catalog_->PutSchemaVersion({"p", 2, "other", "{}", 99, "run-x"}).ok());

  Result<std::vector<catalog::SchemaVersionRecord>> listed = catalog_->ListSchemaVersions("p");
  ASSERT_TRUE(listed.ok()) << ErrorText(listed);
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ(Fields(listed->at(0)), Fields(catalog::SchemaVersionRecord{"p", 3, "hash3", "", 30, "run-3"}));
  EXPECT_EQ(Fields(listed->at(1)), Fields(catalog::SchemaVersionRecord{"p", 2, "hash2", "", 20, "run-2"}));
  EXPECT_EQ(listed->at(2).version, 1);

  Result<catalog::SchemaVersionRecord> newest = catalog_->GetSchemaVersion("p", 0);
  ASSERT_TRUE(newest.ok()) << ErrorText(newest);
  EXPECT_EQ(Fields(*newest), Fields(catalog::SchemaVersionRecord{"p", 3, "hash3", R"({"v":3})", 30, "run-3"}));
  Result<catalog::SchemaVersionRecord> second = catalog_->GetSchemaVersion("p", 2);
  ASSERT_TRUE(second.ok()) << ErrorText(second);
  EXPECT_EQ(Fields(*second), Fields(catalog::SchemaVersionRecord{"p", 2, "hash2", R"({"v":2})", 20, "run-2"}));

  EXPECT_EQ(ErrorCodeOf(catalog_->GetSchemaVersion("p", 9)), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->GetSchemaVersion("empty", 0)), ErrorCode::kNotFound);
  EXPECT_THAT(*catalog_->ListSchemaVersions("empty"), IsEmpty());
  EXPECT_EQ(ErrorCodeOf(catalog_->PutSchemaVersion({"p", 0, "h", "{}", 1, ""})), ErrorCode::kInvalidArgument);
}

TEST_P(CatalogConformanceTest, MissingThingsAreNotFound) {
  Pipeline("p");
  Create(NewRun("r1", "p", 1));
  EXPECT_EQ(ErrorCodeOf(catalog_->GetPipeline("nope")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->SetPaused("nope", true, 1)), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->DeletePipeline("nope")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->CreateRun(NewRun("r2", "nope", 1))), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->AddContractChange({"nope", "", "{}", "a", 1})), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->PutSchemaVersion({"nope", 1, "h", "{}", 1, ""})), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->GetSchemaVersion("nope", 0)), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->GetRun("nope")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->ClaimRun("nope", "d", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->FinishRun("nope", RunStatus::kFailed, "", "", "", 1)), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->SetCancelRequested("nope")), ErrorCode::kNotFound);
  EXPECT_EQ(ErrorCodeOf(catalog_->AppendEvent("nope", 1, "k", "{}")), ErrorCode::kNotFound);
  catalog::RunFilter page;
  page.before_run_id = "nope";
  EXPECT_EQ(ErrorCodeOf(catalog_->ListRuns(page)), ErrorCode::kNotFound);
  // Nothing was created along the way.
  EXPECT_THAT(PipelineNames(100, ""), ElementsAre("p"));
  EXPECT_THAT(ListRunIds(""), ElementsAre("r1"));
}

TEST_P(CatalogConformanceTest, DataSurvivesReopening) {
  Pipeline("p", R"({"x":1})", 5);
  Create(NewRun("r1", "p", 6, "key"));
  ASSERT_TRUE(catalog_->ClaimRun("r1", "daemon", 7).ok());
  ASSERT_TRUE(catalog_->AppendEvent("r1", 8, "started", "{}").ok());
  ASSERT_TRUE(catalog_->AddContractChange({"p", "", "{}", "alice", 9}).ok());
  ASSERT_TRUE(catalog_->PutSchemaVersion({"p", 1, "h1", "{}", 10, "r1"}).ok());
  const catalog::RunRecord before = *catalog_->GetRun("r1");

  catalog_.reset();
  catalog_ = Open();
  ASSERT_NE(catalog_, nullptr);
  EXPECT_EQ(Fields(*catalog_->GetPipeline("p")), Fields(catalog::PipelineRecord{"p", R"({"x":1})", 1, false, 5, 5}));
  EXPECT_EQ(Fields(*catalog_->GetRun("r1")), Fields(before));
  EXPECT_EQ(before.status, RunStatus::kRunning);
  EXPECT_THAT(Sequences("r1", 0, 10), ElementsAre(1));
  EXPECT_EQ(catalog_->ListContractChanges("p")->size(), 1u);
  EXPECT_EQ(catalog_->GetSchemaVersion("p", 0)->version_hash, "h1");
  // Numbering and keys carry on from the stored state.
  EXPECT_EQ(*catalog_->AppendEvent("r1", 11, "progress", "{}"), 2);
  EXPECT_FALSE(catalog_->CreateRun(NewRun("r2", "p", 12, "key"))->created);
}

TEST_P(CatalogConformanceTest, RefusesACatalogOfANewerOrUnknownFormat) {
  catalog_.reset();
  store_->OverwriteSchemaVersion("2");
  Result<std::unique_ptr<catalog::Catalog>> newer = store_->Open();
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(newer.error().message(), ::testing::HasSubstr("newer ingestd"));

  store_->OverwriteSchemaVersion("two");
  EXPECT_EQ(ErrorCodeOf(store_->Open()), ErrorCode::kDataLoss);

  store_->OverwriteSchemaVersion("1");
  EXPECT_NE(Open(), nullptr);
}

}  // namespace ingestd::testing
