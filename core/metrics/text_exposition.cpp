#include "core/metrics/text_exposition.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ingestd::metrics {
namespace {

void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buffer[64];
  // Counts and sizes read better as plain integers; below 1e15 every integral
  // double prints exactly in fixed notation, which still round-trips.
  const auto format = (v == std::trunc(v) && std::fabs(v) < 1e15) ? std::chars_format::fixed
                                                                  : std::chars_format::general;
  std::to_chars_result result =
      format == std::chars_format::fixed ? std::to_chars(buffer, buffer + sizeof buffer, v, format)
                                         : std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

void AppendCount(std::string& out, std::uint64_t v) {
  char buffer[24];
  std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, result.ptr);
}

/// HELP text: `\` -> `\\`, newline -> `\n`.
void AppendHelp(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

/// Label values: `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
void AppendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

/// `{a="x",b="y"}`, or `{a="x",le="0.5"}` with a bucket bound; nothing when
/// there are no labels at all.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, const double* le) {
  if (names.empty() && le == nullptr) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    AppendLabelValue(out, values[i]);
    out += '"';
  }
  if (le != nullptr) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    AppendValue(out, *le);
    out += '"';
  }
  out += '}';
}

void AppendSeries(std::string& out, const FamilySnapshot& family, const SeriesSnapshot& series) {
  if (family.type != MetricType::kHistogram) {
    out += family.name;
    AppendLabels(out, family.label_names, series.label_values, nullptr);
    out += ' ';
    AppendValue(out, series.value);
    out += '\n';
    return;
  }
  const HistogramSnapshot& histogram = series.histogram;
  for (std::size_t i = 0; i < histogram.cumulative.size(); ++i) {
    const double le = i < family.bounds.size() ? family.bounds[i] : HUGE_VAL;
    out += family.name;
    out += "_bucket";
    AppendLabels(out, family.label_names, series.label_values, &le);
    out += ' ';
    AppendCount(out, histogram.cumulative[i]);
    out += '\n';
  }
  out += family.name;
  out += "_sum";
  AppendLabels(out, family.label_names, series.label_values, nullptr);
  out += ' ';
  AppendValue(out, histogram.sum);
  out += '\n';
  out += family.name;
  out += "_count";
  AppendLabels(out, family.label_names, series.label_values, nullptr);
  out += ' ';
  AppendCount(out, histogram.count());  // the +Inf bucket, from the same snapshot
  out += '\n';
}

}  // namespace

std::string FormatValue(double v) {
  std::string out;
  AppendValue(out, v);
  return out;
}

std::string RenderText(std::span<const FamilySnapshot> families) {
  std::string out;
  for (const FamilySnapshot& family : families) {
    if (family.series.empty()) continue;
    out += "# HELP ";
    out += family.name;
    out += ' ';
    AppendHelp(out, family.help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += MetricTypeName(family.type);
    out += '\n';
    for (const SeriesSnapshot& series : family.series) AppendSeries(out, family, series);
  }
  return out;
}

std::string RenderText(const Registry& registry) {
  const std::vector<FamilySnapshot> families = registry.Collect();
  return RenderText(std::span<const FamilySnapshot>(families));
}

}  // namespace ingestd::metrics
