#include "core/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics/text_exposition.hpp"

namespace ingestd::metrics {
namespace {

TEST(MetricRegistryTest, ValidatesMetricNames) {
  EXPECT_TRUE(ValidateMetricName("ingestd_rows_total").ok());
  EXPECT_TRUE(ValidateMetricName("_private9").ok());
  EXPECT_TRUE(ValidateMetricName("A").ok());
  for (const char* bad : {"", "9lives", "rows-total", "job:rows:rate5m", "rows total",
                          "r\xc3\xa9sum\xc3\xa9", "rows.total"}) {
    Status status = ValidateMetricName(bad);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(MetricRegistryTest, ValidatesLabelNames) {
  EXPECT_TRUE(ValidateLabelName("pipeline").ok());
  EXPECT_TRUE(ValidateLabelName("_x1").ok());
  for (const char* bad : {"", "1st", "a:b", "a-b", "__name__", "__x"}) {
    EXPECT_FALSE(ValidateLabelName(bad).ok()) << bad;
  }
  Status reserved = ValidateLabelName("__meta");
  ASSERT_FALSE(reserved.ok());
  EXPECT_NE(reserved.error().message().find("reserves"), std::string::npos);
}

TEST(MetricRegistryTest, RejectsBadRegistrations) {
  Registry registry;
  EXPECT_FALSE(registry.AddCounter("ingestd_rows", "Rows.", {}).ok());  // no _total
  EXPECT_FALSE(registry.AddCounter("_total", "Rows.", {}).ok());
  EXPECT_FALSE(registry.AddCounter("ingestd:rows_total", "Rows.", {}).ok());
  EXPECT_FALSE(registry.AddCounter("ingestd_rows_total", "", {}).ok());  // no help
  EXPECT_FALSE(registry.AddCounter("ingestd_rows_total", "Rows.", {"__x"}).ok());
  EXPECT_FALSE(registry.AddCounter("ingestd_rows_total", "Rows.", {"a", "b", "a"}).ok());
  EXPECT_FALSE(registry.AddGauge("ingestd-depth", "Depth.", {}).ok());
  EXPECT_FALSE(registry.AddGauge("ingestd_depth", "Depth.", {"bad label"}).ok());
  EXPECT_FALSE(registry.AddHistogram("ingestd_h_seconds", "H.", {"le"}, {1}).ok());
  EXPECT_FALSE(registry.AddHistogram("ingestd_h_seconds", "H.", {}, {2, 1}).ok());
  EXPECT_FALSE(registry.AddHistogram("ingestd_h_seconds", "H.", {}, {1, 1}).ok());
  EXPECT_FALSE(registry.AddHistogram("ingestd_h_seconds", "H.", {}, {1, HUGE_VAL}).ok());
  EXPECT_FALSE(registry.AddHistogram("ingestd_h_seconds", "H.", {}, {std::nan("")}).ok());
  // None of the failures registered anything.
  EXPECT_TRUE(registry.Collect().empty());
  // "le" is an ordinary label outside histograms.
  EXPECT_TRUE(registry.AddGauge("ingestd_le", "Le.", {"le"}).ok());
}

TEST(MetricRegistryTest, ErrorsNameTheProblem) {
  Registry registry;
  auto result = registry.AddCounter("ingestd_rows", "Rows.", {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), "counter \"ingestd_rows\" must end in \"_total\"");
  auto label = registry.AddGauge("ingestd_depth", "Depth.", {"ok", "9bad"});
  ASSERT_FALSE(label.ok());
  EXPECT_EQ(label.error().message(),
            "metric ingestd_depth: label name \"9bad\" must match [a-zA-Z_][a-zA-Z0-9_]*");
}

TEST(MetricRegistryTest, RejectsDuplicateAndCollidingFamilies) {
  Registry registry;
  ASSERT_TRUE(registry.AddCounter("ingestd_rows_total", "Rows.", {}).ok());
  auto duplicate = registry.AddCounter("ingestd_rows_total", "Rows again.", {"x"});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(registry.AddGauge("ingestd_rows_total", "Rows.", {}).ok());  // other type too

  // A histogram's x_count / x_bucket / x_sum names are taken as well.
  ASSERT_TRUE(registry.AddHistogram("ingestd_run_seconds", "Runs.", {}, {1}).ok());
  EXPECT_FALSE(registry.AddGauge("ingestd_run_seconds_count", "Count.", {}).ok());
  EXPECT_FALSE(registry.AddGauge("ingestd_run_seconds_bucket", "Bucket.", {}).ok());
  ASSERT_TRUE(registry.AddGauge("ingestd_batch_sum", "Sum.", {}).ok());
  EXPECT_FALSE(registry.AddHistogram("ingestd_batch", "Batch.", {}, {1}).ok());
  EXPECT_EQ(registry.Collect().size(), 3u);
}

TEST(MetricRegistryTest, WithLabelsReturnsStableReferences) {
  Registry registry;
  auto family = registry.AddCounter("ingestd_requests_total", "Requests.", {"resource"});
  ASSERT_TRUE(family.ok());
  Counter& first = (*family)->WithLabels({"orders"});
  for (int i = 0; i < 1000; ++i) (*family)->WithLabels({"r" + std::to_string(i)});
  EXPECT_EQ(&(*family)->WithLabels({"orders"}), &first);
}

TEST(MetricRegistryDeathTest, WrongNumberOfLabelValuesAborts) {
  Registry registry;
  auto family = registry.AddCounter("ingestd_requests_total", "Requests.", {"resource"});
  ASSERT_TRUE(family.ok());
  EXPECT_DEATH((*family)->WithLabels({}), "check failed");
  EXPECT_DEATH((*family)->WithLabels({"a", "b"}), "check failed");
}

TEST(MetricRegistryTest, ConcurrentRegistrationAndSeriesCreation) {
  Registry registry;
  auto shared = registry.AddCounter("ingestd_shared_total", "Shared.", {"worker"});
  ASSERT_TRUE(shared.ok());
  constexpr int kThreads = 8;
  std::vector<Counter*> same(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, &same, family = *shared, t] {
      // Every thread races to create the same series and its own family.
      same[t] = &family->WithLabels({"all"});
      for (int i = 0; i < 1000; ++i) family->WithLabels({"all"}).Increment();
      auto own = registry.AddGauge("ingestd_thread_" + std::to_string(t), "Per thread.", {});
      if (own.ok()) (*own)->WithLabels({}).Set(t);
      (void)RenderText(registry);  // scrape concurrently with creation
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (Counter* counter : same) EXPECT_EQ(counter, same.front());
  EXPECT_EQ(same.front()->value(), kThreads * 1000);
  EXPECT_EQ(registry.Collect().size(), 1u + kThreads);
}

}  // namespace
}  // namespace ingestd::metrics
