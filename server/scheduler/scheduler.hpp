#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/catalog/catalog.hpp"
#include "core/metrics/registry.hpp"
#include "server/runs/run_manager.hpp"

namespace ingestd::scheduler {

/// Starts runs of pipelines that have a `schedule` in their spec, at the
/// times schedule::Schedule gives, through RunManager::Start (trigger
/// schedule, requested_by "scheduler", refused rather than queued when a
/// run of the pipeline is still active: a slow pipeline skips a tick
/// instead of piling up runs). Paused pipelines are skipped. Timers run on
/// the io_context; starting runs happens on the blocking pool.
class Scheduler {
 public:
  /// `interval_gauge` (optional, outlives the scheduler) receives each
  /// scheduled pipeline's longest gap between runs, NaN when it has none.
  Scheduler(catalog::Catalog& catalog, runs::RunManager& runs, boost::asio::io_context& io,
            boost::asio::thread_pool& blocking, std::function<double()> now,
            metrics::Family<metrics::Gauge>* interval_gauge = nullptr);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Reads every pipeline from the catalog and arms its timer. Blocking.
  Status Start();
  /// Re-reads one pipeline after apply, delete, pause or resume and re-arms
  /// (or disarms) its timer. Blocking.
  void Refresh(std::string_view pipeline);
  /// When the pipeline's next scheduled run starts; nullopt without a
  /// schedule, while paused, or when unknown. Not blocking.
  std::optional<double> NextRunAt(std::string_view pipeline) const;
  /// The schedule as text ("cron */5 * * * *"), empty without one.
  std::string Describe(std::string_view pipeline) const;
  /// Cancels every timer; no run starts after this returns.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared: timer handlers hold it weakly
};

}  // namespace ingestd::scheduler
