#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace ingestd::metrics {

/// A consistent view of one histogram series.
struct HistogramSnapshot {
  /// Cumulative counts: cumulative[i] counts observations <= bounds[i]; the
  /// last element is the +Inf bucket, so the size is bounds.size() + 1.
  std::vector<std::uint64_t> cumulative;
  double sum = 0;

  /// _count: equal to the +Inf bucket by construction.
  std::uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

/// Histogram: observations counted into buckets by upper bound (request
/// durations in seconds, batch sizes in bytes).
///
/// Each bucket has its own atomic count (not cumulative, so Observe touches
/// one counter) plus an atomic sum. Thread-safe and lock-free.
class Histogram {
 public:
  /// `bounds` are the finite upper bounds, strictly increasing (the registry
  /// validates them); the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  /// Counts `v` in the first bucket whose bound is >= v and adds it to the sum.
  /// NaN lands in the +Inf bucket and makes the sum NaN, as in client_golang.
  void Observe(double v);

  /// Reads every bucket once and derives the cumulative counts, the +Inf
  /// bucket and the count from those same reads, so the exposition can never
  /// show +Inf != _count or a decreasing bucket. The sum is read separately:
  /// under concurrent Observe it may include an observation the buckets miss
  /// (or the reverse); counts are exact.
  HistogramSnapshot Snapshot() const;

  std::span<const double> bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1, last is +Inf
  std::atomic<double> sum_{0};
};

}  // namespace ingestd::metrics
