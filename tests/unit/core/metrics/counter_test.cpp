#include "core/metrics/counter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "core/metrics/registry.hpp"
#include "core/metrics/text_exposition.hpp"

namespace ingestd::metrics {
namespace {

TEST(CounterTest, StartsAtZeroAndAdds) {
  Counter counter;
  EXPECT_EQ(counter.value(), 0);
  counter.Increment();
  counter.Increment(2.5);
  counter.Increment(0);
  EXPECT_EQ(counter.value(), 3.5);
}

TEST(CounterDeathTest, RejectsNegativeAndNonFiniteIncrements) {
  Counter counter;
  EXPECT_DEATH(counter.Increment(-1), "check failed");
  EXPECT_DEATH(counter.Increment(std::nan("")), "check failed");
  EXPECT_DEATH(counter.Increment(HUGE_VAL), "check failed");
}

TEST(CounterTest, EightThreadsIncrementingGiveExactTotal) {
  Registry registry;
  auto family = registry.AddCounter("ingestd_test_events_total", "Events.", {});
  ASSERT_TRUE(family.ok());
  Counter& counter = (*family)->WithLabels({});
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < kIncrements; ++i) counter.Increment();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), 800'000);
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_test_events_total Events.\n"
            "# TYPE ingestd_test_events_total counter\n"
            "ingestd_test_events_total 800000\n");
}

TEST(CounterTest, GoldenOutputWithLabelsSortedByValues) {
  Registry registry;
  auto family = registry.AddCounter("ingestd_rows_loaded_total", "Rows loaded into a destination.",
                                    {"pipeline", "destination"});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({"orders", "sqlite"}).Increment(3);
  (*family)->WithLabels({"orders", "postgres"}).Increment(1200);
  (*family)->WithLabels({"customers", "postgres"}).Increment(0.5);
  (*family)->WithLabels({"idle", "postgres"});  // created, never incremented
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_rows_loaded_total Rows loaded into a destination.\n"
            "# TYPE ingestd_rows_loaded_total counter\n"
            "ingestd_rows_loaded_total{pipeline=\"customers\",destination=\"postgres\"} 0.5\n"
            "ingestd_rows_loaded_total{pipeline=\"idle\",destination=\"postgres\"} 0\n"
            "ingestd_rows_loaded_total{pipeline=\"orders\",destination=\"postgres\"} 1200\n"
            "ingestd_rows_loaded_total{pipeline=\"orders\",destination=\"sqlite\"} 3\n");
}

TEST(CounterTest, CallbackIsReadAtScrapeTime) {
  Registry registry;
  auto family = registry.AddCounter("ingestd_test_cpu_seconds_total", "CPU seconds.", {});
  ASSERT_TRUE(family.ok());
  Counter& counter = (*family)->WithLabels({});
  counter.Increment(7);
  double kept_elsewhere = 1.25;
  counter.SetCallback([&kept_elsewhere] { return kept_elsewhere; });
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_test_cpu_seconds_total CPU seconds.\n"
            "# TYPE ingestd_test_cpu_seconds_total counter\n"
            "ingestd_test_cpu_seconds_total 1.25\n");
  kept_elsewhere = 3;
  EXPECT_EQ(counter.value(), 3);
  counter.Increment();  // hidden by the callback, still added
  EXPECT_EQ(counter.value(), 3);
  counter.SetCallback({});  // back to the stored value
  EXPECT_EQ(counter.value(), 8);
}

}  // namespace
}  // namespace ingestd::metrics
