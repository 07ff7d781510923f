#include "client/progress.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace ingestd::client {
namespace {

constexpr std::int64_t kT0 = 1714564800;  // 2024-05-01T12:00:00Z

v1::RunEvent Event(std::int64_t sequence, std::int64_t seconds_after_t0) {
  v1::RunEvent event;
  event.set_run_id("run-0123456789abcdef");
  event.set_sequence(sequence);
  event.mutable_time()->set_seconds(kT0 + seconds_after_t0);
  return event;
}

v1::RunEvent Started(std::int64_t seq, std::int64_t t) {
  auto event = Event(seq, t);
  event.mutable_started()->set_owner("worker-1");
  return event;
}

v1::RunEvent StageStarted(std::int64_t seq, std::int64_t t, const std::string& stage) {
  auto event = Event(seq, t);
  event.mutable_stage_started()->set_stage(stage);
  return event;
}

v1::RunEvent Progress(std::int64_t seq, std::int64_t t, const std::string& stage, std::uint64_t rows, double rate) {
  auto event = Event(seq, t);
  event.mutable_progress()->set_stage(stage);
  event.mutable_progress()->set_rows(rows);
  event.mutable_progress()->set_rows_per_second(rate);
  return event;
}

v1::RunEvent StageFinished(std::int64_t seq, std::int64_t t, const std::string& stage, double seconds,
                           const std::string& message) {
  auto event = Event(seq, t);
  event.mutable_stage_finished()->set_stage(stage);
  event.mutable_stage_finished()->set_seconds(seconds);
  event.mutable_stage_finished()->set_message(message);
  return event;
}

v1::RunEvent Finished(std::int64_t seq, std::int64_t t, v1::RunStatus status) {
  auto event = Event(seq, t);
  v1::Run& run = *event.mutable_finished()->mutable_run();
  run.set_run_id("run-0123456789abcdef");
  run.set_status(status);
  run.mutable_started_at()->set_seconds(kT0);
  run.mutable_finished_at()->set_seconds(kT0 + t);
  if (status == v1::RUN_STATUS_FAILED) {
    run.mutable_error()->set_code("DATA_LOSS");
    run.mutable_error()->set_message("load: disk full");
  }
  return event;
}

TEST(ProgressLineTest, ShowsStageBarRowsRateAndElapsedTime) {
  ProgressState state;
  state.Apply(Started(1, 0));
  EXPECT_EQ(FormatProgressLine(state, 200), "starting   [........|........|........]  0:00");

  state.Apply(StageStarted(2, 1, "extract"));
  state.Apply(Progress(3, 42, "extract", 12000, 350.25));
  // 3 events applied: the activity marker sits at position 3 of the segment.
  EXPECT_EQ(FormatProgressLine(state, 200),
            "extract    [--->----|........|........]  12000 items  350 items/s  0:42");

  state.Apply(StageFinished(4, 43, "extract", 43, "12000 items"));
  state.Apply(StageStarted(5, 43, "normalize"));
  state.Apply(Progress(6, 65, "normalize", 800, 12.5));
  EXPECT_EQ(FormatProgressLine(state, 200),
            "normalize  [========|------>-|........]  800 rows  12.5 rows/s  1:05");

  state.Apply(StageFinished(7, 3700, "normalize", 3657, ""));
  state.Apply(StageStarted(8, 3700, "load"));
  EXPECT_EQ(FormatProgressLine(state, 200), "load       [========|========|>-------]  0 rows  0.0 rows/s  1:01:40");
}

// The stages overlap: the line stays on the earliest stage still working and
// moves forward only, whatever order the stages' progress arrives in.
TEST(ProgressLineTest, OverlappingStagesShowTheEarliestUnfinishedOne) {
  ProgressState state;
  state.Apply(Started(1, 0));
  state.Apply(StageStarted(2, 0, "extract"));
  state.Apply(StageStarted(3, 0, "normalize"));
  state.Apply(StageStarted(4, 0, "load"));
  state.Apply(Progress(5, 1, "extract", 5000, 5000));
  state.Apply(Progress(6, 2, "normalize", 9000, 4500));
  state.Apply(Progress(7, 2, "load", 3000, 1500));
  EXPECT_EQ(state.stage, "extract");
  EXPECT_EQ(state.rows, 5000u);
  state.Apply(Progress(8, 3, "extract", 8000, 3000));
  EXPECT_EQ(state.rows, 8000u);
  state.Apply(StageFinished(9, 3, "extract", 3, "8000 items"));
  // normalize's newest figures, reported while extract was on the line.
  EXPECT_EQ(state.stage, "normalize");
  EXPECT_EQ(state.rows, 9000u);
  EXPECT_EQ(FormatProgressLine(state, 200).substr(0, 39), "normalize  [========|->------|........]");
  state.Apply(StageFinished(10, 4, "normalize", 4, ""));
  EXPECT_EQ(state.stage, "load");
  EXPECT_EQ(state.rows, 3000u);
  state.Apply(StageFinished(11, 5, "load", 5, ""));
  EXPECT_EQ(state.stage, "load");
  EXPECT_TRUE(state.stage_done);
}

TEST(ProgressLineTest, QueuedAndFinished) {
  ProgressState state;
  auto queued = Event(1, 0);
  queued.mutable_queued()->set_reason("global limit of 2 concurrent runs");
  state.Apply(queued);
  EXPECT_EQ(FormatProgressLine(state, 200), "queued: global limit of 2 concurrent runs");

  state.Apply(Finished(2, 5, v1::RUN_STATUS_SUCCEEDED));
  EXPECT_TRUE(state.finished);
  EXPECT_EQ(FormatProgressLine(state, 200), "succeeded  [========|========|========]");
}

TEST(ProgressLineTest, FitsTheTerminalWidth) {
  ProgressState state;
  state.Apply(Started(1, 0));
  state.Apply(Progress(2, 1, "normalize", 123456789, 99999));
  const std::string line = FormatProgressLine(state, 40);
  EXPECT_EQ(line.size(), 39u);
  EXPECT_EQ(line.substr(line.size() - 3), "...");
}

TEST(ProgressLineTest, StageNamesOutsideThePipelineOrderShowNoBarProgress) {
  EXPECT_EQ(StageIndex("extract"), 0);
  EXPECT_EQ(StageIndex("load"), 2);
  EXPECT_EQ(StageIndex("resume"), -1);
  ProgressState state;
  state.Apply(Started(1, 0));
  state.Apply(StageStarted(2, 0, "resume"));
  EXPECT_EQ(FormatProgressLine(state, 200), "resume     [........|........|........]  0 rows  0.0 rows/s  0:00");
}

TEST(EventLineTest, OneLinePerKindWithUtcTime) {
  EXPECT_EQ(FormatEventLine(Started(1, 0)), "2024-05-01T12:00:00Z started on worker-1");
  EXPECT_EQ(FormatEventLine(StageStarted(2, 1, "extract")), "2024-05-01T12:00:01Z extract started");
  EXPECT_EQ(FormatEventLine(StageFinished(3, 2, "extract", 1.21, "12000 items")),
            "2024-05-01T12:00:02Z extract finished in 1.2s: 12000 items");
  EXPECT_EQ(FormatEventLine(Progress(4, 3, "load", 500, 250)), "2024-05-01T12:00:03Z load: 500 rows, 250 rows/s");

  auto schema = Event(5, 4);
  schema.mutable_schema_changed()->set_version(3);
  schema.mutable_schema_changed()->add_new_tables("issues__labels");
  schema.mutable_schema_changed()->add_new_columns("issues.state");
  schema.mutable_schema_changed()->add_new_columns("issues.body");
  EXPECT_EQ(FormatEventLine(schema),
            "2024-05-01T12:00:04Z schema version 3, new tables: issues__labels, new columns: issues.state, "
            "issues.body");

  auto violation = Event(6, 4);
  violation.mutable_contract_violation()->set_table("issues");
  violation.mutable_contract_violation()->set_column("extra");
  violation.mutable_contract_violation()->set_entity("columns");
  violation.mutable_contract_violation()->set_mode("discard_value");
  violation.mutable_contract_violation()->set_message("new column\ndropped");
  EXPECT_EQ(FormatEventLine(violation),
            "2024-05-01T12:00:04Z contract violation issues.extra (columns: discard_value): new column dropped");

  auto retry = Event(7, 5);
  retry.mutable_http_retry()->set_resource("issues");
  retry.mutable_http_retry()->set_url("https://api.example.com/issues");
  retry.mutable_http_retry()->set_attempt(2);
  retry.mutable_http_retry()->set_http_status(429);
  retry.mutable_http_retry()->set_delay_seconds(2);
  EXPECT_EQ(FormatEventLine(retry),
            "2024-05-01T12:00:05Z http retry resource issues https://api.example.com/issues attempt 2: HTTP 429, "
            "retrying in 2.0s");
  retry.mutable_http_retry()->set_gave_up(true);
  retry.mutable_http_retry()->set_http_status(0);
  retry.mutable_http_retry()->set_message("connection refused");
  EXPECT_EQ(FormatEventLine(retry),
            "2024-05-01T12:00:05Z http gave up resource issues https://api.example.com/issues attempt 2: "
            "connection error (connection refused)");

  auto limited = Event(8, 6);
  limited.mutable_http_rate_limited()->set_host("api.example.com");
  limited.mutable_http_rate_limited()->set_delay_seconds(1.5);
  EXPECT_EQ(FormatEventLine(limited), "2024-05-01T12:00:06Z rate limited by api.example.com, waiting 1.5s");

  auto notice = Event(9, 7);
  notice.mutable_notice()->set_kind("paginator_detected");
  notice.mutable_notice()->set_resource("issues");
  notice.mutable_notice()->set_message("header_link");
  EXPECT_EQ(FormatEventLine(notice), "2024-05-01T12:00:07Z paginator_detected resource issues: header_link");

  EXPECT_EQ(FormatEventLine(Finished(10, 9, v1::RUN_STATUS_FAILED)),
            "2024-05-01T12:00:09Z run failed after 9.0s: DATA_LOSS: load: disk full");
}

TEST(ProgressPrinterTest, PlainOutputIsOneLinePerEvent) {
  std::ostringstream out;
  {
    ProgressPrinter printer(out, /*terminal=*/false, 80);
    printer.OnEvent(Started(1, 0));
    printer.OnEvent(Progress(2, 1, "extract", 10, 10));
    printer.Note("ingestctl: reconnecting");
    printer.OnEvent(Finished(3, 2, v1::RUN_STATUS_SUCCEEDED));
  }
  EXPECT_EQ(out.str(),
            "2024-05-01T12:00:00Z started on worker-1\n"
            "2024-05-01T12:00:01Z extract: 10 items, 10.0 items/s\n"
            "ingestctl: reconnecting\n"
            "2024-05-01T12:00:02Z run succeeded after 2.0s\n");
}

TEST(ProgressPrinterTest, TerminalOutputRedrawsOneLineAndPrintsOtherEventsAbove) {
  std::ostringstream out;
  {
    ProgressPrinter printer(out, /*terminal=*/true, 200);
    printer.OnEvent(Started(1, 0));
    printer.OnEvent(Progress(2, 1, "extract", 10, 10));
    printer.OnEvent(Progress(3, 2, "extract", 20, 10));
    printer.OnEvent(Finished(4, 3, v1::RUN_STATUS_SUCCEEDED));
  }
  // The redrawn line is never ended with a newline: each draw returns to
  // column 0 and erases what the previous one left; a lasting line first
  // clears it.
  EXPECT_EQ(out.str(),
            "2024-05-01T12:00:00Z started on worker-1\n"
            "\rstarting   [........|........|........]  0:00\x1b[K"
            "\rextract    [-->-----|........|........]  10 items  10.0 items/s  0:01\x1b[K"
            "\rextract    [--->----|........|........]  20 items  10.0 items/s  0:02\x1b[K"
            "\r\x1b[K"
            "2024-05-01T12:00:03Z run succeeded after 3.0s\n");
}

}  // namespace
}  // namespace ingestd::client
