#include "server/scheduler/scheduler.hpp"

#include <chrono>
#include <limits>
#include <map>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/common/log.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/schedule/schedule.hpp"

namespace ingestd::scheduler {

namespace asio = boost::asio;

struct Scheduler::Impl : std::enable_shared_from_this<Scheduler::Impl> {
  struct Entry {
    schedule::Schedule schedule;
    double next_at = 0;
    std::uint64_t generation = 0;
    std::unique_ptr<asio::steady_timer> timer;
  };

  Impl(catalog::Catalog& c, runs::RunManager& r, asio::io_context& i, asio::thread_pool& b, std::function<double()> n,
       metrics::Family<metrics::Gauge>* g)
      : catalog(c), runs(r), io(i), blocking(b), now(std::move(n)), interval_gauge(g) {}

  catalog::Catalog& catalog;
  runs::RunManager& runs;
  asio::io_context& io;
  asio::thread_pool& blocking;
  std::function<double()> now;
  metrics::Family<metrics::Gauge>* interval_gauge;

  // Series are never removed from a family, so a pipeline without a
  // schedule reads NaN (no alert compares true against it).
  void SetInterval(std::string_view name, double seconds) {
    if (interval_gauge != nullptr) interval_gauge->WithLabels({std::string(name)}).Set(seconds);
  }

  mutable std::mutex mu;
  bool stopped = false;
  std::uint64_t next_generation = 1;
  std::map<std::string, Entry, std::less<>> entries;

  // Arms the entry's timer for its next_at. Call with `mu` held.
  void ArmLocked(const std::string& name, Entry& entry) {
    entry.timer = std::make_unique<asio::steady_timer>(io);
    const double wait = std::max(0.0, entry.next_at - now());
    entry.timer->expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(wait)));
    std::weak_ptr<Impl> weak = shared_from_this();
    const std::uint64_t generation = entry.generation;
    entry.timer->async_wait([weak, name, generation](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: re-armed, removed or stopped
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->blocking, [self, name, generation] { self->Fire(name, generation); });
    });
  }

  void Fire(const std::string& name, std::uint64_t generation) {
    {
      std::lock_guard lock(mu);
      auto it = entries.find(name);
      if (stopped || it == entries.end() || it->second.generation != generation) return;
      // Steady timers can wake a little early relative to the wall clock.
      if (now() + 0.5 < it->second.next_at) {
        ArmLocked(name, it->second);
        return;
      }
    }
    runs::StartRunRequest request;
    request.pipeline = name;
    request.trigger = catalog::RunTrigger::kSchedule;
    request.requested_by = "scheduler";
    request.queue_if_active = false;  // a slow pipeline skips a tick
    auto started = runs.Start(request);
    if (started.ok()) {
      log::Info("scheduled run started", {{"pipeline", name}, {"run", started->run.run_id}});
    } else {
      log::Info("scheduled run skipped", {{"pipeline", name}, {"reason", started.error().message()}});
    }
    std::lock_guard lock(mu);
    auto it = entries.find(name);
    if (stopped || it == entries.end() || it->second.generation != generation) return;
    it->second.next_at = it->second.schedule.NextAfter(std::max(now(), it->second.next_at));
    ArmLocked(name, it->second);
  }

  void Remove(std::string_view name) {
    std::lock_guard lock(mu);
    auto it = entries.find(name);
    if (it == entries.end()) return;
    SetInterval(name, std::numeric_limits<double>::quiet_NaN());
    if (it->second.timer) it->second.timer->cancel();
    entries.erase(it);
  }

  void Refresh(std::string_view name) {
    auto record = catalog.GetPipeline(name);
    if (!record.ok() || record->paused) {
      Remove(name);
      return;
    }
    auto spec = pipeline::ParsePipelineSpec(record->spec_json);
    if (!spec.ok() || !spec->schedule) {
      Remove(name);
      return;
    }
    const pipeline::ScheduleSpec& s = *spec->schedule;
    auto parsed = s.cron.empty() ? schedule::Schedule::Every(s.interval_seconds) : schedule::Schedule::ParseCron(s.cron);
    if (!parsed.ok()) {
      log::Warn("schedule ignored", {{"pipeline", std::string(name)}, {"error", parsed.error().message()}});
      Remove(name);
      return;
    }
    std::lock_guard lock(mu);
    if (stopped) return;
    auto it = entries.find(name);
    if (it != entries.end()) {
      if (it->second.timer) it->second.timer->cancel();
      entries.erase(it);
    }
    Entry entry{std::move(parsed).value(), 0, next_generation++, nullptr};
    entry.next_at = entry.schedule.NextAfter(now());
    SetInterval(name, entry.schedule.LongestGapAfter(now()));
    auto [pos, inserted] = entries.emplace(std::string(name), std::move(entry));
    ArmLocked(pos->first, pos->second);
  }
};

Scheduler::Scheduler(catalog::Catalog& catalog, runs::RunManager& runs, asio::io_context& io,
                     asio::thread_pool& blocking, std::function<double()> now,
                     metrics::Family<metrics::Gauge>* interval_gauge)
    : impl_(std::make_shared<Impl>(catalog, runs, io, blocking, std::move(now), interval_gauge)) {}

Scheduler::~Scheduler() { Stop(); }

Status Scheduler::Start() {
  std::string after;
  while (true) {
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::PipelineRecord> page, impl_->catalog.ListPipelines(500, after));
    if (page.empty()) break;
    for (const catalog::PipelineRecord& p : page) impl_->Refresh(p.name);
    after = page.back().name;
  }
  return OkStatus();
}

void Scheduler::Refresh(std::string_view pipeline) { impl_->Refresh(pipeline); }

std::optional<double> Scheduler::NextRunAt(std::string_view pipeline) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->entries.find(pipeline);
  if (it == impl_->entries.end()) return std::nullopt;
  return it->second.next_at;
}

std::string Scheduler::Describe(std::string_view pipeline) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->entries.find(pipeline);
  return it == impl_->entries.end() ? std::string() : it->second.schedule.Describe();
}

void Scheduler::Stop() {
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  for (auto& [name, entry] : impl_->entries) {
    if (entry.timer) entry.timer->cancel();
  }
  impl_->entries.clear();
}

}  // namespace ingestd::scheduler
