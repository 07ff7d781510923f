#pragma once

#include <cstddef>
#include <memory>

#include "core/common/result.hpp"
#include "core/workers/normalize_worker_pool.hpp"

namespace ingestd::daemon {

/// Starts this process's normalize worker pool: `workers` processes running
/// this very binary's `normalize-worker` command (through /proc/self/exe,
/// so replacing the file on disk during an upgrade never mixes versions),
/// each limited to `memory_limit_mb` MiB of address space (0: no limit).
/// Null when `workers` is 0: runs then normalize in this process. Used by
/// `ingestd serve` (one pool for every run) and `ingestd run`.
Result<std::unique_ptr<workers::NormalizeWorkerPool>> StartNormalizePool(std::size_t workers,
                                                                         std::size_t memory_limit_mb,
                                                                         const workers::WorkerPoolMetrics& metrics = {});

}  // namespace ingestd::daemon
