#include "server/metrics/process_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <vector>

namespace ingestd::server_metrics {
namespace {

TEST(ProcessMetricsTest, ParsesStatWithAwkwardCommandName) {
  // proc(5): the command name may hold spaces and ')'; fields 14, 15 and 22
  // are utime, stime and starttime.
  const std::string line =
      "4242 (my prog) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 "
      "250 75 0 0 20 0 3 0 987654 123456789 2048 18446744073709551615\n";
  auto stat = ParseProcStat(line);
  ASSERT_TRUE(stat.ok()) << stat.error().ToString();
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 987654u);
}

TEST(ProcessMetricsTest, RejectsShortOrMalformedStat) {
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 75 0 0 20 0 3 0 9 1 2").ok());
}

TEST(ProcessMetricsTest, ParsesBootTimeAndStatm) {
  auto boot = ParseBootTime("cpu  1 2 3\ncpu0 1 2 3\nintr 5\nctxt 9\nbtime 1763790000\nprocesses 7\n");
  ASSERT_TRUE(boot.ok());
  EXPECT_EQ(*boot, 1763790000u);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").ok());

  auto pages = ParseStatmResidentPages("5000 1234 300 10 0 900 0\n");
  ASSERT_TRUE(pages.ok());
  EXPECT_EQ(*pages, 1234u);
  EXPECT_FALSE(ParseStatmResidentPages("5000").ok());
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  auto cpu = ReadProcessCpuSeconds();
  auto rss = ReadProcessResidentBytes();
  auto start = ReadProcessStartTimeSeconds();
  auto fds = ReadProcessOpenFds();
  ASSERT_TRUE(cpu.ok() && rss.ok() && start.ok() && fds.ok());
  EXPECT_GE(*cpu, 0);
  EXPECT_GT(*rss, 1024 * 1024);  // a gtest binary is more than a megabyte
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*start, now + 1);
  EXPECT_GT(*start, now - 86400);
  EXPECT_GE(*fds, 3);  // stdin, stdout, stderr

  // CPU time only grows.
  volatile double sink = 0;
  for (int i = 0; i < 5'000'000; ++i) sink = sink + std::sqrt(static_cast<double>(i));
  auto later = ReadProcessCpuSeconds();
  ASSERT_TRUE(later.ok());
  EXPECT_GE(*later, *cpu);
}

}  // namespace
}  // namespace ingestd::server_metrics
