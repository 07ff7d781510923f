#include "core/extract/http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ingestd::extract::http {
namespace {

std::unique_ptr<HostLimiter> Make(int max_concurrent, std::optional<double> rps = std::nullopt) {
  HostLimits limits;
  limits.max_concurrent = max_concurrent;
  limits.requests_per_second = rps;
  auto limiter = HostLimiter::Create(limits);
  EXPECT_TRUE(limiter.ok()) << limiter.error().ToString();
  return std::move(limiter).value();
}

std::string ValidationError(int max_concurrent, std::optional<double> rps) {
  HostLimits limits;
  limits.max_concurrent = max_concurrent;
  limits.requests_per_second = rps;
  const auto status = limits.Validate();
  return status.ok() ? "" : status.error().message();
}

TEST(HostLimiterTest, ConcurrencyCap) {
  auto limiter = Make(2);
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  EXPECT_EQ(limiter->in_flight(), 2);
  EXPECT_EQ(limiter->TryAcquire(0), HostLimiter::kConcurrencyPollSeconds);
  EXPECT_EQ(limiter->TryAcquire(100), HostLimiter::kConcurrencyPollSeconds);  // time alone does not help
  EXPECT_EQ(limiter->in_flight(), 2);
  limiter->Release();
  EXPECT_EQ(limiter->in_flight(), 1);
  EXPECT_EQ(limiter->TryAcquire(100), std::nullopt);
  EXPECT_EQ(limiter->TryAcquire(100), HostLimiter::kConcurrencyPollSeconds);
  limiter->Release();
  limiter->Release();
  EXPECT_EQ(limiter->in_flight(), 0);
}

TEST(HostLimiterTest, NoRateLimitMeansNoWaitBelowTheCap) {
  auto limiter = Make(1);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(limiter->TryAcquire(0), std::nullopt);
    limiter->Release();
  }
}

TEST(HostLimiterTest, RateBurstThenSteady) {
  auto limiter = Make(100, 2.0);  // burst of 2, then one every 0.5 s
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(0), 0.5);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(0.2), 0.3);
  EXPECT_EQ(limiter->TryAcquire(0.5), std::nullopt);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(0.5), 0.5);
  // A long pause refills only up to the burst.
  EXPECT_EQ(limiter->TryAcquire(60), std::nullopt);
  EXPECT_EQ(limiter->TryAcquire(60), std::nullopt);
  EXPECT_TRUE(limiter->TryAcquire(60).has_value());
}

TEST(HostLimiterTest, RateOverSimulatedTime) {
  // A caller that sleeps exactly as told: 2 starts at t=0 (burst), then one
  // every 0.5 s, so 22 starts in [0, 10].
  auto limiter = Make(1000, 2.0);
  double now = 0;
  std::vector<double> starts;
  while (now <= 10 + 1e-9) {
    if (auto wait = limiter->TryAcquire(now)) {
      ASSERT_GT(*wait, 0);
      now += *wait;
    } else {
      starts.push_back(now);
      limiter->Release();
    }
  }
  ASSERT_EQ(starts.size(), 22u);
  EXPECT_DOUBLE_EQ(starts[0], 0);
  EXPECT_DOUBLE_EQ(starts[1], 0);
  for (std::size_t i = 2; i < starts.size(); ++i) {
    EXPECT_NEAR(starts[i] - starts[i - 1], 0.5, 1e-9) << i;
  }
}

TEST(HostLimiterTest, FractionalRateHasBurstOfOne) {
  auto limiter = Make(10, 0.5);  // one every 2 s
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(0), 2);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(1), 1);
  EXPECT_EQ(limiter->TryAcquire(2), std::nullopt);
  // After a long idle time still only one at once.
  EXPECT_EQ(limiter->TryAcquire(1000), std::nullopt);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(1000), 2);
}

TEST(HostLimiterTest, RefusedCallTakesNoToken) {
  auto limiter = Make(1, 1.0);
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  // At the cap with a token available: poll, and the token stays.
  EXPECT_EQ(limiter->TryAcquire(1), HostLimiter::kConcurrencyPollSeconds);
  limiter->Release();
  EXPECT_EQ(limiter->TryAcquire(1), std::nullopt);
}

TEST(HostLimiterTest, AtCapWaitsForTheLongerOfPollAndToken) {
  auto limiter = Make(1, 0.1);
  EXPECT_EQ(limiter->TryAcquire(0), std::nullopt);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(0), 10);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(9.99), HostLimiter::kConcurrencyPollSeconds);
}

TEST(HostLimiterTest, TimeGoingBackwardsDoesNotRefill) {
  auto limiter = Make(10, 1.0);
  EXPECT_EQ(limiter->TryAcquire(10), std::nullopt);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(5), 1);
  EXPECT_DOUBLE_EQ(*limiter->TryAcquire(10.5), 0.5);
  EXPECT_EQ(limiter->TryAcquire(11), std::nullopt);
}

TEST(HostLimiterTest, Validation) {
  EXPECT_EQ(ValidationError(1, std::nullopt), "");
  EXPECT_EQ(ValidationError(4, 0.25), "");
  EXPECT_EQ(ValidationError(0, std::nullopt), "host limit max_concurrent must be at least 1, got 0");
  EXPECT_EQ(ValidationError(1, 0.0),
            "host limit requests_per_second must be a finite number > 0 (or unset), got 0");
  EXPECT_EQ(ValidationError(1, -2.0),
            "host limit requests_per_second must be a finite number > 0 (or unset), got -2");
  EXPECT_NE(ValidationError(1, std::numeric_limits<double>::infinity()).find("requests_per_second"),
            std::string::npos);
  HostLimits bad;
  bad.max_concurrent = -1;
  const auto limiter = HostLimiter::Create(bad);
  ASSERT_FALSE(limiter.ok());
  EXPECT_EQ(limiter.error().code(), ErrorCode::kInvalidArgument);
}

TEST(HostLimiterDeathTest, ReleaseWithoutAcquireAborts) {
  auto limiter = Make(1);
  EXPECT_DEATH(limiter->Release(), "check failed");
}

TEST(HostLimiterTest, ConcurrentCallersNeverExceedTheCap) {
  auto limiter = Make(2);
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        while (limiter->TryAcquire(0)) std::this_thread::yield();
        const int now_active = ++active;
        int seen = max_active.load();
        while (now_active > seen && !max_active.compare_exchange_weak(seen, now_active)) {
        }
        --active;
        limiter->Release();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(max_active.load(), 2);
  EXPECT_EQ(limiter->in_flight(), 0);
}

}  // namespace
}  // namespace ingestd::extract::http
