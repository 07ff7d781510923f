#include "server/metrics/process_metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace ingestd::server_metrics {
namespace {

/// Whitespace-separated fields of `text`.
std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t') ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

Result<std::uint64_t> ParseUnsigned(std::string_view field, std::string_view what) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size()) {
    return InvalidArgument(std::string(what) + ": \"" + std::string(field) + "\" is not a number");
  }
  return value;
}

/// The whole file; /proc files report size 0, so read until EOF.
Result<std::string> ReadProcFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kUnavailable, std::string("cannot read ") + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

double TicksPerSecond() {
  static const double ticks = [] {
    const long value = ::sysconf(_SC_CLK_TCK);
    return value > 0 ? static_cast<double>(value) : 100.0;  // 100: Linux' USER_HZ
  }();
  return ticks;
}

double OrNaN(const Result<double>& value) { return value.ok() ? *value : std::nan(""); }

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) return InvalidArgument("/proc stat: no \")\" after the command name");
  // After the command name come field 3 (state) onwards: field N is at N - 3.
  const std::vector<std::string_view> fields = SplitFields(text.substr(close + 1));
  constexpr std::size_t kUtime = 14 - 3;
  constexpr std::size_t kStime = 15 - 3;
  constexpr std::size_t kStart = 22 - 3;
  if (fields.size() <= kStart) {
    return InvalidArgument("/proc stat: " + std::to_string(fields.size() + 2) + " fields, expected at least 22");
  }
  ProcStat stat;
  INGESTD_ASSIGN_OR_RETURN(stat.utime_ticks, ParseUnsigned(fields[kUtime], "/proc stat utime"));
  INGESTD_ASSIGN_OR_RETURN(stat.stime_ticks, ParseUnsigned(fields[kStime], "/proc stat stime"));
  INGESTD_ASSIGN_OR_RETURN(stat.start_ticks, ParseUnsigned(fields[kStart], "/proc stat starttime"));
  return stat;
}

Result<std::uint64_t> ParseBootTime(std::string_view proc_stat_text) {
  std::size_t pos = 0;
  while (pos < proc_stat_text.size()) {
    std::size_t end = proc_stat_text.find('\n', pos);
    if (end == std::string_view::npos) end = proc_stat_text.size();
    const std::vector<std::string_view> fields = SplitFields(proc_stat_text.substr(pos, end - pos));
    if (fields.size() == 2 && fields[0] == "btime") return ParseUnsigned(fields[1], "/proc/stat btime");
    pos = end + 1;
  }
  return InvalidArgument("/proc/stat: no btime line");
}

Result<std::uint64_t> ParseStatmResidentPages(std::string_view text) {
  const std::vector<std::string_view> fields = SplitFields(text);
  if (fields.size() < 2) return InvalidArgument("/proc statm: expected at least 2 fields");
  return ParseUnsigned(fields[1], "/proc statm resident");
}

Result<double> ReadProcessCpuSeconds() {
  INGESTD_ASSIGN_OR_RETURN(const std::string text, ReadProcFile("/proc/self/stat"));
  INGESTD_ASSIGN_OR_RETURN(const ProcStat stat, ParseProcStat(text));
  return static_cast<double>(stat.utime_ticks + stat.stime_ticks) / TicksPerSecond();
}

Result<double> ReadProcessResidentBytes() {
  INGESTD_ASSIGN_OR_RETURN(const std::string text, ReadProcFile("/proc/self/statm"));
  INGESTD_ASSIGN_OR_RETURN(const std::uint64_t pages, ParseStatmResidentPages(text));
  const long page_size = ::sysconf(_SC_PAGESIZE);
  return static_cast<double>(pages) * static_cast<double>(page_size > 0 ? page_size : 4096);
}

Result<double> ReadProcessStartTimeSeconds() {
  INGESTD_ASSIGN_OR_RETURN(const std::string self, ReadProcFile("/proc/self/stat"));
  INGESTD_ASSIGN_OR_RETURN(const ProcStat stat, ParseProcStat(self));
  INGESTD_ASSIGN_OR_RETURN(const std::string system, ReadProcFile("/proc/stat"));
  INGESTD_ASSIGN_OR_RETURN(const std::uint64_t boot_time, ParseBootTime(system));
  return static_cast<double>(boot_time) + static_cast<double>(stat.start_ticks) / TicksPerSecond();
}

Result<double> ReadProcessOpenFds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return Error(ErrorCode::kUnavailable, "cannot list /proc/self/fd: " + ec.message());
  // The count includes the descriptor this listing holds open, as
  // client_golang's does.
  double count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return Error(ErrorCode::kUnavailable, "cannot list /proc/self/fd: " + ec.message());
    ++count;
  }
  return count;
}

Status RegisterProcessMetrics(metrics::Registry& registry) {
  INGESTD_ASSIGN_OR_RETURN(
      metrics::Family<metrics::Counter>* cpu,
      registry.AddCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {}));
  cpu->WithLabels({}).SetCallback([] { return OrNaN(ReadProcessCpuSeconds()); });

  INGESTD_ASSIGN_OR_RETURN(metrics::Family<metrics::Gauge>* rss,
                           registry.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}));
  rss->WithLabels({}).SetCallback([] { return OrNaN(ReadProcessResidentBytes()); });

  INGESTD_ASSIGN_OR_RETURN(
      metrics::Family<metrics::Gauge>* start,
      registry.AddGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {}));
  // It never changes: read once.
  start->WithLabels({}).Set(OrNaN(ReadProcessStartTimeSeconds()));

  INGESTD_ASSIGN_OR_RETURN(metrics::Family<metrics::Gauge>* fds,
                           registry.AddGauge("process_open_fds", "Number of open file descriptors.", {}));
  fds->WithLabels({}).SetCallback([] { return OrNaN(ReadProcessOpenFds()); });
  return OkStatus();
}

}  // namespace ingestd::server_metrics
