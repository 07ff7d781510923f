#include "client/run_watcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/unit/client/fake_control_service.hpp"

namespace ingestd::client {
namespace {

using std::chrono::milliseconds;

class RunWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<ControlClient>(
        v1::Control::NewStub(server_->InProcessChannel(grpc::ChannelArguments())), "t", std::chrono::seconds(5));
    options_.sleep = [this](milliseconds wait) { sleeps_.push_back(wait); };
    options_.max_reconnects = 3;
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Watch(v1::Run& run) {
    return WatchUntilFinished(
        *client_, "run-1", [this](const v1::RunEvent& event) { sequences_.push_back(event.sequence()); },
        [this](std::string_view line) { notices_.emplace_back(line); }, run, options_);
  }

  static v1::RunEvent Event(std::int64_t sequence) {
    v1::RunEvent event;
    event.set_sequence(sequence);
    event.mutable_progress()->set_stage("extract");
    return event;
  }

  testing::FakeControlService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<ControlClient> client_;
  WatchOptions options_;
  std::vector<milliseconds> sleeps_;
  std::vector<std::int64_t> sequences_;
  std::vector<std::string> notices_;
};

TEST_F(RunWatcherTest, DeliversEachEventOnceAcrossAReconnection) {
  service_.events = {Event(1), Event(2), Event(3)};
  auto finished = Event(4);
  finished.mutable_finished()->mutable_run()->set_run_id("run-1");
  finished.mutable_finished()->mutable_run()->set_status(v1::RUN_STATUS_SUCCEEDED);
  service_.events.push_back(finished);
  service_.drop_watch_after = 2;

  v1::Run run;
  const grpc::Status status = Watch(run);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(run.status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(sequences_, (std::vector<std::int64_t>{1, 2, 3, 4}));
  ASSERT_EQ(service_.watch_requests.size(), 2u);
  EXPECT_EQ(service_.watch_requests[1].after_sequence(), 2);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(500)}));
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0],
            "ingestctl: watch of run-1 interrupted (UNAVAILABLE: connection reset); reconnecting in 0.5s "
            "(attempt 1 of 3)");
  EXPECT_EQ(service_.authorizations[0], "Bearer t");
}

TEST_F(RunWatcherTest, GivesUpAfterTheReconnectionsWithGrowingBackoff) {
  service_.drop_every_watch = true;
  options_.max_backoff = milliseconds(1500);
  v1::Run run;
  const grpc::Status status = Watch(run);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_.watch_requests.size(), 4u);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(1500)}));
}

TEST_F(RunWatcherTest, OtherErrorsEndTheWatchAtOnce) {
  service_.watch_error = grpc::Status(grpc::StatusCode::NOT_FOUND, "run run-1 not found");
  v1::Run run;
  EXPECT_EQ(Watch(run).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(service_.watch_requests.size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RunWatcherTest, AStreamEndingWithoutRunFinishedAsksForTheRun) {
  service_.events = {Event(1)};
  v1::Run stored;
  stored.set_run_id("run-1");
  stored.set_status(v1::RUN_STATUS_CANCELLED);
  service_.runs = {stored};
  v1::Run run;
  const grpc::Status status = Watch(run);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(run.status(), v1::RUN_STATUS_CANCELLED);
  EXPECT_EQ(service_.watch_requests.size(), 1u);
}

}  // namespace
}  // namespace ingestd::client
