#pragma once

#include <atomic>
#include <cmath>
#include <functional>
#include <mutex>
#include <utility>

#include "core/common/check.hpp"

namespace ingestd::metrics {

/// Counter: a value that only goes up (rows loaded, requests sent). Reset
/// only by a restart of the daemon, which Prometheus' rate() handles.
///
/// A counter may instead be read at scrape time from a callback, for totals
/// something else keeps (the CPU seconds the kernel counts for the process).
///
/// Thread-safe: every method may run on any thread. Increment is lock-free;
/// the callback is guarded by a mutex. Obtain one from
/// Registry::AddCounter(...)->WithLabels({...}); the reference stays valid for
/// the registry's lifetime.
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

  /// Makes value() call `callback` instead of reading the stored value; an
  /// empty function goes back to the stored value. Increment still adds to
  /// the stored value, which the callback hides. The callback's results must
  /// never decrease (a drop reads as a counter reset to Prometheus). It runs
  /// on the scraping thread with no metrics lock held, so it may use the
  /// registry, but it must be cheap and must not block. Whatever it captures
  /// must outlive the registry, or be replaced with SetCallback({}) first.
  void SetCallback(std::function<double()> callback) {
    std::lock_guard lock(callback_mutex_);
    callback_ = std::move(callback);
  }

  /// The callback's result when one is set, else the stored value.
  double value() const {
    std::function<double()> callback;
    {
      std::lock_guard lock(callback_mutex_);
      callback = callback_;
    }
    // Called outside the lock, so a callback may call SetCallback itself.
    if (callback) return callback();
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<double> value_{0};
  mutable std::mutex callback_mutex_;
  std::function<double()> callback_;
};

}  // namespace ingestd::metrics
