// A real Prometheus scrapes the daemon's /metrics: the exposition, the
// Content-Type and the HTTP server together, as deployed.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "core/extract/http/http_client.hpp"
#include "core/json/rapidjson.hpp"
#include "core/metrics/registry.hpp"
#include "server/metrics/daemon_metrics.hpp"
#include "server/metrics/metrics_http_server.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::server_metrics {
namespace {

using Clock = std::chrono::steady_clock;

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
        c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

/// One sample of an instant query's result vector.
struct Sample {
  std::map<std::string, std::string> labels;
  std::string value;
};

/// Prometheus' HTTP API through the project's HTTP client.
class PrometheusApi {
 public:
  explicit PrometheusApi(int port) : base_("http://127.0.0.1:" + std::to_string(port)) {
    extract::http::HttpClientOptions options;
    options.connect_timeout_seconds = 2;
    options.read_timeout_seconds = 5;
    options.total_timeout_seconds = 10;
    options.retry.max_attempts = 1;
    auto client = extract::http::HttpClient::Create(io_, options);
    INGESTD_CHECK(client.ok());
    client_ = std::move(client).value();
  }

  /// The body of GET `path` when the answer is 200.
  std::optional<std::string> Get(const std::string& path) {
    extract::http::HttpRequest request;
    request.url = base_ + path;
    auto response = client_->Send(std::move(request));
    if (!response.ok() || response->status != 200) return std::nullopt;
    return response->body;
  }

  /// The samples of instant query `query` (empty while Prometheus is not up
  /// yet or has no such series).
  std::vector<Sample> Query(const std::string& query) {
    std::vector<Sample> samples;
    std::optional<std::string> body = Get("/api/v1/query?query=" + PercentEncode(query));
    if (!body) return samples;
    rapidjson::Document doc;
    doc.Parse(body->data(), body->size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("data") || !doc["data"].IsObject()) return samples;
    const rapidjson::Value& data = doc["data"];
    if (!data.HasMember("result") || !data["result"].IsArray()) return samples;
    for (const rapidjson::Value& item : data["result"].GetArray()) {
      if (!item.IsObject() || !item.HasMember("metric") || !item["metric"].IsObject() || !item.HasMember("value") ||
          !item["value"].IsArray() || item["value"].Size() != 2 || !item["value"][1].IsString()) {
        continue;
      }
      Sample sample;
      for (const auto& label : item["metric"].GetObject()) {
        if (label.value.IsString()) sample.labels[label.name.GetString()] = label.value.GetString();
      }
      sample.value = item["value"][1].GetString();
      samples.push_back(std::move(sample));
    }
    return samples;
  }

  /// Polls `query` until it returns one sample whose value is `value`
  /// (any value when empty), or the deadline passes. The last samples seen.
  std::vector<Sample> WaitFor(const std::string& query, const std::string& value, Clock::time_point deadline) {
    std::vector<Sample> samples;
    for (;;) {
      samples = Query(query);
      if (samples.size() == 1 && (value.empty() || samples.front().value == value)) return samples;
      if (Clock::now() >= deadline) return samples;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

 private:
  std::string base_;
  boost::asio::io_context io_;
  std::unique_ptr<extract::http::HttpClient> client_;
};

std::string Describe(const std::vector<Sample>& samples) {
  std::string out = std::to_string(samples.size()) + " sample(s)";
  for (const Sample& sample : samples) {
    out += "\n  {";
    for (const auto& [name, value] : sample.labels) out += name + "=\"" + value + "\",";
    out += "} " + sample.value;
  }
  return out;
}

TEST(PrometheusScrapeTest, PrometheusScrapesTheMetricsEndpoint) {
  if (std::system("command -v prometheus >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "prometheus not installed (Debian package prometheus; deploy/install-deps.sh)";
  }
  // Declared first, so it is removed after Prometheus (below) is stopped.
  testing::TempDir dir("prometheus");

  metrics::Registry registry;
  auto registered = DaemonMetrics::Register(registry, "9.9.9-test");
  ASSERT_TRUE(registered.ok()) << registered.error().ToString();
  const DaemonMetrics& m = *registered;
  metrics::Counter& succeeded = m.runs->WithLabels({"orders", "succeeded"});
  succeeded.Increment(3);
  m.run_duration->WithLabels({"orders"}).Observe(0.3);
  m.run_duration->WithLabels({"orders"}).Observe(5);

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });
  struct JoinIo {
    boost::asio::io_context& io;
    std::thread& thread;
    ~JoinIo() {
      io.stop();
      thread.join();
    }
  } join_io{io, io_thread};

  auto server = MetricsHttpServer::Start(io, "127.0.0.1:0", registry, [] { return true; });
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  const std::string target = "127.0.0.1:" + std::to_string((*server)->port());

  const int prometheus_port = testing::FreeLoopbackPort();
  ASSERT_NE(prometheus_port, 0);
  const std::string config = dir.path() + "/prometheus.yml";
  testing::WriteAll(config,
                    "global:\n"
                    "  scrape_interval: 1s\n"
                    "  scrape_timeout: 1s\n"
                    "  evaluation_interval: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: ingestd\n"
                    "    static_configs:\n"
                    "      - targets: ['" +
                        target + "']\n");
  auto prometheus = testing::ChildProcess::Start(
      {"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.path() + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port), "--log.level=warn"},
      dir.path() + "/prometheus.log");
  ASSERT_TRUE(prometheus.ok()) << prometheus.error().ToString();

  PrometheusApi api(prometheus_port);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  const std::string job = "{job=\"ingestd\"}";

  std::vector<Sample> up = api.WaitFor("up" + job, "1", deadline);
  ASSERT_EQ(up.size(), 1u) << Describe(up) << "\nprometheus log:\n" << prometheus->Log();
  EXPECT_EQ(up.front().value, "1");
  EXPECT_EQ(up.front().labels["instance"], target);

  std::vector<Sample> build_info = api.WaitFor("ingestd_build_info", "1", deadline);
  ASSERT_EQ(build_info.size(), 1u) << Describe(build_info);
  EXPECT_EQ(build_info.front().labels["version"], "9.9.9-test");
  EXPECT_EQ(build_info.front().labels["job"], "ingestd");

  std::vector<Sample> runs =
      api.WaitFor("ingestd_runs_total{pipeline=\"orders\",outcome=\"succeeded\"}", "3", deadline);
  ASSERT_EQ(runs.size(), 1u) << Describe(runs);
  EXPECT_EQ(runs.front().value, "3");
  // Later scrapes see the counter move.
  succeeded.Increment(2);
  runs = api.WaitFor("ingestd_runs_total{pipeline=\"orders\",outcome=\"succeeded\"}", "5", deadline);
  ASSERT_EQ(runs.size(), 1u) << Describe(runs);
  EXPECT_EQ(runs.front().value, "5");

  std::vector<Sample> inf_bucket =
      api.WaitFor("ingestd_run_duration_seconds_bucket{pipeline=\"orders\",le=\"+Inf\"}", "2", deadline);
  ASSERT_EQ(inf_bucket.size(), 1u) << Describe(inf_bucket);
  EXPECT_EQ(inf_bucket.front().value, "2");
  std::vector<Sample> half_second =
      api.WaitFor("ingestd_run_duration_seconds_bucket{pipeline=\"orders\",le=\"0.5\"}", "1", deadline);
  ASSERT_EQ(half_second.size(), 1u) << Describe(half_second);
  EXPECT_EQ(half_second.front().value, "1");
  std::vector<Sample> count = api.WaitFor("ingestd_run_duration_seconds_count" + job, "2", deadline);
  ASSERT_EQ(count.size(), 1u) << Describe(count);
  std::vector<Sample> sum = api.WaitFor("ingestd_run_duration_seconds_sum" + job, "", deadline);
  ASSERT_EQ(sum.size(), 1u) << Describe(sum);
  EXPECT_NEAR(std::stod(sum.front().value), 5.3, 1e-9);

  std::vector<Sample> rss = api.WaitFor("process_resident_memory_bytes" + job, "", deadline);
  ASSERT_EQ(rss.size(), 1u) << Describe(rss);
  EXPECT_GT(std::stod(rss.front().value), 0);

  // The scrapes themselves went cleanly (a bad Content-Type or a parse
  // problem would show here).
  std::optional<std::string> targets = api.Get("/api/v1/targets?state=active");
  ASSERT_TRUE(targets.has_value());
  EXPECT_NE(targets->find("\"health\":\"up\""), std::string::npos) << *targets;
  EXPECT_NE(targets->find("\"lastError\":\"\""), std::string::npos) << *targets;

  const int status = prometheus->Stop();
  EXPECT_NE(status, -1);
  (*server)->Stop();
}

}  // namespace
}  // namespace ingestd::server_metrics
