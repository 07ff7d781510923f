#include "core/pipeline/run_event.hpp"

namespace ingestd::pipeline {

std::string_view RunEventKindName(RunEvent::Kind kind) {
  switch (kind) {
    case RunEvent::Kind::kStageStarted: return "stage_started";
    case RunEvent::Kind::kStageFinished: return "stage_finished";
    case RunEvent::Kind::kResourceFinished: return "resource_finished";
    case RunEvent::Kind::kHttpRetry: return "http_retry";
    case RunEvent::Kind::kHttpGaveUp: return "http_gave_up";
    case RunEvent::Kind::kHttpRateLimited: return "http_rate_limited";
    case RunEvent::Kind::kPaginatorDetected: return "paginator_detected";
    case RunEvent::Kind::kResponseIgnored: return "response_ignored";
    case RunEvent::Kind::kProgress: return "progress";
    case RunEvent::Kind::kSchemaChanged: return "schema_changed";
    case RunEvent::Kind::kContractViolation: return "contract_violation";
    case RunEvent::Kind::kPackageResumed: return "package_resumed";
  }
  return "unknown";
}

std::string FormatRunEvent(const RunEvent& event) {
  std::string line(RunEventKindName(event.kind));
  if (!event.stage.empty()) line += " " + event.stage;
  if (!event.resource.empty()) line += " resource " + event.resource;
  if (!event.url.empty()) line += " " + event.url;
  if (event.attempt > 0) line += " attempt " + std::to_string(event.attempt);
  switch (event.kind) {
    case RunEvent::Kind::kProgress:
      line += " " + std::to_string(event.rows) + (event.stage == "extract" ? " items, " : " rows, ") +
              std::to_string(event.bytes) + " bytes";
      break;
    case RunEvent::Kind::kSchemaChanged:
      line += " version " + std::to_string(event.schema_version) + ", " + std::to_string(event.new_tables.size()) +
              " new tables, " + std::to_string(event.new_columns.size()) + " new columns";
      if (!event.new_tables.empty()) {
        line += " (";
        for (std::size_t i = 0; i < event.new_tables.size(); ++i) line += (i > 0 ? ", " : "") + event.new_tables[i];
        line += ")";
      }
      break;
    case RunEvent::Kind::kContractViolation:
      if (!event.message.empty()) break;  // the message describes the violation in full
      line += " table " + event.table;
      if (!event.column.empty()) line += ", column " + event.column;
      line += " (" + event.entity + " " + event.mode + ")";
      break;
    default: break;
  }
  if (!event.message.empty()) line += ": " + event.message;
  return line;
}

}  // namespace ingestd::pipeline
