#include "server/runs/run_proto.hpp"

#include <cmath>

#include <google/protobuf/util/json_util.h>

namespace ingestd::runs {

google::protobuf::Timestamp TimestampFromUnix(double unix_seconds) {
  google::protobuf::Timestamp t;
  double whole = std::floor(unix_seconds);
  t.set_seconds(static_cast<std::int64_t>(whole));
  t.set_nanos(static_cast<std::int32_t>(std::lround((unix_seconds - whole) * 1e9) % 1000000000));
  return t;
}

ingestd::v1::RunStatus RunStatusToProto(catalog::RunStatus status) {
  switch (status) {
    case catalog::RunStatus::kQueued: return ingestd::v1::RUN_STATUS_QUEUED;
    case catalog::RunStatus::kRunning: return ingestd::v1::RUN_STATUS_RUNNING;
    case catalog::RunStatus::kSucceeded: return ingestd::v1::RUN_STATUS_SUCCEEDED;
    case catalog::RunStatus::kFailed: return ingestd::v1::RUN_STATUS_FAILED;
    case catalog::RunStatus::kCancelled: return ingestd::v1::RUN_STATUS_CANCELLED;
  }
  return ingestd::v1::RUN_STATUS_UNSPECIFIED;
}

std::optional<catalog::RunStatus> RunStatusFromProto(ingestd::v1::RunStatus status) {
  switch (status) {
    case ingestd::v1::RUN_STATUS_QUEUED: return catalog::RunStatus::kQueued;
    case ingestd::v1::RUN_STATUS_RUNNING: return catalog::RunStatus::kRunning;
    case ingestd::v1::RUN_STATUS_SUCCEEDED: return catalog::RunStatus::kSucceeded;
    case ingestd::v1::RUN_STATUS_FAILED: return catalog::RunStatus::kFailed;
    case ingestd::v1::RUN_STATUS_CANCELLED: return catalog::RunStatus::kCancelled;
    default: return std::nullopt;
  }
}

ingestd::v1::RunTrigger RunTriggerToProto(catalog::RunTrigger trigger) {
  switch (trigger) {
    case catalog::RunTrigger::kManual: return ingestd::v1::RUN_TRIGGER_MANUAL;
    case catalog::RunTrigger::kSchedule: return ingestd::v1::RUN_TRIGGER_SCHEDULE;
    case catalog::RunTrigger::kPush: return ingestd::v1::RUN_TRIGGER_PUSH;
    case catalog::RunTrigger::kResume: return ingestd::v1::RUN_TRIGGER_RESUME;
  }
  return ingestd::v1::RUN_TRIGGER_UNSPECIFIED;
}

ingestd::v1::Run RunToProto(const catalog::RunRecord& run, bool with_summary) {
  ingestd::v1::Run out;
  out.set_run_id(run.run_id);
  out.set_pipeline(run.pipeline);
  out.set_pipeline_version(run.pipeline_version);
  out.set_status(RunStatusToProto(run.status));
  out.set_trigger(RunTriggerToProto(run.trigger));
  out.set_idempotency_key(run.idempotency_key);
  out.set_requested_by(run.requested_by);
  if (run.created_at > 0) *out.mutable_created_at() = TimestampFromUnix(run.created_at);
  if (run.started_at > 0) *out.mutable_started_at() = TimestampFromUnix(run.started_at);
  if (run.finished_at > 0) *out.mutable_finished_at() = TimestampFromUnix(run.finished_at);
  if (run.deadline_at > 0) *out.mutable_deadline_at() = TimestampFromUnix(run.deadline_at);
  if (!run.error_code.empty() || !run.error_message.empty()) {
    out.mutable_error()->set_code(run.error_code);
    out.mutable_error()->set_message(run.error_message);
  }
  out.set_cancel_requested(run.cancel_requested);
  if (with_summary && !run.summary_json.empty()) {
    ingestd::v1::RunSummary summary;
    if (MessageFromJson(run.summary_json, summary)) *out.mutable_summary() = std::move(summary);
  }
  return out;
}

ingestd::v1::RunSummary SummaryToProto(const pipeline::RunSummary& summary, double duration_seconds) {
  ingestd::v1::RunSummary out;
  out.set_destination(summary.destination);
  out.set_duration_seconds(duration_seconds);
  for (const pipeline::PackageSummary& p : summary.packages) {
    ingestd::v1::PackageSummary* pkg = out.add_packages();
    pkg->set_load_id(p.load_id);
    pkg->set_resumed(p.resumed);
    pkg->set_already_loaded(p.already_loaded);
    pkg->set_items_extracted(p.items_extracted);
    for (const auto& [table, rows] : p.rows_per_table) {
      ingestd::v1::TableRows* t = pkg->add_tables();
      t->set_table(table);
      t->set_rows(rows);
      // The run's own rows: _dlt_* bookkeeping tables are not user data.
      if (table.rfind("_dlt_", 0) != 0) out.set_rows_loaded(out.rows_loaded() + rows);
    }
    for (const std::string& t : p.new_tables) pkg->add_new_tables(t);
    for (const std::string& c : p.new_columns) pkg->add_new_columns(c);
    pkg->set_contract_violations(p.violation_total);
    pkg->set_schema_version(p.schema_version);
    pkg->mutable_times()->set_extract_seconds(p.times.extract);
    pkg->mutable_times()->set_normalize_seconds(p.times.normalize);
    pkg->mutable_times()->set_load_seconds(p.times.load);
    out.set_items_extracted(out.items_extracted() + p.items_extracted);
    out.set_bytes_extracted(out.bytes_extracted() + p.bytes_extracted);
    out.set_contract_violations(out.contract_violations() + p.violation_total);
  }
  return out;
}

std::string MessageToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

bool MessageFromJson(const std::string& json, google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // events written by a newer daemon
  return google::protobuf::util::JsonStringToMessage(json, &message, options).ok();
}

std::optional<ingestd::v1::RunEvent> EventFromStored(const catalog::StoredEvent& stored) {
  ingestd::v1::RunEvent event;
  if (!MessageFromJson(stored.payload_json, event)) return std::nullopt;
  event.set_run_id(stored.run_id);
  event.set_sequence(stored.sequence);
  *event.mutable_time() = TimestampFromUnix(stored.time);
  return event;
}

}  // namespace ingestd::runs
