#pragma once

#include <cstdint>
#include <string_view>

#include "core/common/result.hpp"
#include "core/metrics/registry.hpp"

namespace ingestd::server_metrics {

/// The fields of /proc/<pid>/stat (proc(5)) the process metrics use, in
/// clock ticks (sysconf(_SC_CLK_TCK) per second).
struct ProcStat {
  std::uint64_t utime_ticks = 0;  // field 14: user-mode CPU time
  std::uint64_t stime_ticks = 0;  // field 15: kernel-mode CPU time
  std::uint64_t start_ticks = 0;  // field 22: start time, after boot
};

/// Parses a /proc/<pid>/stat line. The command name (field 2) is in
/// parentheses and may itself contain spaces and ')', so fields are counted
/// from the last ')'. kInvalidArgument when the text has too few fields or a
/// field is not a number.
Result<ProcStat> ParseProcStat(std::string_view text);

/// The `btime` line of /proc/stat: boot time, Unix seconds.
/// kInvalidArgument when there is none.
Result<std::uint64_t> ParseBootTime(std::string_view proc_stat_text);

/// The resident set size in pages: the second field of /proc/<pid>/statm.
Result<std::uint64_t> ParseStatmResidentPages(std::string_view text);

/// This process, read from /proc/self now. kUnavailable when /proc cannot
/// be read (not Linux, /proc not mounted).
Result<double> ReadProcessCpuSeconds();        // user + system CPU time, seconds
Result<double> ReadProcessResidentBytes();     // resident memory, bytes
Result<double> ReadProcessStartTimeSeconds();  // start time, Unix seconds
Result<double> ReadProcessOpenFds();           // entries of /proc/self/fd

/// Registers Prometheus' standard process families, read at scrape time:
/// process_cpu_seconds_total (counter), process_resident_memory_bytes,
/// process_start_time_seconds and process_open_fds (gauges). Each has one
/// series without labels; a value that cannot be read scrapes as NaN. The
/// callbacks capture nothing, so they may outlive anything. Errors when the
/// families already exist in `registry`.
Status RegisterProcessMetrics(metrics::Registry& registry);

}  // namespace ingestd::server_metrics
