#include "server/rpc/event_batch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/runs/run_proto.hpp"

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;

v1::RunEvent Progress(std::int64_t sequence, const std::string& stage, std::uint64_t rows) {
  v1::RunEvent e;
  e.set_sequence(sequence);
  e.mutable_progress()->set_stage(stage);
  e.mutable_progress()->set_rows(rows);
  return e;
}

v1::RunEvent StageStarted(std::int64_t sequence, const std::string& stage) {
  v1::RunEvent e;
  e.set_sequence(sequence);
  e.mutable_stage_started()->set_stage(stage);
  return e;
}

v1::RunEvent Retry(std::int64_t sequence) {
  v1::RunEvent e;
  e.set_sequence(sequence);
  e.mutable_http_retry()->set_attempt(1);
  return e;
}

std::vector<std::int64_t> Sequences(const std::vector<v1::RunEvent>& events) {
  std::vector<std::int64_t> out;
  for (const v1::RunEvent& e : events) out.push_back(e.sequence());
  return out;
}

TEST(CoalesceProgressTest, KeepsTheNewestProgressPerStage) {
  std::vector<v1::RunEvent> batch = {StageStarted(1, "extract"), Progress(2, "extract", 10), Retry(3),
                                     Progress(4, "extract", 20), Progress(5, "extract", 30)};
  CoalesceProgress(batch);
  EXPECT_EQ(Sequences(batch), (std::vector<std::int64_t>{1, 3, 5}));
  EXPECT_EQ(batch.back().progress().rows(), 30u);
}

TEST(CoalesceProgressTest, StagesAreSeparate) {
  std::vector<v1::RunEvent> batch = {Progress(1, "extract", 1), Progress(2, "normalize", 1),
                                     Progress(3, "extract", 2), StageStarted(4, "load"), Progress(5, "load", 1)};
  CoalesceProgress(batch);
  EXPECT_EQ(Sequences(batch), (std::vector<std::int64_t>{2, 3, 4, 5}));
}

TEST(CoalesceProgressTest, NeverDropsOtherKinds) {
  std::vector<v1::RunEvent> batch = {StageStarted(1, "extract"), Retry(2), Retry(3), StageStarted(4, "extract")};
  CoalesceProgress(batch);
  EXPECT_EQ(Sequences(batch), (std::vector<std::int64_t>{1, 2, 3, 4}));

  std::vector<v1::RunEvent> empty;
  CoalesceProgress(empty);
  EXPECT_TRUE(empty.empty());
}

catalog::StoredEvent Stored(std::int64_t sequence, const v1::RunEvent& event) {
  catalog::StoredEvent s;
  s.run_id = "run-0000000000000001";
  s.sequence = sequence;
  s.time = 1700000000.5;
  s.kind = "x";
  s.payload_json = runs::MessageToJson(event);
  return s;
}

TEST(DecodeEventBatchTest, DecodesCoalescesAndAdvances) {
  std::vector<catalog::StoredEvent> stored = {Stored(7, StageStarted(0, "extract")), Stored(8, Progress(0, "extract", 1)),
                                              Stored(9, Progress(0, "extract", 2))};
  catalog::StoredEvent broken = Stored(10, Retry(0));
  broken.payload_json = "{not json";
  stored.push_back(broken);

  EventBatch batch = DecodeEventBatch(stored, 6);
  EXPECT_EQ(batch.last_sequence, 10);
  EXPECT_EQ(batch.undecodable, 1u);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].sequence(), 7);
  EXPECT_EQ(batch.events[0].run_id(), "run-0000000000000001");
  EXPECT_EQ(batch.events[0].time().seconds(), 1700000000);
  EXPECT_EQ(batch.events[1].sequence(), 9);
  EXPECT_EQ(batch.events[1].progress().rows(), 2u);

  EventBatch none = DecodeEventBatch({}, 42);
  EXPECT_EQ(none.last_sequence, 42);
  EXPECT_TRUE(none.events.empty());
}

}  // namespace
}  // namespace ingestd::rpc
