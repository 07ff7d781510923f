#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/common/result.hpp"

/// Structured logging: one logfmt line per call, on stderr by default.
///
///   log::Info("run finished", {{"pipeline", name}, {"rows", std::to_string(n)}});
///   → time=2026-11-22T05:00:00.123Z level=info msg="run finished" pipeline=github rows=12000
///
/// Clock exception: core reads no clock (an injected Clock everywhere else),
/// except here. Every line carries the wall-clock time at which it was
/// written (UTC, milliseconds); that timestamp is the only use of the clock
/// and never feeds back into what core computes.
///
/// Threads: every function here may be called from any thread. A line is
/// formatted into one string first and handed to the sink under a mutex, so
/// lines from concurrent callers never interleave.
namespace ingestd::log {

enum class Level : std::uint8_t { kDebug, kInfo, kWarn, kError };

/// "debug", "info", "warn", "error".
std::string_view LevelName(Level level);

/// The inverse of LevelName (exact, lower case). kInvalidArgument naming
/// the accepted names otherwise.
Result<Level> ParseLevel(std::string_view name);

/// Lines below `level` are dropped before they are formatted. Default kInfo.
void SetLevel(Level level);
Level GetLevel();
/// True when a line at `level` would be written (to skip building costly
/// fields for a debug line that would be dropped).
bool Enabled(Level level);

/// Receives each line without its trailing newline. Called with the logging
/// mutex held: it must not log, and should be quick.
using Sink = std::function<void(std::string_view line)>;
/// Replaces where lines go; an empty Sink restores stderr. Meant for tests
/// and for the daemon's start-up (e.g. to tee into a file).
void SetSink(Sink sink);

/// Fields after `msg`, in order. Keys are expected to be logfmt identifiers
/// (`pipeline`, `run_id`); characters that would break the line (space,
/// `=`, `"`, control characters) are replaced by `_`.
using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

/// Writes one line at `level` (if Enabled) to the sink.
void Write(Level level, std::string_view message, Fields fields = {});

inline void Debug(std::string_view message, Fields fields = {}) { Write(Level::kDebug, message, fields); }
inline void Info(std::string_view message, Fields fields = {}) { Write(Level::kInfo, message, fields); }
inline void Warn(std::string_view message, Fields fields = {}) { Write(Level::kWarn, message, fields); }
inline void Error(std::string_view message, Fields fields = {}) { Write(Level::kError, message, fields); }

/// The line Write would produce at `time`, without the trailing newline.
/// Pure; exposed so tests need not depend on the clock.
std::string FormatLine(std::chrono::system_clock::time_point time, Level level, std::string_view message,
                       Fields fields);

/// Appends `value` to `out` as a logfmt value: bare when it is non-empty and
/// has no space, `=`, `"` or control character; otherwise in double quotes
/// with `"`, `\`, newline, CR and tab escaped (`\"`, `\\`, `\n`, `\r`, `\t`)
/// and other control characters as `\u00XX`.
void AppendValue(std::string& out, std::string_view value);

}  // namespace ingestd::log
