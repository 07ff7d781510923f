#include "core/extract/http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/common/check.hpp"

namespace ingestd::extract::http {
namespace {

// Refill arithmetic in doubles can leave a bucket at 0.9999999 after waiting
// exactly the time TryAcquire asked for; that counts as a whole token.
constexpr double kTokenEpsilon = 1e-9;

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Status HostLimits::Validate() const {
  if (max_concurrent < 1) {
    return InvalidArgument("host limit max_concurrent must be at least 1, got " + std::to_string(max_concurrent));
  }
  if (requests_per_second && !(std::isfinite(*requests_per_second) && *requests_per_second > 0)) {
    return InvalidArgument("host limit requests_per_second must be a finite number > 0 (or unset), got " +
                           FormatNumber(*requests_per_second));
  }
  return OkStatus();
}

Result<std::unique_ptr<HostLimiter>> HostLimiter::Create(const HostLimits& limits) {
  INGESTD_TRY(limits.Validate());
  return std::make_unique<HostLimiter>(limits);
}

HostLimiter::HostLimiter(const HostLimits& limits)
    : limits_(limits), capacity_(std::max(1.0, limits.requests_per_second.value_or(1.0))) {
  INGESTD_CHECK(limits_.Validate().ok());
  tokens_ = capacity_;
}

void HostLimiter::Refill(double now) {
  if (!last_time_) {
    last_time_ = now;
    return;
  }
  if (!(now > *last_time_)) return;  // earlier (or NaN): no time has passed
  if (limits_.requests_per_second) {
    tokens_ = std::min(capacity_, tokens_ + (now - *last_time_) * *limits_.requests_per_second);
  }
  last_time_ = now;
}

std::optional<double> HostLimiter::TryAcquire(double now) {
  std::lock_guard lock(mutex_);
  Refill(now);
  double token_wait = 0;
  if (limits_.requests_per_second && tokens_ < 1 - kTokenEpsilon) {
    token_wait = (1 - tokens_) / *limits_.requests_per_second;
  }
  if (in_flight_ >= limits_.max_concurrent) return std::max(kConcurrencyPollSeconds, token_wait);
  if (token_wait > 0) return token_wait;
  if (limits_.requests_per_second) tokens_ = std::max(0.0, tokens_ - 1);
  ++in_flight_;
  return std::nullopt;
}

void HostLimiter::Release() {
  std::lock_guard lock(mutex_);
  INGESTD_CHECK(in_flight_ > 0);
  --in_flight_;
}

int HostLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

}  // namespace ingestd::extract::http
