#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/naming/naming_convention.hpp"

namespace ingestd::normalize {

/// Inputs of normalization besides the data and the schema. Everything that
/// would make the result depend on the environment (load id, clock, random
/// ids) is passed in, so the same inputs always give the same rows.
struct NormalizeOptions {
  /// Written to `_dlt_load_id` of every root row.
  std::string load_id;
  /// The naming convention; null means snake_case with
  /// `max_identifier_length`.
  std::shared_ptr<const naming::NamingConvention> naming;
  /// Destination identifier limit (63 for PostgreSQL, 0 = none); used only
  /// when `naming` is null.
  std::size_t max_identifier_length = 63;
  /// Nesting budget when neither the table (`x-normalizer.max_nesting`) nor
  /// the schema's normalizer config sets one (dlt's default 1000).
  int max_nesting = 1000;
  /// Seed of the generator behind random root `_dlt_id`s. Callers seed it
  /// from a random source per run; tests fix it to get golden output.
  std::uint64_t row_id_seed = 0;
  /// "Now" for the optional `timestamp` detector.
  double now_unix_seconds = 0;
  /// Hard limit on JSON nesting depth of one item: deeper input is refused
  /// with an error instead of growing memory without bound.
  std::size_t max_depth = 10000;
  /// Largest accepted string or number (bytes); larger values are an error
  /// naming the item, rather than a load the destination would refuse.
  std::size_t max_value_bytes = 64 * 1024 * 1024;
  /// Violation records kept with full detail per batch; all are counted.
  std::size_t max_violation_records = 1000;
};

}  // namespace ingestd::normalize
