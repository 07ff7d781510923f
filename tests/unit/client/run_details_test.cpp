#include "client/run_details.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace ingestd::client {
namespace {

constexpr std::int64_t kT0 = 1714564800;  // 2024-05-01T12:00:00Z

v1::Run FailedRun() {
  v1::Run run;
  run.set_run_id("run-0123456789abcdef");
  run.set_pipeline("github");
  run.set_pipeline_version(3);
  run.set_status(v1::RUN_STATUS_FAILED);
  run.set_trigger(v1::RUN_TRIGGER_MANUAL);
  run.set_requested_by("ci");
  run.mutable_created_at()->set_seconds(kT0);
  run.mutable_started_at()->set_seconds(kT0 + 1);
  run.mutable_finished_at()->set_seconds(kT0 + 124);
  run.mutable_error()->set_code("DATA_LOSS");
  run.mutable_error()->set_message("load: COPY failed");
  return run;
}

TEST(RunDetailsTest, RunWithoutSummary) {
  v1::Run run = FailedRun();
  std::ostringstream out;
  RenderRunDetails(run, out);
  EXPECT_EQ(out.str(),
            "Run:               run-0123456789abcdef\n"
            "Pipeline:          github (version 3)\n"
            "Status:            failed\n"
            "Trigger:           manual\n"
            "Requested by:      ci\n"
            "Idempotency key:   -\n"
            "Created:           2024-05-01T12:00:00Z\n"
            "Started:           2024-05-01T12:00:01Z\n"
            "Finished:          2024-05-01T12:02:04Z\n"
            "Duration:          2m03s\n"
            "Deadline:          -\n"
            "Cancel requested:  no\n"
            "Error:             DATA_LOSS: load: COPY failed\n");
  EXPECT_EQ(RunDuration(run), "2m03s");
  EXPECT_EQ(RunErrorText(run), "DATA_LOSS: load: COPY failed");
  run.clear_error();
  EXPECT_EQ(RunErrorText(run), "-");
  run.clear_finished_at();
  EXPECT_EQ(RunDuration(run), "-");
}

TEST(RunDetailsTest, SummaryHasRowsPerTableSummedOverPackages) {
  v1::Run run = FailedRun();
  run.set_status(v1::RUN_STATUS_SUCCEEDED);
  run.clear_error();
  v1::RunSummary& summary = *run.mutable_summary();
  summary.set_destination("sqlite:/data/github.sqlite");
  summary.set_items_extracted(120);
  summary.set_rows_loaded(150);
  summary.set_bytes_extracted(2048);
  summary.set_duration_seconds(4.5);
  v1::PackageSummary& resumed = *summary.add_packages();
  resumed.set_load_id("1714564000.1");
  resumed.set_resumed(true);
  resumed.set_items_extracted(20);
  auto* rows = resumed.add_tables();
  rows->set_table("issues");
  rows->set_rows(20);
  resumed.set_schema_version(2);
  v1::PackageSummary& fresh = *summary.add_packages();
  fresh.set_load_id("1714564801.5");
  fresh.set_items_extracted(100);
  rows = fresh.add_tables();
  rows->set_table("issues");
  rows->set_rows(100);
  rows = fresh.add_tables();
  rows->set_table("issues__labels");
  rows->set_rows(30);
  fresh.add_new_tables("issues__labels");
  fresh.add_new_columns("issues.state");
  fresh.set_schema_version(3);
  fresh.mutable_times()->set_extract_seconds(1.2);
  fresh.mutable_times()->set_normalize_seconds(0.3);
  fresh.mutable_times()->set_load_seconds(2);

  std::ostringstream out;
  RenderRunDetails(run, out);
  const std::string text = out.str();
  const std::string summary_part = text.substr(text.find("\nSummary:"));
  EXPECT_EQ(summary_part,
            "\nSummary:\n"
            "  Destination:          sqlite:/data/github.sqlite\n"
            "  Items extracted:      120\n"
            "  Rows loaded:          150\n"
            "  Bytes extracted:      2.0 KiB\n"
            "  Contract violations:  0\n"
            "  Duration:             4.5s\n"
            "\n"
            "  TABLE           ROWS\n"
            "  issues          120\n"
            "  issues__labels  30\n"
            "\n"
            "  PACKAGE       RESUMED  ALREADY LOADED  ITEMS  ROWS  VIOLATIONS  SCHEMA  EXTRACT  NORMALIZE  LOAD\n"
            "  1714564000.1  yes      no              20     20    0           2       0.0s     0.0s       0.0s\n"
            "  1714564801.5  no       no              100    130   0           3       1.2s     0.3s       2.0s\n"
            "\n"
            "  New tables:   issues__labels\n"
            "  New columns:  issues.state\n");
}

}  // namespace
}  // namespace ingestd::client
