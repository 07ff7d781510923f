// The normalize worker pool with real worker processes (`ingestd
// normalize-worker`): results equal in-process normalization, sessions share
// workers, a killed worker's job is retried, a memory-hungry job fails alone,
// workers never outlive their parent, and a stop cancels promptly.

#include "core/workers/normalize_worker_pool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics/registry.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/schema_json.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd::workers {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// The orphan test runs this binary again with this variable set; the helper
// test then holds a pool until it is killed.
constexpr const char* kHelperPidsFileVar = "INGESTD_POOL_HELPER_PIDS_FILE";

std::vector<std::string> WorkerCommand() { return {INGESTD_BINARY, "normalize-worker"}; }

struct PoolMetrics {
  metrics::Registry registry;
  WorkerPoolMetrics families;
  PoolMetrics() {
    families.workers = *registry.AddGauge("ingestd_normalize_workers", "workers", {"state"});
    families.jobs = *registry.AddCounter("ingestd_normalize_jobs_total", "jobs", {"outcome"});
    families.job_duration =
        *registry.AddHistogram("ingestd_normalize_job_duration_seconds", "duration", {}, {0.01, 0.1, 1, 10});
    families.restarts = *registry.AddCounter("ingestd_normalize_worker_restarts_total", "restarts", {});
  }
  double restarts() { return families.restarts->WithLabels({}).value(); }
  double jobs(const std::string& outcome) { return families.jobs->WithLabels({outcome}).value(); }
  double busy() { return families.workers->WithLabels({"busy"}).value(); }
};

// Items with a nested list, `padding` bytes of text each.
void WriteItems(const std::string& path, int first_id, int count, std::size_t padding = 40) {
  std::ofstream out(path, std::ios::binary);
  const std::string pad(padding, 'p');
  for (int i = first_id; i < first_id + count; ++i) {
    out << "{\"id\": " << i << ", \"name\": \"item " << i << "\", \"score\": " << i * 0.5 << ", \"pad\": \"" << pad
        << "\", \"tags\": [\"a\", \"b" << i % 7 << "\"], \"nested\": {\"x\": " << i % 3 << "}}\n";
  }
}

class NormalizeWorkerPoolTest : public ::testing::Test {
 protected:
  // A large input (about 25 MB) shared by the tests that need a job that
  // runs long enough to be killed or cancelled.
  static void SetUpTestSuite() {
    shared_dir_ = std::make_unique<testing::TempDir>("worker_pool_shared");
    large_input_ = shared_dir_->path() + "/large.jsonl";
    WriteItems(large_input_, 1, 120'000, 80);
  }
  static void TearDownTestSuite() {
    shared_dir_.reset();
  }

  NormalizeWorkerPoolTest() : dir_("worker_pool") {
    fs::create_directories(dir_.path() + "/normalized");
    fs::create_directories(dir_.path() + "/inprocess/normalized");
    schema_json_ = schema::SchemaToJson(schema::Schema::CreateDefault("test"));
  }

  NormalizeJob Job(std::uint64_t id, const std::string& input, const std::string& output_dir) const {
    NormalizeJob job;
    job.id = id;
    job.input_path = input;
    job.root_table = "items";
    job.output_dir = output_dir;
    job.file_tag = "j" + std::to_string(id);
    job.schema_json = schema_json_;
    job.load_id = "1700000000.25";
    job.max_identifier_length = 63;
    job.row_id_seed = 1234 + id;
    job.now_unix_seconds = 1700000000.25;
    return job;
  }
  NormalizeJob Job(std::uint64_t id, const std::string& input) const {
    return Job(id, input, dir_.path() + "/normalized");
  }

  std::unique_ptr<NormalizeWorkerPool> MakePool(std::size_t size, std::uint64_t memory_limit_bytes = 0) {
    WorkerPoolOptions options;
    options.command = WorkerCommand();
    options.size = size;
    options.memory_limit_bytes = memory_limit_bytes;
    options.metrics = metrics_.families;
    auto pool = NormalizeWorkerPool::Create(std::move(options));
    EXPECT_TRUE(pool.ok()) << pool.error().ToString();
    return pool.ok() ? std::move(pool).value() : nullptr;
  }

  // Every outcome of the session, by job id (errors keyed by submit order
  // are not needed here: each test knows which job fails).
  static std::vector<Result<NormalizeJobResult>> Drain(NormalizeWorkerPool::Session& session) {
    std::vector<Result<NormalizeJobResult>> out;
    while (true) {
      auto next = session.Next();
      EXPECT_TRUE(next.ok()) << next.error().ToString();
      if (!next.ok() || !*next) break;
      out.push_back(std::move((*next)->result));
    }
    return out;
  }

  // Waits until a worker is busy (the job was sent), then `delay` more.
  void WaitBusy(std::chrono::milliseconds delay) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (metrics_.busy() < 1 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(delay);
  }

  static std::unique_ptr<testing::TempDir> shared_dir_;
  static std::string large_input_;
  testing::TempDir dir_;
  std::string schema_json_;
  PoolMetrics metrics_;
};

std::unique_ptr<testing::TempDir> NormalizeWorkerPoolTest::shared_dir_;
std::string NormalizeWorkerPoolTest::large_input_;

TEST_F(NormalizeWorkerPoolTest, ManyJobsOverTwoWorkersMatchInProcessResults) {
  auto pool = MakePool(2);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->size(), 2u);
  EXPECT_EQ(pool->worker_pids().size(), 2u);
  constexpr int kJobs = 10;
  auto session = pool->OpenSession();
  for (int i = 0; i < kJobs; ++i) {
    const std::string input = dir_.path() + "/in" + std::to_string(i) + ".jsonl";
    WriteItems(input, i * 1000, 300 + i * 20);
    session.Submit(Job(static_cast<std::uint64_t>(i), input));
  }
  EXPECT_EQ(session.pending(), static_cast<std::size_t>(kJobs));
  auto outcomes = Drain(session);
  ASSERT_EQ(outcomes.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(session.pending(), 0u);

  std::map<std::uint64_t, NormalizeJobResult> by_id;
  for (auto& o : outcomes) {
    ASSERT_TRUE(o.ok()) << o.error().ToString();
    by_id.emplace(o->id, std::move(*o));
  }
  ASSERT_EQ(by_id.size(), static_cast<std::size_t>(kJobs));
  for (int i = 0; i < kJobs; ++i) {
    const std::string input = dir_.path() + "/in" + std::to_string(i) + ".jsonl";
    auto local = RunNormalizeJob(Job(static_cast<std::uint64_t>(i), input, dir_.path() + "/inprocess/normalized"));
    ASSERT_TRUE(local.ok()) << local.error().ToString();
    const NormalizeJobResult& remote = by_id.at(static_cast<std::uint64_t>(i));
    EXPECT_EQ(remote.tables, local->tables);
    EXPECT_EQ(remote.items, local->items);
    EXPECT_EQ(remote.rows, local->rows);
    EXPECT_EQ(remote.bytes, local->bytes);
    ASSERT_EQ(remote.update.tables.size(), local->update.tables.size());
    for (std::size_t t = 0; t < remote.update.tables.size(); ++t) {
      EXPECT_TRUE(remote.update.tables[t] == local->update.tables[t]);
    }
    // Same bytes in every load file: the job is deterministic.
    for (const package::TableFiles& files : remote.tables) {
      for (const std::string& f : files.files) {
        EXPECT_EQ(testing::ReadAll(dir_.path() + "/" + f), testing::ReadAll(dir_.path() + "/inprocess/" + f)) << f;
      }
    }
  }
  EXPECT_EQ(metrics_.jobs("succeeded"), kJobs);
  EXPECT_EQ(metrics_.restarts(), 0);
}

TEST_F(NormalizeWorkerPoolTest, TwoSessionsOnTwoThreadsBothComplete) {
  auto pool = MakePool(2);
  ASSERT_NE(pool, nullptr);
  std::atomic<int> succeeded{0};
  auto run = [&](int base) {
    auto session = pool->OpenSession();
    for (int i = 0; i < 6; ++i) {
      const std::string input = dir_.path() + "/s" + std::to_string(base + i) + ".jsonl";
      WriteItems(input, base + i, 200);
      session.Submit(Job(static_cast<std::uint64_t>(base + i), input));
    }
    for (auto& o : Drain(session)) {
      EXPECT_TRUE(o.ok()) << o.error().ToString();
      if (o.ok()) ++succeeded;
    }
  };
  std::thread a(run, 100);
  std::thread b(run, 200);
  a.join();
  b.join();
  EXPECT_EQ(succeeded.load(), 12);
}

TEST_F(NormalizeWorkerPoolTest, KilledWorkerJobIsRetriedInAFreshWorker) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  const pid_t first = pool->worker_pids().at(0);
  auto session = pool->OpenSession();
  session.Submit(Job(1, large_input_));
  std::thread killer([&] {
    WaitBusy(std::chrono::milliseconds(50));
    ::kill(first, SIGKILL);
  });
  auto next = session.Next();
  killer.join();
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  ASSERT_TRUE(next->has_value());
  const auto& outcome = (*next)->result;
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->items, 120'000u);
  EXPECT_EQ(metrics_.restarts(), 1);
  EXPECT_EQ(metrics_.jobs("retried"), 1);
  EXPECT_EQ(metrics_.jobs("succeeded"), 1);
  ASSERT_EQ(pool->worker_pids().size(), 1u);
  EXPECT_NE(pool->worker_pids().at(0), first);
}

// Virtual memory size of a process (VmSize), in bytes.
std::uint64_t VmSizeBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  }
  return 0;
}

TEST_F(NormalizeWorkerPoolTest, JobAboveTheMemoryLimitFailsAloneAndThePoolGoesOn) {
  // The limit is what a worker maps at rest plus 96 MiB, so the test does
  // not depend on the size of the binary; one 160 MB line cannot fit.
  std::uint64_t baseline = 0;
  {
    auto probe = MakePool(1);
    ASSERT_NE(probe, nullptr);
    baseline = VmSizeBytes(probe->worker_pids().at(0));
  }
  ASSERT_GT(baseline, 0u);
  const std::uint64_t limit = ((baseline >> 20) + 96) << 20;
  auto pool = MakePool(1, limit);
  ASSERT_NE(pool, nullptr);
  const std::string huge = dir_.path() + "/huge.jsonl";
  {
    std::ofstream out(huge, std::ios::binary);
    out << "{\"id\": 1, \"blob\": \"";
    const std::string chunk(1 << 20, 'z');
    for (int i = 0; i < 160; ++i) out << chunk;
    out << "\"}\n";
  }
  auto session = pool->OpenSession();
  session.Submit(Job(1, huge));
  auto next = session.Next();
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->id, 1u);
  const auto& outcome = (*next)->result;
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(outcome.error().message(), HasSubstr(huge));
  EXPECT_THAT(outcome.error().message(),
              HasSubstr("exceeded the worker memory limit of " + std::to_string(limit >> 20) + " MiB"));
  EXPECT_EQ(metrics_.restarts(), 2);

  const std::string small = dir_.path() + "/small.jsonl";
  WriteItems(small, 1, 50);
  session.Submit(Job(2, small));
  auto after = session.Next();
  ASSERT_TRUE(after.ok()) << after.error().ToString();
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->id, 2u);
  ASSERT_TRUE((*after)->result.ok()) << (*after)->result.error().ToString();
  EXPECT_EQ((*after)->result->rows, 150u);
}

TEST_F(NormalizeWorkerPoolTest, StopCancelsPromptlyAndThePoolStaysUsable) {
  auto pool = MakePool(1);
  ASSERT_NE(pool, nullptr);
  const pid_t first = pool->worker_pids().at(0);
  {
    auto session = pool->OpenSession();
    session.Submit(Job(1, large_input_));
    session.Submit(Job(2, large_input_));
    std::stop_source stop;
    Clock::time_point stopped_at;
    std::thread stopper([&] {
      WaitBusy(std::chrono::milliseconds(20));
      stopped_at = Clock::now();
      stop.request_stop();
    });
    auto next = session.Next(stop.get_token());
    const auto returned_at = Clock::now();
    stopper.join();
    ASSERT_FALSE(next.ok());
    EXPECT_EQ(next.error().code(), ErrorCode::kCancelled);
    EXPECT_LT(returned_at - stopped_at, std::chrono::seconds(2));
    EXPECT_EQ(session.pending(), 0u);
  }
  // The busy worker was replaced, not left running the abandoned job.
  EXPECT_EQ(metrics_.busy(), 0);
  ASSERT_EQ(pool->worker_pids().size(), 1u);
  EXPECT_NE(pool->worker_pids().at(0), first);
  auto session = pool->OpenSession();
  const std::string small = dir_.path() + "/after.jsonl";
  WriteItems(small, 1, 10);
  session.Submit(Job(3, small));
  auto outcomes = Drain(session);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].ok()) << outcomes[0].error().ToString();
}

bool ProcessGone(pid_t pid) {
  // A reparented worker that exited may linger as a zombie until init reaps
  // it; it is gone for our purpose.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string all((std::istreambuf_iterator<char>(stat)), {});
  const std::size_t close = all.rfind(')');
  return close != std::string::npos && close + 2 < all.size() && all[close + 2] == 'Z';
}

TEST_F(NormalizeWorkerPoolTest, WorkersExitWhenTheirParentIsKilled) {
  const std::string pids_file = dir_.path() + "/pids";
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  ::setenv(kHelperPidsFileVar, pids_file.c_str(), 1);
  auto helper = testing::ChildProcess::Start(
      {self, "--gtest_filter=NormalizeWorkerPoolHelper.HoldPoolUntilKilled"}, dir_.path() + "/helper.log");
  ::unsetenv(kHelperPidsFileVar);
  ASSERT_TRUE(helper.ok()) << helper.error().ToString();
  std::vector<pid_t> pids;
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (pids.size() < 2 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(pids_file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (text.find("end") == std::string::npos) continue;
    std::istringstream words(text);
    pids.clear();
    for (pid_t p; words >> p;) pids.push_back(p);
  }
  ASSERT_EQ(pids.size(), 2u) << helper->Log();
  for (pid_t p : pids) EXPECT_FALSE(ProcessGone(p));
  ::kill(helper->pid(), SIGKILL);
  helper->Stop();
  const auto gone_deadline = Clock::now() + std::chrono::seconds(5);
  for (pid_t p : pids) {
    while (!ProcessGone(p) && Clock::now() < gone_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(ProcessGone(p)) << "worker " << p << " outlived its parent";
  }
}

// Not a test of its own: the body of the orphan test's child process.
TEST(NormalizeWorkerPoolHelper, HoldPoolUntilKilled) {
  const char* pids_file = std::getenv(kHelperPidsFileVar);
  if (pids_file == nullptr) GTEST_SKIP() << "helper for WorkersExitWhenTheirParentIsKilled";
  WorkerPoolOptions options;
  options.command = WorkerCommand();
  options.size = 2;
  auto pool = NormalizeWorkerPool::Create(std::move(options));
  ASSERT_TRUE(pool.ok()) << pool.error().ToString();
  {
    std::ofstream out(pids_file);
    for (pid_t p : (*pool)->worker_pids()) out << p << ' ';
    out << "end\n";
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));
}

}  // namespace
}  // namespace ingestd::workers
