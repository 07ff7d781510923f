// Control plane: gRPC calls against a real `ingestd serve` child process
// (tests/support/daemon_process.hpp) on 127.0.0.1, authentication off, data
// directory under /tmp. See docs/benchmarks.md, "Control plane".
//
// - BM_GetRun / BM_ListRuns: unary call throughput with 1, 4 and 16 client
//   threads, each thread on its own channel (its own TCP connection), or
//   all threads on one shared channel (shared:1). The catalog is seeded
//   first with INGESTD_BENCH_SEED_RUNS (default 200) finished runs of tiny
//   files → SQLite pipelines. items_per_second is calls/s over all threads;
//   daemon_cpu_us_per_call is the daemon process's CPU (utime + stime from
//   /proc/<pid>/stat) per call, client_cpu_us_per_call this process's.
// - BM_RunWithWatchers/N: one run of a files → SQLite pipeline over
//   INGESTD_BENCH_WATCH_RECORDS (default 50,000) small records, with N
//   WatchRun streams (callback API, one channel each) following it to its
//   end. The time is the client's wall time from StartRun until the run is
//   finished and every stream closed; daemon_cpu_s is the daemon's CPU over
//   that interval (the overhead of N watchers is the difference to N = 0).
//
// The daemon is started once per benchmark process, on first use, and
// stopped (SIGTERM) at exit. DaemonProcess sets PR_SET_PDEATHSIG, which fires
// when the *thread* that forked exits, so the daemon is started and stopped
// by a keeper thread that lives as long as the daemon.

#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "ingestd/v1/control.grpc.pb.h"
#include "tests/support/daemon_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace v1 = ingestd::v1;
using ingestd::testing::DaemonProcess;
using ingestd::testing::TempDir;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "control_plane_bench: %s\n", message.c_str());
  std::exit(2);
}

int EnvInt(const char* name, int fallback) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == '\0') return fallback;
  char* end = nullptr;
  const long n = std::strtol(env, &end, 10);
  if (*end != '\0' || n < 1) Die(std::string(name) + " must be a positive integer, got " + env);
  return static_cast<int>(n);
}

double Seconds(const google::protobuf::Timestamp& t) {
  return static_cast<double>(t.seconds()) + static_cast<double>(t.nanos()) * 1e-9;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<grpc::ClientContext> Context(double seconds = 60) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(seconds)));
  return context;
}

bool Terminal(v1::RunStatus status) {
  return status == v1::RUN_STATUS_SUCCEEDED || status == v1::RUN_STATUS_FAILED || status == v1::RUN_STATUS_CANCELLED;
}

// utime + stime of a process, in seconds (clock-tick resolution, 10 ms).
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) Die("cannot read /proc/" + std::to_string(pid) + "/stat");
  // Fields after the command: state (field 3), ..., utime (14), stime (15).
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14 || n == 15) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// This process's CPU (all threads, gRPC's included).
double SelfCpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

// ---------------------------------------------------------------- daemon

// One `ingestd serve` for the whole process: started on first use, stopped
// at exit (a function-local static's destructor).
class BenchDaemon {
 public:
  BenchDaemon() {
    keeper_ = std::thread([this] {
      DaemonProcess::Options options;
      options.binary = INGESTD_BINARY;
      options.data_dir = dir_.path() + "/data";
      // The seeding queues every run at once.
      options.extra_args = {"--max-queued-runs", "10000"};
      const bool started = daemon_.Start(options);
      std::unique_lock lock(mutex_);
      started_ = started;
      ready_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return stop_; });
      lock.unlock();
      daemon_.Stop(60);
    });
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return ready_; });
    if (!started_) {
      const std::string log = daemon_.log();
      lock.unlock();
      Shutdown();
      Die("ingestd serve did not start (" INGESTD_BINARY "):\n" + log);
    }
  }
  ~BenchDaemon() { Shutdown(); }
  BenchDaemon(const BenchDaemon&) = delete;
  BenchDaemon& operator=(const BenchDaemon&) = delete;

  const std::string& address() const { return daemon_.grpc_address(); }
  pid_t pid() const { return daemon_.pid(); }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

 private:
  void Shutdown() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (keeper_.joinable()) keeper_.join();
  }

  TempDir dir_{"control_plane_bench"};
  DaemonProcess daemon_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool ready_ = false;
  bool started_ = false;
  bool stop_ = false;
  std::thread keeper_;
};

BenchDaemon& Daemon() {
  static BenchDaemon daemon;
  return daemon;
}

// A channel with its own TCP connection: gRPC shares one subchannel (one
// connection) between channels with equal arguments unless told otherwise.
std::shared_ptr<grpc::Channel> NewChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(Daemon().address(), grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30))) {
    Die("cannot connect to the daemon at " + Daemon().address());
  }
  return channel;
}

// Shared by every thread of the shared:1 cases; never destroyed (gRPC
// objects are not torn down in static destructors).
const std::shared_ptr<grpc::Channel>& SharedChannel() {
  static const auto* channel = new std::shared_ptr<grpc::Channel>(NewChannel());
  return *channel;
}

void Apply(v1::Control::Stub& stub, const std::string& spec) {
  v1::ApplyPipelineRequest request;
  request.set_spec_json(spec);
  v1::ApplyPipelineResponse response;
  const grpc::Status s = stub.ApplyPipeline(Context().get(), request, &response);
  if (!s.ok()) Die("ApplyPipeline: " + s.error_message() + "\n" + spec);
}

std::string StartRun(v1::Control::Stub& stub, const std::string& pipeline) {
  v1::StartRunRequest request;
  request.set_pipeline(pipeline);
  request.set_on_active(v1::ON_ACTIVE_QUEUE);
  v1::StartRunResponse response;
  const grpc::Status s = stub.StartRun(Context().get(), request, &response);
  if (!s.ok()) Die("StartRun " + pipeline + ": " + s.error_message());
  return response.run().run_id();
}

v1::Run GetRun(v1::Control::Stub& stub, const std::string& run_id) {
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  v1::Run run;
  const grpc::Status s = stub.GetRun(Context().get(), request, &run);
  if (!s.ok()) Die("GetRun " + run_id + ": " + s.error_message());
  return run;
}

// Polls GetRun every `interval` until the run is finished.
v1::Run WaitFinished(v1::Control::Stub& stub, const std::string& run_id, std::chrono::milliseconds interval,
                     double timeout_seconds = 600) {
  const auto start = Clock::now();
  while (true) {
    v1::Run run = GetRun(stub, run_id);
    if (Terminal(run.status())) return run;
    if (SecondsSince(start) > timeout_seconds) Die("run " + run_id + " did not finish in time");
    std::this_thread::sleep_for(interval);
  }
}

std::string FilesSpec(const std::string& name, const std::string& file, const std::string& disposition) {
  return R"({"name": ")" + name + R"(", "resources": [{"name": "items", "write_disposition": ")" + disposition +
         R"(", "source": {"kind": "files", "paths": [")" + file + R"("]}}]})";
}

// `count` small records (about 90 bytes of JSON each).
void WriteRecords(const std::string& path, int count) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (int i = 0; i < count; ++i) {
    out << R"({"id": )" << i << R"(, "name": "record )" << i << R"(", "value": )" << i * 0.5
        << R"(, "flag": )" << (i % 2 == 0 ? "true" : "false") << R"(, "tag": "t)" << i % 16 << "\"}\n";
  }
  if (!out) Die("cannot write " + path);
}

// ---------------------------------------------------------------- seeding

constexpr int kSeedPipelines = 4;

// The seeded catalog: INGESTD_BENCH_SEED_RUNS finished runs over
// kSeedPipelines tiny pipelines (one run at a time per pipeline, two at a
// time in the daemon, its default).
const std::vector<std::string>& SeededRunIds() {
  static const std::vector<std::string> ids = [] {
    const int runs = EnvInt("INGESTD_BENCH_SEED_RUNS", 200);
    BenchDaemon& daemon = Daemon();
    auto stub = v1::Control::NewStub(NewChannel());
    const std::string file = daemon.Path("tiny.jsonl");
    WriteRecords(file, 5);
    for (int p = 0; p < kSeedPipelines; ++p) Apply(*stub, FilesSpec("tiny_" + std::to_string(p), file, "append"));
    const auto start = Clock::now();
    std::vector<std::string> started;
    for (int i = 0; i < runs; ++i) started.push_back(StartRun(*stub, "tiny_" + std::to_string(i % kSeedPipelines)));
    int succeeded = 0;
    for (const std::string& id : started) {
      const v1::Run run = WaitFinished(*stub, id, std::chrono::milliseconds(50));
      if (run.status() != v1::RUN_STATUS_SUCCEEDED) Die("seed run " + id + " failed: " + run.error().message());
      succeeded++;
    }
    std::fprintf(stderr, "control_plane_bench: seeded %d runs in %.1f s (%.1f runs/s end to end)\n", succeeded,
                 SecondsSince(start), succeeded / SecondsSince(start));
    return started;
  }();
  return ids;
}

// ---------------------------------------------------------------- unary calls

// Shared by the GetRun and ListRuns loops: the channel, and the daemon and
// client CPU around the timed loop. Thread 0 reads them when its first
// iteration starts (after the start barrier: every thread's channel is
// connected by then) and after the loop (after the stop barrier: every
// thread's calls are done).
template <typename Call>
void UnaryCalls(benchmark::State& state, Call call) {
  SeededRunIds();
  const bool shared = state.range(0) != 0;
  const std::shared_ptr<grpc::Channel> channel = shared ? SharedChannel() : NewChannel();
  auto stub = v1::Control::NewStub(channel);
  const pid_t pid = Daemon().pid();
  bool first = state.thread_index() == 0;
  double daemon_cpu = 0;
  double client_cpu = 0;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    if (first) {
      daemon_cpu = ProcessCpuSeconds(pid);
      client_cpu = SelfCpuSeconds();
      first = false;
    }
    const grpc::Status s = call(*stub, i++);
    if (!s.ok()) {
      state.SkipWithError(("call failed: " + s.error_message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    daemon_cpu = ProcessCpuSeconds(pid) - daemon_cpu;
    client_cpu = SelfCpuSeconds() - client_cpu;
    const double calls = static_cast<double>(state.iterations()) * state.threads();
    // Only thread 0 sets these: thread counters are summed.
    state.counters["daemon_cpu_us_per_call"] = daemon_cpu / calls * 1e6;
    state.counters["client_cpu_us_per_call"] = client_cpu / calls * 1e6;
  }
}

void BM_GetRun(benchmark::State& state) {
  const std::vector<std::string>& ids = SeededRunIds();
  v1::GetRunRequest request;
  v1::Run run;
  std::size_t bytes = 0;
  UnaryCalls(state, [&](v1::Control::Stub& stub, std::size_t i) {
    request.set_run_id(ids[i % ids.size()]);
    grpc::ClientContext context;
    grpc::Status s = stub.GetRun(&context, request, &run);
    if (s.ok() && bytes == 0) bytes = run.ByteSizeLong();
    return s;
  });
  if (state.thread_index() == 0) state.counters["response_bytes"] = static_cast<double>(bytes);
}

void BM_ListRuns(benchmark::State& state) {
  // A full page, unless fewer runs were seeded.
  const int expected = static_cast<int>(std::min<std::size_t>(50, SeededRunIds().size()));
  v1::ListRunsRequest request;
  request.set_page_size(50);
  v1::ListRunsResponse response;
  std::size_t bytes = 0;
  UnaryCalls(state, [&](v1::Control::Stub& stub, std::size_t) {
    grpc::ClientContext context;
    grpc::Status s = stub.ListRuns(&context, request, &response);
    if (s.ok() && response.runs_size() < expected) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "ListRuns returned " + std::to_string(response.runs_size()) +
                                                          " runs, " + std::to_string(expected) + " expected");
    }
    if (s.ok() && bytes == 0) bytes = response.ByteSizeLong();
    return s;
  });
  if (state.thread_index() == 0) state.counters["response_bytes"] = static_cast<double>(bytes);
}

BENCHMARK(BM_GetRun)->ArgName("shared")->Arg(0)->Arg(1)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();
BENCHMARK(BM_ListRuns)->ArgName("shared")->Arg(0)->Arg(1)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

// ---------------------------------------------------------------- WatchRun

constexpr char kWatchedPipeline[] = "watched";

// The watched pipeline, applied and run once (schema and table created).
void PrepareWatchedPipeline(v1::Control::Stub& stub) {
  static const bool prepared = [&stub] {
    const int records = EnvInt("INGESTD_BENCH_WATCH_RECORDS", 50000);
    const std::string file = Daemon().Path("watched.jsonl");
    WriteRecords(file, records);
    Apply(stub, FilesSpec(kWatchedPipeline, file, "replace"));
    const auto start = Clock::now();
    const v1::Run run = WaitFinished(stub, StartRun(stub, kWatchedPipeline), std::chrono::milliseconds(50));
    if (run.status() != v1::RUN_STATUS_SUCCEEDED) Die("warm-up run failed: " + run.error().message());
    std::fprintf(stderr, "control_plane_bench: %d records, warm-up run %.2f s, %llu rows loaded\n", records,
                 SecondsSince(start), static_cast<unsigned long long>(run.summary().rows_loaded()));
    return true;
  }();
  (void)prepared;
}

// One WatchRun stream on the callback API: reads to the end, counts events.
class Watcher final : public grpc::ClientReadReactor<v1::RunEvent> {
 public:
  Watcher(v1::Control::Stub& stub, const std::string& run_id, std::mutex& mutex, std::condition_variable& cv,
          int& open)
      : mutex_(mutex), cv_(cv), open_(open) {
    request_.set_run_id(run_id);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    stub.async()->WatchRun(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    events_++;
    if (event_.has_progress()) progress_events_++;
    if (event_.has_finished()) saw_finished_ = true;
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard lock(mutex_);
    status_ = status;
    open_--;
    cv_.notify_all();
  }
  // Valid after OnDone.
  const grpc::Status& status() const { return status_; }
  int events() const { return events_; }
  int progress_events() const { return progress_events_; }
  bool saw_finished() const { return saw_finished_; }

 private:
  std::mutex& mutex_;
  std::condition_variable& cv_;
  int& open_;
  grpc::ClientContext context_;
  v1::WatchRunRequest request_;
  v1::RunEvent event_;
  int events_ = 0;
  int progress_events_ = 0;
  bool saw_finished_ = false;
  grpc::Status status_;
};

void BM_RunWithWatchers(benchmark::State& state) {
  const int watchers = static_cast<int>(state.range(0));
  auto stub = v1::Control::NewStub(NewChannel());
  PrepareWatchedPipeline(*stub);
  // One channel (connection) per watcher, connected before the clock runs.
  std::vector<std::unique_ptr<v1::Control::Stub>> watcher_stubs;
  for (int w = 0; w < watchers; ++w) watcher_stubs.push_back(v1::Control::NewStub(NewChannel()));
  const pid_t pid = Daemon().pid();

  double daemon_cpu_total = 0;
  double client_cpu_total = 0;
  double run_seconds_total = 0;
  double events_total = 0;
  double progress_total = 0;
  double stage_seconds[3] = {0, 0, 0};
  for (auto _ : state) {
    const double daemon_cpu = ProcessCpuSeconds(pid);
    const double client_cpu = SelfCpuSeconds();
    const auto start = Clock::now();

    const std::string run_id = StartRun(*stub, kWatchedPipeline);
    std::mutex mutex;
    std::condition_variable cv;
    int open = watchers;
    std::vector<std::unique_ptr<Watcher>> streams;
    for (int w = 0; w < watchers; ++w) {
      streams.push_back(std::make_unique<Watcher>(*watcher_stubs[static_cast<std::size_t>(w)], run_id, mutex, cv,
                                                  open));
    }
    // The same GetRun polling (20 calls/s) in every case, watchers or not.
    const v1::Run run = WaitFinished(*stub, run_id, std::chrono::milliseconds(50));
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return open == 0; });
    }

    const double wall = SecondsSince(start);
    daemon_cpu_total += ProcessCpuSeconds(pid) - daemon_cpu;
    client_cpu_total += SelfCpuSeconds() - client_cpu;
    state.SetIterationTime(wall);

    if (run.status() != v1::RUN_STATUS_SUCCEEDED) {
      state.SkipWithError(("run failed: " + run.error().message()).c_str());
      break;
    }
    run_seconds_total += Seconds(run.finished_at()) - Seconds(run.started_at());
    for (const v1::PackageSummary& package : run.summary().packages()) {
      stage_seconds[0] += package.times().extract_seconds();
      stage_seconds[1] += package.times().normalize_seconds();
      stage_seconds[2] += package.times().load_seconds();
    }
    for (const auto& w : streams) {
      if (!w->status().ok() || !w->saw_finished()) {
        state.SkipWithError(("WatchRun: " + w->status().error_message() + (w->saw_finished() ? "" : " (no RunFinished)"))
                                .c_str());
        break;
      }
      events_total += w->events();
      progress_total += w->progress_events();
    }
  }
  const double n = static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
  state.counters["daemon_cpu_s"] = daemon_cpu_total / n;
  state.counters["client_cpu_s"] = client_cpu_total / n;
  state.counters["run_s"] = run_seconds_total / n;
  state.counters["extract_s"] = stage_seconds[0] / n;
  state.counters["normalize_s"] = stage_seconds[1] / n;
  state.counters["load_s"] = stage_seconds[2] / n;
  if (watchers > 0) {
    state.counters["events_per_watcher"] = events_total / n / watchers;
    state.counters["progress_per_watcher"] = progress_total / n / watchers;
  }
}

BENCHMARK(BM_RunWithWatchers)
    ->ArgName("watchers")
    ->Arg(0)
    ->Arg(1)
    ->Arg(100)
    ->Iterations(5)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
