#include "core/metrics/text_exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "core/metrics/registry.hpp"

namespace ingestd::metrics {
namespace {

TEST(TextExpositionTest, ContentTypeIsExact) {
  EXPECT_EQ(kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(TextExpositionTest, FormatsValues) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(-0.0), "-0");
  EXPECT_EQ(FormatValue(1), "1");
  EXPECT_EQ(FormatValue(-42), "-42");
  EXPECT_EQ(FormatValue(800000), "800000");
  EXPECT_EQ(FormatValue(1.5), "1.5");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");  // shortest that round-trips
  EXPECT_EQ(FormatValue(1e-7), "1e-07");
  EXPECT_EQ(FormatValue(999999999999999), "999999999999999");
  EXPECT_EQ(FormatValue(1e15), "1e+15");
  EXPECT_EQ(FormatValue(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatValue(HUGE_VAL), "+Inf");
  EXPECT_EQ(FormatValue(-HUGE_VAL), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatValue(-std::nan("")), "NaN");
}

// The escaping example from Prometheus' exposition_formats.md.
TEST(TextExpositionTest, SpecEscapingExample) {
  Registry registry;
  auto family = registry.AddGauge("msdos_file_access_time_seconds",
                                  "Last access time.\nEscaped: back\\slash.", {"path", "error"});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({"C:\\DIR\\FILE.TXT", "Cannot find file:\n\"FILE.TXT\""}).Set(1.458255915e9);
  EXPECT_EQ(RenderText(registry),
            "# HELP msdos_file_access_time_seconds Last access time.\\nEscaped: back\\\\slash.\n"
            "# TYPE msdos_file_access_time_seconds gauge\n"
            "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\","
            "error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1458255915\n");
}

TEST(TextExpositionTest, HelpDoesNotEscapeQuotes) {
  Registry registry;
  auto family = registry.AddGauge("ingestd_q", "Say \"hi\".", {});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({}).Set(1);
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_q Say \"hi\".\n"
            "# TYPE ingestd_q gauge\n"
            "ingestd_q 1\n");
}

TEST(TextExpositionTest, FamiliesSortedByNameAndEmptyOnesOmitted) {
  Registry registry;
  auto zeta = registry.AddGauge("ingestd_zeta", "Zeta.", {});
  auto alpha = registry.AddCounter("ingestd_alpha_total", "Alpha.", {"k"});
  auto empty = registry.AddGauge("ingestd_middle", "No series yet.", {"k"});
  ASSERT_TRUE(zeta.ok() && alpha.ok() && empty.ok());
  (*zeta)->WithLabels({}).Set(2);
  (*alpha)->WithLabels({"b"}).Increment();
  (*alpha)->WithLabels({"a"}).Increment(2);
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_alpha_total Alpha.\n"
            "# TYPE ingestd_alpha_total counter\n"
            "ingestd_alpha_total{k=\"a\"} 2\n"
            "ingestd_alpha_total{k=\"b\"} 1\n"
            "# HELP ingestd_zeta Zeta.\n"
            "# TYPE ingestd_zeta gauge\n"
            "ingestd_zeta 2\n");
  EXPECT_EQ(RenderText(Registry()), "");
}

TEST(TextExpositionTest, EmptyLabelValueIsKept) {
  Registry registry;
  auto family = registry.AddCounter("ingestd_e_total", "E.", {"a", "b"});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({"", "x"}).Increment();
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_e_total E.\n"
            "# TYPE ingestd_e_total counter\n"
            "ingestd_e_total{a=\"\",b=\"x\"} 1\n");
}

/// Runs Debian's promtool (package `prometheus`) on a rendered registry with
/// every type, labels and escaping. Skipped where promtool is not installed.
TEST(TextExpositionTest, PromtoolAcceptsOutput) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  Registry registry;
  auto rows = registry.AddCounter("ingestd_rows_loaded_total", "Rows loaded.",
                                  {"pipeline", "destination"});
  auto depth = registry.AddGauge("ingestd_queue_depth", "Batches \\ waiting\nnow.", {"path"});
  auto seconds = registry.AddHistogram("ingestd_run_duration_seconds", "Run duration.",
                                       {"pipeline"}, {0.1, 1, 10});
  auto plain = registry.AddHistogram("ingestd_batch_size_bytes", "Batch size.", {}, {1024, 65536});
  ASSERT_TRUE(rows.ok() && depth.ok() && seconds.ok() && plain.ok());
  (*rows)->WithLabels({"orders", "postgres"}).Increment(12);
  (*rows)->WithLabels({"o\"dd\\name\n", "sqlite"}).Increment(0.5);
  (*depth)->WithLabels({"C:\\DIR\\FILE.TXT"}).Set(-HUGE_VAL);
  (*depth)->WithLabels({"nan"}).Set(std::nan(""));
  (*seconds)->WithLabels({"orders"}).Observe(0.05);
  (*seconds)->WithLabels({"orders"}).Observe(20);
  (*plain)->WithLabels({}).Observe(4096);

  const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("ingestd_promtool_" + std::to_string(::getpid()) + ".prom");
  {
    std::ofstream out(file, std::ios::binary);
    out << RenderText(registry);
  }
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output << "\n" << RenderText(registry);
  EXPECT_EQ(output, "") << RenderText(registry);
}

}  // namespace
}  // namespace ingestd::metrics
