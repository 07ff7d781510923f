#include "server/metrics/daemon_metrics.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "core/metrics/text_exposition.hpp"

namespace ingestd::server_metrics {
namespace {

using metrics::FamilySnapshot;
using metrics::MetricType;

std::map<std::string, FamilySnapshot> CollectByName(const metrics::Registry& registry) {
  std::map<std::string, FamilySnapshot> out;
  for (FamilySnapshot& family : registry.Collect()) out.emplace(family.name, std::move(family));
  return out;
}

/// One series of every daemon family, with realistic label values.
void PopulateEverySeries(const DaemonMetrics& m) {
  m.runs->WithLabels({"orders", "succeeded"}).Increment(3);
  m.runs->WithLabels({"orders", "failed"}).Increment();
  m.run_duration->WithLabels({"orders"}).Observe(42.5);
  m.stage_duration->WithLabels({"orders", "extract"}).Observe(1.5);
  m.stage_duration->WithLabels({"orders", "load"}).Observe(0.2);
  m.active_runs->WithLabels({}).Set(1);
  m.queued_runs->WithLabels({}).Set(2);
  m.pending_packages->WithLabels({"orders"}).Set(0);
  m.last_success->WithLabels({"orders"}).Set(1763790000.25);
  m.schedule_interval->WithLabels({"orders"}).Set(300);
  m.extracted_items->WithLabels({"orders"}).Increment(1000);
  m.extracted_bytes->WithLabels({"orders"}).Increment(123456);
  m.normalized_rows->WithLabels({"orders", "orders__items"}).Increment(2500);
  m.loaded_rows->WithLabels({"orders", "orders__items"}).Increment(2500);
  m.schema_changes->WithLabels({"orders"}).Increment();
  m.contract_violations->WithLabels({"orders", "columns", "discard_value"}).Increment(7);
  m.grpc_requests->WithLabels({"/ingestd.v1.Control/ListPipelines", "OK"}).Increment();
  m.grpc_duration->WithLabels({"/ingestd.v1.Control/ListPipelines"}).Observe(0.003);
  m.http.requests->WithLabels({"api.example.com:443", "200"}).Increment(10);
  m.http.request_duration->WithLabels({"api.example.com:443"}).Observe(0.12);
  m.http.retries->WithLabels({"api.example.com:443", "status_429"}).Increment();
  m.http.retry_wait_seconds->WithLabels({"api.example.com:443"}).Increment(2);
  m.http.rate_limit_wait_seconds->WithLabels({"api.example.com:443"}).Increment(0.5);
  m.http.response_bytes->WithLabels({"api.example.com:443"}).Increment(4096);
  m.normalize_pool.workers->WithLabels({"busy"}).Set(1);
  m.normalize_pool.workers->WithLabels({"idle"}).Set(1);
  m.normalize_pool.jobs->WithLabels({"succeeded"}).Increment(12);
  m.normalize_pool.job_duration->WithLabels({}).Observe(0.8);
  m.normalize_pool.restarts->WithLabels({}).Increment();
}

TEST(DaemonMetricsTest, RegistersEveryDocumentedFamily) {
  metrics::Registry registry;
  auto registered = DaemonMetrics::Register(registry, "1.2.3");
  ASSERT_TRUE(registered.ok()) << registered.error().ToString();
  const DaemonMetrics& m = *registered;
  EXPECT_TRUE(m.runs && m.run_duration && m.stage_duration && m.active_runs && m.queued_runs &&
              m.pending_packages && m.last_success && m.schedule_interval && m.extracted_items && m.extracted_bytes &&
              m.normalized_rows && m.loaded_rows && m.schema_changes && m.contract_violations &&
              m.grpc_requests && m.grpc_duration && m.http.requests && m.http.request_duration &&
              m.http.retries && m.http.retry_wait_seconds && m.http.rate_limit_wait_seconds &&
              m.http.response_bytes && m.normalize_pool.workers && m.normalize_pool.jobs &&
              m.normalize_pool.job_duration && m.normalize_pool.restarts);

  // name → type and label names, as docs/metrics.md lists them.
  struct Expected {
    MetricType type;
    std::vector<std::string> labels;
  };
  const std::map<std::string, Expected> expected = {
      {"ingestd_runs_total", {MetricType::kCounter, {"pipeline", "outcome"}}},
      {"ingestd_run_duration_seconds", {MetricType::kHistogram, {"pipeline"}}},
      {"ingestd_stage_duration_seconds", {MetricType::kHistogram, {"pipeline", "stage"}}},
      {"ingestd_active_runs", {MetricType::kGauge, {}}},
      {"ingestd_queued_runs", {MetricType::kGauge, {}}},
      {"ingestd_pending_packages", {MetricType::kGauge, {"pipeline"}}},
      {"ingestd_last_success_timestamp_seconds", {MetricType::kGauge, {"pipeline"}}},
      {"ingestd_pipeline_schedule_interval_seconds", {MetricType::kGauge, {"pipeline"}}},
      {"ingestd_extracted_items_total", {MetricType::kCounter, {"pipeline"}}},
      {"ingestd_extracted_bytes_total", {MetricType::kCounter, {"pipeline"}}},
      {"ingestd_normalized_rows_total", {MetricType::kCounter, {"pipeline", "table"}}},
      {"ingestd_loaded_rows_total", {MetricType::kCounter, {"pipeline", "table"}}},
      {"ingestd_schema_changes_total", {MetricType::kCounter, {"pipeline"}}},
      {"ingestd_contract_violations_total", {MetricType::kCounter, {"pipeline", "entity", "mode"}}},
      {"ingestd_grpc_requests_total", {MetricType::kCounter, {"method", "code"}}},
      {"ingestd_grpc_request_duration_seconds", {MetricType::kHistogram, {"method"}}},
      {"ingestd_http_requests_total", {MetricType::kCounter, {"host", "status"}}},
      {"ingestd_http_request_duration_seconds", {MetricType::kHistogram, {"host"}}},
      {"ingestd_http_retries_total", {MetricType::kCounter, {"host", "reason"}}},
      {"ingestd_http_retry_wait_seconds_total", {MetricType::kCounter, {"host"}}},
      {"ingestd_http_rate_limit_wait_seconds_total", {MetricType::kCounter, {"host"}}},
      {"ingestd_http_response_bytes_total", {MetricType::kCounter, {"host"}}},
      {"ingestd_normalize_workers", {MetricType::kGauge, {"state"}}},
      {"ingestd_normalize_jobs_total", {MetricType::kCounter, {"outcome"}}},
      {"ingestd_normalize_job_duration_seconds", {MetricType::kHistogram, {}}},
      {"ingestd_normalize_worker_restarts_total", {MetricType::kCounter, {}}},
      {"ingestd_build_info", {MetricType::kGauge, {"version"}}},
      {"process_cpu_seconds_total", {MetricType::kCounter, {}}},
      {"process_resident_memory_bytes", {MetricType::kGauge, {}}},
      {"process_start_time_seconds", {MetricType::kGauge, {}}},
      {"process_open_fds", {MetricType::kGauge, {}}},
  };
  const std::map<std::string, FamilySnapshot> families = CollectByName(registry);
  ASSERT_EQ(families.size(), expected.size());
  for (const auto& [name, want] : expected) {
    auto it = families.find(name);
    ASSERT_NE(it, families.end()) << name;
    EXPECT_EQ(it->second.type, want.type) << name;
    EXPECT_EQ(it->second.label_names, want.labels) << name;
    EXPECT_FALSE(it->second.help.empty()) << name;
  }

  // Run durations reach hours; gRPC durations start below a millisecond.
  EXPECT_EQ(families.at("ingestd_run_duration_seconds").bounds.front(), 0.1);
  EXPECT_GE(families.at("ingestd_run_duration_seconds").bounds.back(), 3600);
  EXPECT_LE(families.at("ingestd_grpc_request_duration_seconds").bounds.front(), 0.001);
}

TEST(DaemonMetricsTest, BuildInfoIsOneWithTheVersion) {
  metrics::Registry registry;
  ASSERT_TRUE(DaemonMetrics::Register(registry, "0.9.1-rc1").ok());
  const std::string text = metrics::RenderText(registry);
  EXPECT_NE(text.find("# TYPE ingestd_build_info gauge\ningestd_build_info{version=\"0.9.1-rc1\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(DaemonMetricsTest, RegisteringTwiceOnOneRegistryFails) {
  metrics::Registry registry;
  ASSERT_TRUE(DaemonMetrics::Register(registry, "1").ok());
  EXPECT_FALSE(DaemonMetrics::Register(registry, "1").ok());
}

TEST(DaemonMetricsTest, ProcessMetricsArePlausible) {
  metrics::Registry registry;
  ASSERT_TRUE(DaemonMetrics::Register(registry, "1").ok());
  const std::map<std::string, FamilySnapshot> families = CollectByName(registry);
  auto value = [&families](const std::string& name) {
    const FamilySnapshot& family = families.at(name);
    EXPECT_EQ(family.series.size(), 1u) << name;
    return family.series.empty() ? std::nan("") : family.series.front().value;
  };
  EXPECT_GT(value("process_resident_memory_bytes"), 0);
  EXPECT_GE(value("process_cpu_seconds_total"), 0);
  EXPECT_GE(value("process_open_fds"), 3);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const double start = value("process_start_time_seconds");
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 86400);
}

/// promtool (Debian package `prometheus`) accepts the exposition with every
/// family holding at least one series.
TEST(DaemonMetricsTest, PromtoolAcceptsEveryFamily) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  metrics::Registry registry;
  auto registered = DaemonMetrics::Register(registry, "0.1.0");
  ASSERT_TRUE(registered.ok());
  PopulateEverySeries(*registered);
  for (const auto& [name, family] : CollectByName(registry)) {
    EXPECT_FALSE(family.series.empty()) << name << " has no series: PopulateEverySeries misses it";
  }
  const std::string text = metrics::RenderText(registry);
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("ingestd_daemon_promtool_" + std::to_string(::getpid()) + ".prom");
  {
    std::ofstream out(file, std::ios::binary);
    out << text;
  }
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output << "\n" << text;
  EXPECT_EQ(output, "") << text;
}

}  // namespace
}  // namespace ingestd::server_metrics
