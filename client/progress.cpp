#include "client/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ostream>

#include "client/output_format.hpp"

namespace ingestd::client {
namespace {

constexpr std::array<std::string_view, 3> kStages{"extract", "normalize", "load"};
constexpr std::size_t kSegmentWidth = 8;
constexpr std::size_t kStageNameWidth = 9;  // "normalize"

std::string_view UnitOf(std::string_view stage) { return stage == "extract" ? "items" : "rows"; }

std::string FormatClock(double seconds) {
  if (!(seconds > 0)) seconds = 0;
  const auto total = static_cast<long long>(seconds);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", total / 60, total % 60);
  }
  return buffer;
}

std::string Bar(const ProgressState& state) {
  std::string bar = "[";
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    if (i > 0) bar += '|';
    const int index = static_cast<int>(i);
    const bool all_done = state.finished && state.final_status == v1::RUN_STATUS_SUCCEEDED;
    if (all_done || (state.stage_index >= 0 && index < state.stage_index) ||
        (index == state.stage_index && state.stage_done)) {
      bar.append(kSegmentWidth, '=');
    } else if (index == state.stage_index) {
      std::string segment(kSegmentWidth, '-');
      segment[state.events % kSegmentWidth] = '>';
      bar += segment;
    } else {
      bar.append(kSegmentWidth, '.');
    }
  }
  return bar + "]";
}

std::string Pad(std::string_view text, std::size_t width) {
  std::string padded(text);
  if (padded.size() < width) padded.append(width - padded.size(), ' ');
  return padded;
}

}  // namespace

int StageIndex(std::string_view stage) {
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    if (kStages[i] == stage) return static_cast<int>(i);
  }
  return -1;
}

void ProgressState::Apply(const v1::RunEvent& event) {
  ++events;
  if (IsSet(event.time())) last_event_at = event.time();
  switch (event.event_case()) {
    case v1::RunEvent::kQueued:
      queued_reason = event.queued().reason();
      break;
    case v1::RunEvent::kStarted:
      queued_reason.clear();
      started_at = event.time();
      break;
    case v1::RunEvent::kStageStarted: {
      const int index = StageIndex(event.stage_started().stage());
      if (index < 0) {
        // Not one of the three: shown as it comes, without bar progress.
        stage = event.stage_started().stage();
        stage_index = -1;
        stage_done = false;
        rows = 0;
        rows_per_second = 0;
        return;
      }
      stages[index] = StageRows{true, false, 0, 0};
      break;
    }
    case v1::RunEvent::kStageFinished: {
      const int index = StageIndex(event.stage_finished().stage());
      if (index < 0) {
        if (event.stage_finished().stage() == stage) stage_done = true;
        return;
      }
      stages[index].started = true;
      stages[index].done = true;
      break;
    }
    case v1::RunEvent::kProgress: {
      const v1::Progress& progress = event.progress();
      const int index = StageIndex(progress.stage());
      if (index < 0) {
        stage = progress.stage();
        stage_index = -1;
        stage_done = false;
        rows = progress.rows();
        rows_per_second = progress.rows_per_second();
        return;
      }
      StageRows& s = stages[index];
      s.started = true;
      s.rows = progress.rows();
      s.rows_per_second = progress.rows_per_second();
      break;
    }
    case v1::RunEvent::kFinished:
      finished = true;
      final_status = event.finished().run().status();
      return;
    default:
      return;
  }
  // The earliest started stage not finished; when every started stage is
  // finished, the last of them (shown done).
  int shown = -1;
  for (int i = 0; i < static_cast<int>(stages.size()); ++i) {
    if (!stages[i].started) continue;
    shown = i;
    if (!stages[i].done) break;
  }
  if (shown < 0) return;
  stage = std::string(kStages[shown]);
  stage_index = shown;
  stage_done = stages[shown].done;
  rows = stages[shown].rows;
  rows_per_second = stages[shown].rows_per_second;
}

std::string FormatProgressLine(const ProgressState& state, std::size_t width) {
  std::string line;
  if (state.finished) {
    line = Pad(RunStatusName(state.final_status), kStageNameWidth) + "  " + Bar(state);
  } else if (!IsSet(state.started_at) && !state.queued_reason.empty()) {
    line = "queued: " + OneLine(state.queued_reason);
  } else {
    const double elapsed =
        IsSet(state.started_at) ? SecondsBetween(state.started_at, state.last_event_at) : 0;
    if (state.stage.empty()) {
      line = Pad("starting", kStageNameWidth) + "  " + Bar(state) + "  " + FormatClock(elapsed);
    } else {
      const std::string_view unit = UnitOf(state.stage);
      line = Pad(state.stage, kStageNameWidth) + "  " + Bar(state) + "  " + std::to_string(state.rows) +
             " " + std::string(unit) + "  " + FormatRate(state.rows_per_second) + " " +
             std::string(unit) + "/s  " + FormatClock(elapsed);
    }
  }
  if (width > 1 && DisplayWidth(line) > width - 1) line = Truncate(line, width - 1);
  return line;
}

std::string FormatEventLine(const v1::RunEvent& event) {
  std::string text;
  switch (event.event_case()) {
    case v1::RunEvent::kQueued:
      text = "queued";
      if (!event.queued().reason().empty()) text += ": " + event.queued().reason();
      break;
    case v1::RunEvent::kStarted:
      text = "started";
      if (!event.started().owner().empty()) text += " on " + event.started().owner();
      break;
    case v1::RunEvent::kStageStarted:
      text = event.stage_started().stage() + " started";
      break;
    case v1::RunEvent::kStageFinished: {
      const v1::StageFinished& finished = event.stage_finished();
      text = finished.stage() + " finished in " + FormatDuration(finished.seconds());
      if (!finished.message().empty()) text += ": " + finished.message();
      break;
    }
    case v1::RunEvent::kProgress: {
      const v1::Progress& progress = event.progress();
      const std::string unit(UnitOf(progress.stage()));
      text = progress.stage() + ": " + std::to_string(progress.rows()) + " " + unit + ", " +
             FormatRate(progress.rows_per_second()) + " " + unit + "/s";
      if (progress.bytes() > 0) text += ", " + FormatBytes(progress.bytes());
      break;
    }
    case v1::RunEvent::kSchemaChanged: {
      const v1::SchemaChanged& changed = event.schema_changed();
      text = "schema version " + std::to_string(changed.version());
      // A first run adds every column: a line, not a screenful (describe
      // run and -o json list them all).
      if (!changed.new_tables().empty()) text += ", new tables: " + JoinList(changed.new_tables(), "", 8);
      if (!changed.new_columns().empty()) text += ", new columns: " + JoinList(changed.new_columns(), "", 8);
      break;
    }
    case v1::RunEvent::kContractViolation: {
      const v1::ContractViolation& violation = event.contract_violation();
      text = "contract violation " + violation.table();
      if (!violation.column().empty()) text += "." + violation.column();
      text += " (" + violation.entity() + ": " + violation.mode() + ")";
      if (!violation.message().empty()) text += ": " + violation.message();
      break;
    }
    case v1::RunEvent::kHttpRetry: {
      const v1::HttpRetry& retry = event.http_retry();
      text = retry.gave_up() ? "http gave up" : "http retry";
      if (!retry.resource().empty()) text += " resource " + retry.resource();
      text += " " + retry.url() + " attempt " + std::to_string(retry.attempt()) + ": ";
      text += retry.http_status() == 0 ? std::string("connection error")
                                       : "HTTP " + std::to_string(retry.http_status());
      if (!retry.message().empty()) text += " (" + retry.message() + ")";
      if (!retry.gave_up()) text += ", retrying in " + FormatDuration(retry.delay_seconds());
      break;
    }
    case v1::RunEvent::kHttpRateLimited:
      text = "rate limited by " + event.http_rate_limited().host() + ", waiting " +
             FormatDuration(event.http_rate_limited().delay_seconds());
      break;
    case v1::RunEvent::kNotice: {
      const v1::Notice& notice = event.notice();
      text = notice.kind();
      if (!notice.resource().empty()) text += " resource " + notice.resource();
      if (!notice.message().empty()) text += ": " + notice.message();
      break;
    }
    case v1::RunEvent::kFinished: {
      const v1::Run& run = event.finished().run();
      text = "run " + std::string(RunStatusName(run.status()));
      if (IsSet(run.started_at()) && IsSet(run.finished_at())) {
        text += " after " + FormatDuration(SecondsBetween(run.started_at(), run.finished_at()));
      }
      if (run.has_error() && !run.error().code().empty()) {
        text += ": " + run.error().code() + ": " + run.error().message();
      }
      break;
    }
    default:
      text = "event " + std::to_string(event.sequence());
      break;
  }
  return FormatTimestamp(event.time()) + " " + OneLine(text);
}

bool IsTransientEvent(const v1::RunEvent& event) {
  return event.event_case() == v1::RunEvent::kProgress ||
         event.event_case() == v1::RunEvent::kStageStarted;
}

// ---------------------------------------------------------------- printer

ProgressPrinter::ProgressPrinter(std::ostream& out, bool terminal, std::size_t width)
    : out_(out), terminal_(terminal), width_(width) {}

ProgressPrinter::~ProgressPrinter() { Finish(); }

void ProgressPrinter::OnEvent(const v1::RunEvent& event) {
  state_.Apply(event);
  if (!terminal_) {
    out_ << FormatEventLine(event) << '\n' << std::flush;
    return;
  }
  if (!IsTransientEvent(event)) {
    ClearLine();
    out_ << FormatEventLine(event) << '\n';
  }
  if (state_.finished) {
    ClearLine();
    out_ << std::flush;
    return;
  }
  DrawLine();
}

void ProgressPrinter::Note(std::string_view line) {
  ClearLine();
  out_ << line << '\n';
  if (terminal_ && !state_.finished && state_.events > 0) {
    DrawLine();
  } else {
    out_ << std::flush;
  }
}

void ProgressPrinter::Finish() {
  ClearLine();
  out_ << std::flush;
}

void ProgressPrinter::ClearLine() {
  if (!line_shown_) return;
  out_ << "\r\x1b[K";  // to column 0, erase to the end of the line
  line_shown_ = false;
}

void ProgressPrinter::DrawLine() {
  out_ << '\r' << FormatProgressLine(state_, width_) << "\x1b[K" << std::flush;
  line_shown_ = true;
}

std::size_t TerminalWidth(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace ingestd::client
