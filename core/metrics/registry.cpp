#include "core/metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <set>

namespace ingestd::metrics {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

bool MatchesName(std::string_view name) {
  return !name.empty() && IsNameStart(name.front()) &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

/// The names a family's samples use: a histogram `x` also writes x_bucket,
/// x_sum and x_count, which must not collide with another family.
std::vector<std::string> SampleNames(std::string_view name, MetricType type) {
  std::vector<std::string> names{std::string(name)};
  if (type == MetricType::kHistogram) {
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      names.push_back(std::string(name).append(suffix));
    }
  }
  return names;
}

}  // namespace

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

Status ValidateMetricName(std::string_view name) {
  if (!MatchesName(name)) {
    return InvalidArgument("metric name \"" + std::string(name) +
                           "\" must match [a-zA-Z_][a-zA-Z0-9_]* (no colons)");
  }
  return OkStatus();
}

Status ValidateLabelName(std::string_view name) {
  if (!MatchesName(name)) {
    return InvalidArgument("label name \"" + std::string(name) +
                           "\" must match [a-zA-Z_][a-zA-Z0-9_]*");
  }
  if (name.starts_with("__")) {
    return InvalidArgument("label name \"" + std::string(name) +
                           "\" starts with \"__\", which Prometheus reserves");
  }
  return OkStatus();
}

Status Registry::Validate(std::string_view name, std::string_view help,
                          const std::vector<std::string>& label_names, MetricType type) const {
  INGESTD_TRY(ValidateMetricName(name));
  if (type == MetricType::kCounter && (!name.ends_with("_total") || name == "_total")) {
    return InvalidArgument("counter \"" + std::string(name) + "\" must end in \"_total\"");
  }
  if (help.empty()) {
    return InvalidArgument("metric \"" + std::string(name) + "\" needs a help text");
  }
  std::set<std::string_view> seen;
  for (const std::string& label : label_names) {
    if (Status status = ValidateLabelName(label); !status.ok()) {
      return status.error().WithContext("metric " + std::string(name));
    }
    if (type == MetricType::kHistogram && label == "le") {
      return InvalidArgument("metric " + std::string(name) +
                             ": label name \"le\" is reserved for histogram buckets");
    }
    if (!seen.insert(label).second) {
      return InvalidArgument("metric " + std::string(name) + ": label name \"" + label +
                             "\" appears twice");
    }
  }
  return OkStatus();
}

template <class T>
Result<Family<T>*> Registry::Insert(std::unique_ptr<Family<T>> family) {
  std::vector<std::string> new_names = SampleNames(family->name(), family->type());
  std::lock_guard lock(mutex_);
  for (const auto& [existing_name, existing] : families_) {
    for (const std::string& taken : SampleNames(existing_name, existing->type())) {
      if (std::find(new_names.begin(), new_names.end(), taken) != new_names.end()) {
        return InvalidArgument("metric \"" + family->name() + "\" collides with the " +
                               std::string(MetricTypeName(existing->type())) + " \"" +
                               existing_name + "\" already registered");
      }
    }
  }
  Family<T>* raw = family.get();
  families_.emplace(family->name(), std::move(family));
  return raw;
}

Result<Family<Counter>*> Registry::AddCounter(std::string name, std::string help,
                                              std::vector<std::string> label_names) {
  INGESTD_TRY(Validate(name, help, label_names, MetricType::kCounter));
  return Insert(std::make_unique<Family<Counter>>(std::move(name), std::move(help),
                                                  MetricType::kCounter, std::move(label_names)));
}

Result<Family<Gauge>*> Registry::AddGauge(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  INGESTD_TRY(Validate(name, help, label_names, MetricType::kGauge));
  return Insert(std::make_unique<Family<Gauge>>(std::move(name), std::move(help),
                                                MetricType::kGauge, std::move(label_names)));
}

Result<Family<Histogram>*> Registry::AddHistogram(std::string name, std::string help,
                                                  std::vector<std::string> label_names,
                                                  std::vector<double> bounds) {
  INGESTD_TRY(Validate(name, help, label_names, MetricType::kHistogram));
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return InvalidArgument("histogram " + name +
                             ": bucket bounds must be finite (+Inf is implicit)");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return InvalidArgument("histogram " + name +
                             ": bucket bounds must be strictly increasing");
    }
  }
  return Insert(std::make_unique<Family<Histogram>>(std::move(name), std::move(help),
                                                    MetricType::kHistogram,
                                                    std::move(label_names), std::move(bounds)));
}

std::vector<FamilySnapshot> Registry::Collect() const {
  // Copy pointers under the lock; collecting runs gauge callbacks, which may
  // register families themselves.
  std::vector<const FamilyBase*> families;
  {
    std::lock_guard lock(mutex_);
    families.reserve(families_.size());
    for (const auto& entry : families_) families.push_back(entry.second.get());
  }
  std::vector<FamilySnapshot> snapshots;
  snapshots.reserve(families.size());
  for (const FamilyBase* family : families) snapshots.push_back(family->Collect());
  return snapshots;
}

}  // namespace ingestd::metrics
