#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "core/common/result.hpp"

namespace ingestd::extract::http {

/// Politeness limits for one host, configurable per source.
struct HostLimits {
  /// Requests to the host in flight at once (>= 1).
  int max_concurrent = 4;
  /// Sustained request starts per second (finite, > 0); unset: no rate limit.
  /// Bursts of up to max(1, requests_per_second) starts are allowed.
  std::optional<double> requests_per_second;

  /// kInvalidArgument naming the field and what is allowed.
  Status Validate() const;
};

/// Per-host politeness: a cap on concurrent requests and an optional token
/// bucket on request starts (capacity max(1, rps), refilled at rps per
/// second, full at the first call). Pure: time comes in as `now` (seconds on
/// any monotonic scale, e.g. a steady clock; only differences matter), and
/// it never sleeps. A `now` earlier than one seen before is treated as that
/// earlier-seen time (no refill), so callers on several threads with
/// slightly out-of-order clock reads do no harm.
///
/// Thread-safe: TryAcquire and Release may be called from any thread (one
/// internal mutex). Not movable, because of the mutex; hold it in a
/// unique_ptr or in place.
///
///   while (auto wait = limiter.TryAcquire(clock.Now())) Sleep(*wait);
///   ... send the request ...
///   limiter.Release();
class HostLimiter {
 public:
  /// While max_concurrent requests are in flight, TryAcquire asks for a wait
  /// of at least this long: a Release cannot be predicted, so this is a poll
  /// interval. Callers that can be woken by Release may try sooner.
  static constexpr double kConcurrencyPollSeconds = 0.05;

  /// Errors: limits that fail Validate().
  static Result<std::unique_ptr<HostLimiter>> Create(const HostLimits& limits);
  /// `limits` must be valid (checked; aborts otherwise). Prefer Create.
  explicit HostLimiter(const HostLimits& limits);

  HostLimiter(const HostLimiter&) = delete;
  HostLimiter& operator=(const HostLimiter&) = delete;

  /// nullopt: the request may start now, and counts as in flight until
  /// Release(). Otherwise the seconds to wait before trying again (> 0):
  /// until the next token when rate-limited, at least
  /// kConcurrencyPollSeconds when at the concurrency cap. A refused call
  /// takes nothing.
  std::optional<double> TryAcquire(double now);
  /// Ends a request TryAcquire admitted. Releasing more than was acquired is
  /// a bug (checked; aborts).
  void Release();

  int in_flight() const;
  const HostLimits& limits() const { return limits_; }

 private:
  // Brings the bucket up to `now`; requires mutex_.
  void Refill(double now);

  const HostLimits limits_;
  const double capacity_;  // tokens; max(1, rps), or unused without a rate
  mutable std::mutex mutex_;
  int in_flight_ = 0;                // guarded by mutex_
  double tokens_ = 0;                // guarded by mutex_
  std::optional<double> last_time_;  // guarded by mutex_; unset before the first call
};

}  // namespace ingestd::extract::http
