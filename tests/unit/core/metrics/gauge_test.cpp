#include "core/metrics/gauge.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "core/metrics/registry.hpp"
#include "core/metrics/text_exposition.hpp"

namespace ingestd::metrics {
namespace {

TEST(GaugeTest, SetIncrementDecrement) {
  Gauge gauge;
  EXPECT_EQ(gauge.value(), 0);
  gauge.Set(10);
  gauge.Increment();
  gauge.Increment(4);
  gauge.Decrement(20);
  EXPECT_EQ(gauge.value(), -5);
  gauge.Decrement();
  EXPECT_EQ(gauge.value(), -6);
}

TEST(GaugeTest, ConcurrentIncrementAndDecrementCancelOut) {
  Gauge gauge;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&gauge, t] {
      for (int i = 0; i < 50'000; ++i) {
        if (t % 2 == 0) {
          gauge.Increment();
        } else {
          gauge.Decrement();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(gauge.value(), 0);
}

TEST(GaugeTest, CallbackIsReadAtScrapeTime) {
  Registry registry;
  auto family = registry.AddGauge("ingestd_queue_depth", "Batches waiting.", {"pipeline"});
  ASSERT_TRUE(family.ok());
  Gauge& gauge = (*family)->WithLabels({"orders"});
  gauge.Set(7);
  std::atomic<int> depth{3};
  gauge.SetCallback([&depth] { return static_cast<double>(depth.load()); });
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_queue_depth Batches waiting.\n"
            "# TYPE ingestd_queue_depth gauge\n"
            "ingestd_queue_depth{pipeline=\"orders\"} 3\n");
  depth = 12;
  EXPECT_EQ(gauge.value(), 12);
  EXPECT_NE(RenderText(registry).find("ingestd_queue_depth{pipeline=\"orders\"} 12\n"),
            std::string::npos);
  gauge.SetCallback({});  // back to the stored value
  EXPECT_EQ(gauge.value(), 7);
}

TEST(GaugeTest, CallbackMayUseTheRegistry) {
  // Collect holds neither the registry's nor a family's lock while callbacks
  // run, so a callback that touches both must not deadlock.
  Registry registry;
  auto families = registry.AddGauge("ingestd_families", "Families registered.", {});
  auto other = registry.AddGauge("ingestd_other", "Other.", {});
  ASSERT_TRUE(families.ok());
  ASSERT_TRUE(other.ok());
  (*other)->WithLabels({}).Set(1);
  (*families)->WithLabels({}).SetCallback([&registry, family = *other] {
    family->WithLabels({}).Increment();
    // A duplicate: fails, but takes the registry's lock.
    return registry.AddGauge("ingestd_other", "Other.", {}).ok() ? -1.0 : 2.0;
  });
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_families Families registered.\n"
            "# TYPE ingestd_families gauge\n"
            "ingestd_families 2\n"
            "# HELP ingestd_other Other.\n"
            "# TYPE ingestd_other gauge\n"
            "ingestd_other 2\n");
}

TEST(GaugeTest, SpecialValues) {
  Registry registry;
  auto family = registry.AddGauge("ingestd_special", "Special values.", {"kind"});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({"nan"}).Set(std::nan(""));
  (*family)->WithLabels({"neg_inf"}).Set(-HUGE_VAL);
  (*family)->WithLabels({"pos_inf"}).Set(HUGE_VAL);
  (*family)->WithLabels({"small"}).Set(-0.001);
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_special Special values.\n"
            "# TYPE ingestd_special gauge\n"
            "ingestd_special{kind=\"nan\"} NaN\n"
            "ingestd_special{kind=\"neg_inf\"} -Inf\n"
            "ingestd_special{kind=\"pos_inf\"} +Inf\n"
            "ingestd_special{kind=\"small\"} -0.001\n");
}

}  // namespace
}  // namespace ingestd::metrics
