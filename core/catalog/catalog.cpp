#include "core/catalog/catalog.hpp"

#include <array>
#include <utility>

namespace ingestd::catalog {
namespace {

// The names are what the catalogs store: they never change.
constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kStatusNames = {{
    {RunStatus::kQueued, "queued"},
    {RunStatus::kRunning, "running"},
    {RunStatus::kSucceeded, "succeeded"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<RunTrigger, std::string_view>, 4> kTriggerNames = {{
    {RunTrigger::kManual, "manual"},
    {RunTrigger::kSchedule, "schedule"},
    {RunTrigger::kPush, "push"},
    {RunTrigger::kResume, "resume"},
}};

}  // namespace

std::string_view RunStatusName(RunStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<RunStatus> ParseRunStatus(std::string_view name) {
  for (const auto& [value, known] : kStatusNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view RunTriggerName(RunTrigger trigger) {
  for (const auto& [value, name] : kTriggerNames) {
    if (value == trigger) return name;
  }
  return "unknown";
}

std::optional<RunTrigger> ParseRunTrigger(std::string_view name) {
  for (const auto& [value, known] : kTriggerNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace ingestd::catalog
