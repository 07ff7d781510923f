#include "core/common/log.hpp"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace ingestd::log {
namespace {

// Function-local statics: logging may be used from other statics'
// initialisers, so it must not depend on namespace-scope initialisation order.
struct State {
  std::atomic<Level> level{Level::kInfo};
  std::mutex mutex;
  Sink sink;  // guarded by mutex; empty: stderr
};

State& GetState() {
  static State state;
  return state;
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

void AppendKey(std::string& out, std::string_view key) {
  if (key.empty()) {
    out += '_';
    return;
  }
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    out += (u <= ' ' || c == '=' || c == '"' || u == 0x7f) ? '_' : c;
  }
}

void AppendTimestamp(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since_epoch = time.time_since_epoch();
  auto secs = floor<seconds>(since_epoch);
  auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
  time_t t = static_cast<time_t>(secs.count());
  struct tm utc {};
  ::gmtime_r(&t, &utc);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                        utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

// One write(2) for the whole line when the kernel takes it (it does for
// pipes up to PIPE_BUF and for terminals/files in practice); loops on
// partial writes and EINTR. Errors are ignored: there is nowhere left to
// report a failure to log.
void WriteToStderr(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "unknown";
}

Result<Level> ParseLevel(std::string_view name) {
  for (Level level : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (name == LevelName(level)) return level;
  }
  std::string shown;
  AppendValue(shown, name);
  return InvalidArgument("unknown log level " + shown + " (expected \"debug\", \"info\", \"warn\" or \"error\")");
}

void SetLevel(Level level) { GetState().level.store(level, std::memory_order_relaxed); }

Level GetLevel() { return GetState().level.load(std::memory_order_relaxed); }

bool Enabled(Level level) { return level >= GetLevel(); }

void SetSink(Sink sink) {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mutex);
  state.sink = std::move(sink);
}

void AppendValue(std::string& out, std::string_view value) {
  bool needs_quotes = value.empty();
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '=' || c == '"' || u == 0x7f) {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (IsControl(u)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(u));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string FormatLine(std::chrono::system_clock::time_point time, Level level, std::string_view message,
                       Fields fields) {
  std::string line;
  line.reserve(64 + message.size() + 24 * fields.size());
  line += "time=";
  AppendTimestamp(line, time);
  line += " level=";
  line += LevelName(level);
  line += " msg=";
  AppendValue(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    AppendKey(line, key);
    line += '=';
    AppendValue(line, value);
  }
  return line;
}

void Write(Level level, std::string_view message, Fields fields) {
  if (!Enabled(level)) return;
  // The one place core reads the wall clock (see log.hpp).
  std::string line = FormatLine(std::chrono::system_clock::now(), level, message, fields);
  line += '\n';
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.sink) {
    state.sink(std::string_view(line).substr(0, line.size() - 1));
  } else {
    WriteToStderr(line);
  }
}

}  // namespace ingestd::log
