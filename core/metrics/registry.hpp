#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/common/check.hpp"
#include "core/common/result.hpp"
#include "core/metrics/counter.hpp"
#include "core/metrics/gauge.hpp"
#include "core/metrics/histogram.hpp"

namespace ingestd::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

/// "counter", "gauge" or "histogram", as written on a `# TYPE` line.
std::string_view MetricTypeName(MetricType type);

/// One series as read at scrape time.
struct SeriesSnapshot {
  std::vector<std::string> label_values;  // in the family's label_names order
  double value = 0;                       // counters and gauges
  HistogramSnapshot histogram;            // histograms
};

/// One family as read at scrape time; series sorted by label values.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;  // histograms only
  std::vector<SeriesSnapshot> series;
};

/// OK when `name` matches `[a-zA-Z_][a-zA-Z0-9_]*`: Prometheus' metric name
/// rule without colons, which are reserved for recording rules.
Status ValidateMetricName(std::string_view name);

/// OK when `name` matches `[a-zA-Z_][a-zA-Z0-9_]*` and does not start with
/// `__` (reserved for Prometheus' internal labels).
Status ValidateLabelName(std::string_view name);

/// The type-independent part of a family, so the registry can hold and
/// render families of every type.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  /// Reads every series. Gauge callbacks run here, with no lock held.
  virtual FamilySnapshot Collect() const = 0;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

/// Family<T>: all series of one metric name (T is Counter, Gauge or
/// Histogram), one per combination of label values.
///
/// Thread-safe. WithLabels takes the family's mutex, so components should call
/// it once and keep the reference (Envoy's "struct of references") rather than
/// looking a series up on every update.
template <class T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
        bounds_(std::move(bounds)) {}

  /// The series for `label_values`, created at zero on first use. The
  /// reference stays valid as long as the registry; series are never removed.
  ///
  /// `label_values` must have exactly one value per label name. A wrong count
  /// is a bug in the calling code (label names are fixed where the family is
  /// declared), so it aborts via INGESTD_CHECK rather than returning an error.
  /// Any string is a valid label value; the exposition escapes it.
  T& WithLabels(std::vector<std::string> label_values) {
    INGESTD_CHECK(label_values.size() == label_names().size());
    std::lock_guard lock(mutex_);
    auto it = series_.find(label_values);
    if (it == series_.end()) {
      it = series_.emplace(std::move(label_values), MakeSeries()).first;
    }
    return *it->second;
  }

  FamilySnapshot Collect() const override;

 private:
  std::unique_ptr<T> MakeSeries() const {
    if constexpr (std::is_same_v<T, Histogram>) {
      return std::make_unique<Histogram>(bounds_);
    } else {
      return std::make_unique<T>();
    }
  }

  std::vector<double> bounds_;
  mutable std::mutex mutex_;  // guards series_ (the map, not the series' values)
  // std::map keeps series sorted by label values for the exposition;
  // unique_ptr keeps the references WithLabels hands out stable.
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

template <class T>
FamilySnapshot Family<T>::Collect() const {
  FamilySnapshot snapshot{name(), help(), type(), label_names(), bounds_, {}};
  // Copy pointers under the lock and read values after it: series are never
  // removed, and a gauge callback may then use this family without deadlock.
  std::vector<std::pair<const std::vector<std::string>*, const T*>> series;
  {
    std::lock_guard lock(mutex_);
    series.reserve(series_.size());
    for (const auto& [labels, metric] : series_) series.emplace_back(&labels, metric.get());
  }
  snapshot.series.reserve(series.size());
  for (const auto& [labels, metric] : series) {
    SeriesSnapshot& out = snapshot.series.emplace_back();
    out.label_values = *labels;
    if constexpr (std::is_same_v<T, Histogram>) {
      out.histogram = metric->Snapshot();
    } else {
      out.value = metric->value();
    }
  }
  return snapshot;
}

/// Registry: the set of metric families the daemon exposes on /metrics.
///
/// Registration validates names and returns an error for a bad or duplicate
/// one; these are programming mistakes, so callers usually INGESTD_CHECK the
/// result at startup. On success the pointer is non-null and valid for the
/// registry's lifetime. Families are never removed.
///
/// Thread-safe: families may be added and collected from any thread.
///
/// Naming practice (docs/metrics.md): an `ingestd_` prefix, base units
/// (`_seconds`, `_bytes`), and counters ending in `_total` (enforced).
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// A counter family. `name` must end in `_total`.
  Result<Family<Counter>*> AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names);

  Result<Family<Gauge>*> AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names);

  /// A histogram family. `bounds` are the bucket upper bounds: finite and
  /// strictly increasing (the +Inf bucket is implicit); may be empty. `le` is
  /// not allowed as a label name.
  Result<Family<Histogram>*> AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds);

  /// Every family, sorted by name, each with its series sorted by label values.
  std::vector<FamilySnapshot> Collect() const;

 private:
  Status Validate(std::string_view name, std::string_view help,
                  const std::vector<std::string>& label_names, MetricType type) const;
  template <class T>
  Result<Family<T>*> Insert(std::unique_ptr<Family<T>> family);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;
};

}  // namespace ingestd::metrics
