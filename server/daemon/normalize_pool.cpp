#include "server/daemon/normalize_pool.hpp"

#include <string>
#include <utility>

namespace ingestd::daemon {

Result<std::unique_ptr<workers::NormalizeWorkerPool>> StartNormalizePool(std::size_t workers,
                                                                         std::size_t memory_limit_mb,
                                                                         const workers::WorkerPoolMetrics& metrics) {
  if (workers == 0) return std::unique_ptr<workers::NormalizeWorkerPool>();
  workers::WorkerPoolOptions options;
  options.command = {"/proc/self/exe", "normalize-worker"};
  options.size = workers;
  options.memory_limit_bytes = static_cast<std::uint64_t>(memory_limit_mb) << 20;
  options.metrics = metrics;
  Result<std::unique_ptr<workers::NormalizeWorkerPool>> pool = workers::NormalizeWorkerPool::Create(std::move(options));
  if (!pool.ok()) {
    return std::move(pool).error().WithContext("starting " + std::to_string(workers) +
                                                " normalize workers (--normalize-workers 0 normalizes in process)");
  }
  return pool;
}

}  // namespace ingestd::daemon
