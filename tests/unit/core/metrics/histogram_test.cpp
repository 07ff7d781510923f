#include "core/metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics/registry.hpp"
#include "core/metrics/text_exposition.hpp"

namespace ingestd::metrics {
namespace {

TEST(HistogramTest, BucketsAreUpperInclusive) {
  Histogram histogram({0.25, 0.5, 1});
  histogram.Observe(0.25);  // exactly on a bound: that bucket
  histogram.Observe(0.125);
  histogram.Observe(0.75);
  histogram.Observe(4);     // above every bound: +Inf only
  HistogramSnapshot snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{2, 2, 3, 4}));
  EXPECT_EQ(snapshot.count(), 4u);
  EXPECT_EQ(snapshot.sum, 5.125);
}

TEST(HistogramTest, NanGoesToInfBucket) {
  Histogram histogram({1});
  histogram.Observe(std::nan(""));
  HistogramSnapshot snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.cumulative, (std::vector<std::uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(snapshot.sum));
}

TEST(HistogramTest, NoBoundsHasOnlyInfBucket) {
  Registry registry;
  auto family = registry.AddHistogram("ingestd_test_sizes_bytes", "Sizes.", {}, {});
  ASSERT_TRUE(family.ok());
  (*family)->WithLabels({}).Observe(10);
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_test_sizes_bytes Sizes.\n"
            "# TYPE ingestd_test_sizes_bytes histogram\n"
            "ingestd_test_sizes_bytes_bucket{le=\"+Inf\"} 1\n"
            "ingestd_test_sizes_bytes_sum 10\n"
            "ingestd_test_sizes_bytes_count 1\n");
}

TEST(HistogramTest, GoldenOutput) {
  Registry registry;
  auto family = registry.AddHistogram("ingestd_stage_duration_seconds", "Time per stage.",
                                      {"stage"}, {0.25, 0.5, 1});
  ASSERT_TRUE(family.ok());
  Histogram& extract = (*family)->WithLabels({"extract"});
  for (double v : {0.25, 0.125, 0.75, 4.0}) extract.Observe(v);
  (*family)->WithLabels({"load"}).Observe(0.5);
  EXPECT_EQ(RenderText(registry),
            "# HELP ingestd_stage_duration_seconds Time per stage.\n"
            "# TYPE ingestd_stage_duration_seconds histogram\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"extract\",le=\"0.25\"} 2\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"extract\",le=\"0.5\"} 2\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"extract\",le=\"1\"} 3\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"extract\",le=\"+Inf\"} 4\n"
            "ingestd_stage_duration_seconds_sum{stage=\"extract\"} 5.125\n"
            "ingestd_stage_duration_seconds_count{stage=\"extract\"} 4\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"load\",le=\"0.25\"} 0\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"load\",le=\"0.5\"} 1\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"load\",le=\"1\"} 1\n"
            "ingestd_stage_duration_seconds_bucket{stage=\"load\",le=\"+Inf\"} 1\n"
            "ingestd_stage_duration_seconds_sum{stage=\"load\"} 0.5\n"
            "ingestd_stage_duration_seconds_count{stage=\"load\"} 1\n");
}

/// Checks the exposition of one unlabelled histogram: bucket counts never
/// decrease, the last bucket is le="+Inf", and it equals _count.
void ExpectHistogramInvariants(const std::string& text, const std::string& name,
                               std::size_t buckets) {
  std::istringstream lines(text);
  std::string line;
  std::vector<std::uint64_t> counts;
  std::string last_le;
  std::uint64_t count = 0;
  bool saw_count = false;
  while (std::getline(lines, line)) {
    if (line.starts_with(name + "_bucket{le=\"")) {
      const std::size_t close = line.find("\"}", name.size() + 12);
      ASSERT_NE(close, std::string::npos) << line;
      last_le = line.substr(name.size() + 12, close - (name.size() + 12));
      counts.push_back(std::stoull(line.substr(close + 3)));
    } else if (line.starts_with(name + "_count ")) {
      count = std::stoull(line.substr(name.size() + 7));
      saw_count = true;
    }
  }
  ASSERT_EQ(counts.size(), buckets) << text;
  ASSERT_TRUE(saw_count) << text;
  EXPECT_EQ(last_le, "+Inf");
  for (std::size_t i = 1; i < counts.size(); ++i) EXPECT_LE(counts[i - 1], counts[i]) << text;
  EXPECT_EQ(counts.back(), count) << text;
}

TEST(HistogramTest, InvariantsHoldUnderConcurrentObserve) {
  Registry registry;
  const std::vector<double> bounds{1, 2, 4, 8, 16};
  auto family = registry.AddHistogram("ingestd_test_latency_seconds", "Latency.", {}, bounds);
  ASSERT_TRUE(family.ok());
  Histogram& histogram = (*family)->WithLabels({});

  constexpr int kWriters = 4;
  constexpr int kObservations = 50'000;
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&histogram, &writers_left, t] {
      for (int i = 0; i < kObservations; ++i) histogram.Observe((i + t) % 20);
      writers_left.fetch_sub(1);
    });
  }
  int scrapes = 0;
  // Scrape while the writers run (and at least a few times in any case).
  while (writers_left.load() > 0 || scrapes < 5) {
    ExpectHistogramInvariants(RenderText(registry), "ingestd_test_latency_seconds",
                              bounds.size() + 1);
    HistogramSnapshot snapshot = histogram.Snapshot();
    for (std::size_t i = 1; i < snapshot.cumulative.size(); ++i) {
      ASSERT_LE(snapshot.cumulative[i - 1], snapshot.cumulative[i]);
    }
    ++scrapes;
  }
  for (std::thread& writer : writers) writer.join();

  HistogramSnapshot snapshot = histogram.Snapshot();
  EXPECT_EQ(snapshot.count(), static_cast<std::uint64_t>(kWriters) * kObservations);
  // Values 0..19 cycle; each writer's 50'000 observations are 2'500 cycles
  // of 20 (offset t only rotates), so the sum is exact: 4 * 2'500 * 190.
  EXPECT_EQ(snapshot.sum, 4.0 * 2'500 * 190);
  // <= 1: {0, 1} -> 2/20 of all; <= 2: 3/20; <= 4: 5/20; <= 8: 9/20; <= 16: 17/20.
  const std::uint64_t total = snapshot.count();
  EXPECT_EQ(snapshot.cumulative,
            (std::vector<std::uint64_t>{total * 2 / 20, total * 3 / 20, total * 5 / 20,
                                        total * 9 / 20, total * 17 / 20, total}));
  ExpectHistogramInvariants(RenderText(registry), "ingestd_test_latency_seconds",
                            bounds.size() + 1);
}

}  // namespace
}  // namespace ingestd::metrics
