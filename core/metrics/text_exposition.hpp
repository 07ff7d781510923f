#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/metrics/registry.hpp"

namespace ingestd::metrics {

/// The Content-Type of RenderText's output. Prometheus 3 fails a scrape whose
/// Content-Type is missing or malformed, so serve exactly this.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

/// The registry in Prometheus text format 0.0.4: per family one `# HELP` and
/// one `# TYPE` line, then its samples; families sorted by name, series by
/// label values; every line ends with '\n'. Families with no series yet are
/// left out (as client_golang does). Runs gauge callbacks.
std::string RenderText(const Registry& registry);

/// The same for already collected families (in the given order).
std::string RenderText(std::span<const FamilySnapshot> families);

/// A sample value: shortest round-trip text (std::to_chars), integers below
/// 1e15 without an exponent ("800000", not "8e+05"), and `+Inf`, `-Inf`, `NaN`.
std::string FormatValue(double v);

}  // namespace ingestd::metrics
