#pragma once

#include <string>

#include "core/catalog/catalog.hpp"
#include "core/pipeline/pipeline_runner.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::runs {

/// Catalog records and run summaries in their API form. The daemon stores a
/// run's summary and events as the protobuf JSON of these messages, so the
/// catalog, WatchRun and GetRun all show one format.

/// `with_summary`: parse and include summary_json (GetRun, RunFinished).
ingestd::v1::Run RunToProto(const catalog::RunRecord& run, bool with_summary);
ingestd::v1::RunStatus RunStatusToProto(catalog::RunStatus status);
/// RUN_STATUS_UNSPECIFIED has no catalog status (nullopt).
std::optional<catalog::RunStatus> RunStatusFromProto(ingestd::v1::RunStatus status);
ingestd::v1::RunTrigger RunTriggerToProto(catalog::RunTrigger trigger);
ingestd::v1::RunSummary SummaryToProto(const pipeline::RunSummary& summary, double duration_seconds);
google::protobuf::Timestamp TimestampFromUnix(double unix_seconds);

/// Protobuf JSON of a message (field names as in the proto).
std::string MessageToJson(const google::protobuf::Message& message);
/// false when `json` does not parse into `message`.
bool MessageFromJson(const std::string& json, google::protobuf::Message& message);

/// A StoredEvent (payload: the protobuf JSON of a RunEvent) as the API's
/// RunEvent with run_id, sequence and time filled from the record.
std::optional<ingestd::v1::RunEvent> EventFromStored(const catalog::StoredEvent& stored);

}  // namespace ingestd::runs
