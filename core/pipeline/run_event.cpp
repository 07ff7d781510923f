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
  }
  return "unknown";
}

std::string FormatRunEvent(const RunEvent& event) {
  std::string line(RunEventKindName(event.kind));
  if (!event.stage.empty()) line += " " + event.stage;
  if (!event.resource.empty()) line += " resource " + event.resource;
  if (!event.url.empty()) line += " " + event.url;
  if (event.attempt > 0) line += " attempt " + std::to_string(event.attempt);
  if (!event.message.empty()) line += ": " + event.message;
  return line;
}

}  // namespace ingestd::pipeline
