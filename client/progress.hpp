#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "ingestd/v1/control.pb.h"

namespace ingestd::client {

/// Where a run stands, as far as its events tell. Pure: Apply() only reads
/// the event, so the same events always give the same line.
struct ProgressState {
  /// The stage working now ("" before the first), and its place in
  /// extract → normalize → load (-1 for none or a stage not in that list).
  std::string stage;
  int stage_index = -1;
  bool stage_done = false;
  /// Items (extract) or rows (normalize, load) so far in the stage.
  std::uint64_t rows = 0;
  double rows_per_second = 0;
  /// Why the run waits, while queued.
  std::string queued_reason;
  google::protobuf::Timestamp started_at;  // unset before RunStarted
  google::protobuf::Timestamp last_event_at;
  bool finished = false;
  v1::RunStatus final_status = v1::RUN_STATUS_UNSPECIFIED;
  /// Events applied; moves the activity marker of the bar.
  std::uint64_t events = 0;
  /// What each of extract, normalize, load reported. The stages overlap
  /// (normalization starts on the first item files, loading on the first
  /// load files): the line shows the earliest stage not finished, so it
  /// moves forward only, instead of flickering between stages.
  struct StageRows {
    bool started = false;
    bool done = false;
    std::uint64_t rows = 0;
    double rows_per_second = 0;
  };
  std::array<StageRows, 3> stages{};

  void Apply(const v1::RunEvent& event);
};

/// 0, 1, 2 for "extract", "normalize", "load"; -1 otherwise.
int StageIndex(std::string_view stage);

/// The line a terminal shows while a run works, at most `width` - 1
/// characters (a full-width line would wrap and break the redraw):
///
///     normalize  [========|--->----|........]  12000 rows  350 rows/s  0:42
///
/// The bar has one segment per stage: `=` done, `-` with a moving `>` for
/// the stage at work (stages report no totals, so the marker shows activity,
/// not a fraction), `.` not started. Elapsed time runs from RunStarted to
/// the newest event (server time: no clock skew, deterministic).
std::string FormatProgressLine(const ProgressState& state, std::size_t width);

/// One event as a plain line, prefixed with its time (UTC ISO-8601):
/// "2024-05-01T12:00:03Z extract finished in 1.2s: 12000 items".
std::string FormatEventLine(const v1::RunEvent& event);

/// Events that a terminal shows only on the redrawn line (Progress,
/// StageStarted); the others get a line of their own.
bool IsTransientEvent(const v1::RunEvent& event);

/// Shows a run's events as they arrive, on `out` (stderr). On a terminal:
/// one line redrawn in place for progress, with the other events printed
/// above it as lines of their own. Elsewhere (a pipe, a log file): one plain
/// line per event, progress included (at most one a second).
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& out, bool terminal, std::size_t width);
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

  void OnEvent(const v1::RunEvent& event);
  /// A line of ingestctl's own ("stream dropped; reconnecting in 1.0s").
  void Note(std::string_view line);
  /// Clears the redrawn line (terminal). Idempotent; the destructor calls it.
  void Finish();

  const ProgressState& state() const { return state_; }

 private:
  void ClearLine();
  void DrawLine();

  std::ostream& out_;
  bool terminal_;
  std::size_t width_;
  ProgressState state_;
  bool line_shown_ = false;
};

/// Terminal columns of the file descriptor (ioctl TIOCGWINSZ), or 80.
std::size_t TerminalWidth(int fd);

}  // namespace ingestd::client
