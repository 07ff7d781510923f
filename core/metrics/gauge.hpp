#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <utility>

namespace ingestd::metrics {

/// Gauge: a value that goes up and down (runs in progress, queue depth), or
/// one read at scrape time from a callback (bytes on disk, uptime).
///
/// Thread-safe: every method may run on any thread. Set/Increment/Decrement
/// are lock-free; the callback is guarded by a mutex.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Increment(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Decrement(double v = 1) { value_.fetch_sub(v, std::memory_order_relaxed); }

  /// Makes value() call `callback` instead of reading the stored value; an
  /// empty function goes back to the stored value. The callback runs on the
  /// scraping thread with no metrics lock held, so it may use the registry,
  /// but it must be cheap and must not block. Whatever it captures must
  /// outlive the registry, or be replaced with SetCallback({}) first.
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
