#pragma once

#include <atomic>
#include <cmath>

#include "core/common/check.hpp"

namespace ingestd::metrics {

/// Counter: a value that only goes up (rows loaded, requests sent). Reset
/// only by a restart of the daemon, which Prometheus' rate() handles.
///
/// Thread-safe and lock-free: Increment and value may run on any thread.
/// Obtain one from Registry::AddCounter(...)->WithLabels({...}); the reference
/// stays valid for the registry's lifetime.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  /// Adds `v`, which must be finite and >= 0 (a negative or NaN increment is
  /// a bug in the caller, so it aborts).
  void Increment(double v = 1) {
    INGESTD_CHECK(std::isfinite(v) && v >= 0);
    value_.fetch_add(v, std::memory_order_relaxed);
  }

  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace ingestd::metrics
