// REST extraction throughput: ExtractRestApi (offset paginator with a total)
// against TestHttpServer on 127.0.0.1, sequential versus concurrent pages,
// with and without an artificial server latency. See docs/benchmarks.md.
//
// Every page is the same body, {"total": pages*100, "items": [100 records]},
// the records being GitHub-issue-shaped ones from bench/gen_issues.py (run
// at setup with seed 42, or read from INGESTD_BENCH_ISSUES, a JSONL file
// whose first 100 lines are used). INGESTD_BENCH_PAGES sets the page count
// (default 2,000) for quick runs.
//
// The server runs in this process (a thread per connection), so the
// benchmark's own CPU time would include it: cpu_us_per_page is the CPU of
// the calling thread only (CLOCK_THREAD_CPUTIME_ID), which runs the
// extraction's io_context: HTTP, JSON parse, record selection, serialization
// and the sink. proc_cpu_us_per_page is the whole process (server included).

#include <benchmark/benchmark.h>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/extract/rest/rest_source.hpp"
#include "tests/support/http_test_server.hpp"

namespace {

using namespace ingestd;
using extract::rest::ClientConfig;
using extract::rest::PaginatorConfig;
using extract::rest::RestResourceBinding;
using extract::rest::RestResourceConfig;
using extract::rest::RestSourceOptions;
using testing::TestHttpRequest;
using testing::TestHttpResponse;
using testing::TestHttpServer;

constexpr int kItemsPerPage = 100;
constexpr std::int64_t kDefaultPages = 2000;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "extract_bench: %s\n", message.c_str());
  std::exit(2);
}

std::int64_t PageCount() {
  static const std::int64_t pages = [] {
    const char* env = std::getenv("INGESTD_BENCH_PAGES");
    if (env == nullptr || *env == '\0') return kDefaultPages;
    char* end = nullptr;
    const long long n = std::strtoll(env, &end, 10);
    if (*end != '\0' || n < 1) Die(std::string("INGESTD_BENCH_PAGES must be a positive integer, got ") + env);
    return static_cast<std::int64_t>(n);
  }();
  return pages;
}

// The first kItemsPerPage lines of INGESTD_BENCH_ISSUES, or of a file
// gen_issues.py writes now.
std::vector<std::string> IssueRecords() {
  std::string path;
  bool generated = false;
  if (const char* env = std::getenv("INGESTD_BENCH_ISSUES"); env != nullptr && *env != '\0') {
    path = env;
  } else {
    path = "/tmp/ingestd_extract_bench_" + std::to_string(::getpid()) + ".jsonl";
    const std::string command = "python3 " INGESTD_SOURCE_DIR "/bench/gen_issues.py " +
                                std::to_string(kItemsPerPage) + " " + path + " --seed 42";
    if (std::system(command.c_str()) != 0) Die("failed: " + command);
    generated = true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::vector<std::string> records;
  std::string line;
  while (records.size() < kItemsPerPage && std::getline(in, line)) {
    if (!line.empty()) records.push_back(line);
  }
  if (generated) std::remove(path.c_str());
  if (records.size() < kItemsPerPage) {
    Die(path + " has " + std::to_string(records.size()) + " records, " + std::to_string(kItemsPerPage) +
        " needed");
  }
  return records;
}

// {"total": pages*100, "items": [...]}, the same for every page.
const std::string& PageBody() {
  static const std::string body = [] {
    std::string out = "{\"total\": " + std::to_string(PageCount() * kItemsPerPage) + ", \"items\": [";
    const std::vector<std::string> records = IssueRecords();
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (i > 0) out += ",";
      out += records[i];
    }
    return out + "]}";
  }();
  return body;
}

// The server's latency before each response, in milliseconds. Set only
// between runs (no request is in flight then), read by connection threads.
std::atomic<int> server_latency_ms{0};

// One server for the whole process: started on first use, stopped at exit.
TestHttpServer& Server() {
  static const std::unique_ptr<TestHttpServer> server = TestHttpServer::Start([](const TestHttpRequest& request) {
    if (!request.QueryParam("offset") || !request.QueryParam("limit")) {
      return TestHttpResponse::Status(400, "offset and limit are required");
    }
    TestHttpResponse response = TestHttpResponse::Json(PageBody());
    response.delay_seconds = server_latency_ms.load() / 1000.0;
    return response;
  });
  return *server;
}

// Counts what the extraction passes on; keeps nothing.
class CountingSink final : public extract::ItemSink {
 public:
  Status Accept(std::string_view json_item) override {
    items++;
    bytes += json_item.size();
    return OkStatus();
  }
  std::uint64_t items = 0;
  std::uint64_t bytes = 0;
};

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Args: concurrent_pages, server latency in ms.
void BM_ExtractRestOffset(benchmark::State& state) {
  const int concurrent_pages = static_cast<int>(state.range(0));
  const int latency_ms = static_cast<int>(state.range(1));
  const std::int64_t pages = PageCount();
  const std::size_t body_bytes = PageBody().size();
  TestHttpServer& server = Server();
  server_latency_ms.store(latency_ms);

  auto client = std::make_shared<ClientConfig>();
  client->base_url = server.base_url();
  client->http.host_limits.max_concurrent = std::max(1, concurrent_pages);
  client->http.accept_compressed = false;  // the server would not compress anyway
  RestResourceConfig config;
  config.client = client;
  config.endpoint.path = "issues";
  PaginatorConfig paginator;
  paginator.type = PaginatorConfig::Type::kOffset;
  paginator.limit = kItemsPerPage;  // total_path defaults to "total"
  config.endpoint.paginator = paginator;
  config.endpoint.data_selector = "items";
  config.endpoint.concurrent_pages = concurrent_pages;

  RestSourceOptions options;
  options.resolve_secret = [](const std::string& reference) -> Result<std::string> { return reference; };

  double wall = 0;
  double thread_cpu = 0;
  double process_cpu = 0;
  std::uint64_t total_pages = 0;
  std::uint64_t total_items = 0;
  std::uint64_t item_bytes = 0;
  for (auto _ : state) {
    CountingSink sink;
    const std::vector<RestResourceBinding> bindings{{"issues", &config, &sink, nullptr}};
    server.ClearRequests();
    const auto start = std::chrono::steady_clock::now();
    const double thread_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    const double process_start = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    auto stats = extract::rest::ExtractRestApi(bindings, options, {});
    thread_cpu += CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - thread_start;
    process_cpu += CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_start;
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!stats.ok()) {
      state.SkipWithError(stats.error().message().c_str());
      return;
    }
    const std::uint64_t run_pages = stats->empty() ? 0 : stats->front().pages;
    if (run_pages != static_cast<std::uint64_t>(pages) || sink.items != run_pages * kItemsPerPage) {
      state.SkipWithError("wrong page or item count");
      return;
    }
    total_pages += run_pages;
    total_items += sink.items;
    item_bytes += sink.bytes;
  }
  const auto pages_d = static_cast<double>(total_pages);
  state.counters["pages_per_s"] = pages_d / wall;
  state.counters["items_per_s"] = static_cast<double>(total_items) / wall;
  state.counters["body_MB_per_s"] = pages_d * static_cast<double>(body_bytes) / wall / 1e6;
  state.counters["cpu_us_per_page"] = thread_cpu / pages_d * 1e6;
  state.counters["proc_cpu_us_per_page"] = process_cpu / pages_d * 1e6;
  state.counters["item_bytes_per_page"] = static_cast<double>(item_bytes) / pages_d;
}
BENCHMARK(BM_ExtractRestOffset)
    ->ArgNames({"concurrent_pages", "latency_ms"})
    ->ArgsProduct({{1, 2, 4, 8}, {0, 10}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
