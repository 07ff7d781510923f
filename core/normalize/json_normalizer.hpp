#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/normalize/normalize_options.hpp"
#include "core/normalize/normalized_batch.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/schema_update.hpp"

namespace ingestd::normalize {

class NormalizerState;

/// The relational normalizer: turns JSON items into rows of flat, typed
/// tables the way dlt's relational normalizer does (reference §1 to §5).
///
/// - Nested objects flatten into `parent__child` columns; lists become
///   nested tables `table__field` linked by `_dlt_parent_id`/`_dlt_list_idx`
///   (and `_dlt_root_id` for merge tables); lists of scalars get a `value`
///   column, lists of lists a `list` table; empty containers and nulls leave
///   no trace; beyond the nesting budget values are kept as `json`.
/// - Types are inferred for new columns, values are coerced into existing
///   columns, and values that do not fit go to variant columns
///   `<col>__v_<type>`.
/// - Schema contracts are enforced per row; discards are recorded in the
///   batch, a freeze fails the call with kFailedPrecondition naming the
///   table, column, entity, mode and place.
///
/// The normalizer keeps a working copy of the schema that grows as data
/// arrives; schema() is that copy and update() is what was added since
/// construction (or since the last TakeUpdate()). It does no I/O, reads no
/// clock and is deterministic for a given NormalizeOptions::row_id_seed.
/// Not thread-safe: use one per thread or process.
class JsonNormalizer {
 public:
  static Result<JsonNormalizer> Create(const schema::Schema& schema, NormalizeOptions options);

  JsonNormalizer(JsonNormalizer&&) noexcept;
  JsonNormalizer& operator=(JsonNormalizer&&) noexcept;
  ~JsonNormalizer();

  /// Normalizes one JSON document into `root_table` (a name that is itself
  /// normalized). An object is one item; a top-level array is a sequence of
  /// items (as a resource yielding a list); any other value becomes the item
  /// {"value": v}. Rows are appended to `out`. On error nothing of the
  /// failing item is in `out` and the working schema is unchanged by it;
  /// items before it in the same document stay.
  Status Normalize(std::string_view json, std::string_view root_table, NormalizedBatch& out);

  /// Normalizes a stream of JSON documents separated by whitespace (JSON
  /// Lines and concatenated JSON), each as Normalize() treats a document.
  Status NormalizeLines(std::string_view data, std::string_view root_table, NormalizedBatch& out);

  const schema::Schema& schema() const;
  const schema::SchemaUpdate& update() const;
  /// Returns the update collected so far and starts a new one.
  schema::SchemaUpdate TakeUpdate();

  /// Items normalized so far (the index the next item will get).
  std::uint64_t items_seen() const;

  /// When a call failed because data broke a frozen contract: the facts of
  /// that violation (table, column, entity, mode, value, place), for callers
  /// that report it in structured form. Null otherwise.
  const contracts::ContractViolation* frozen_violation() const;

 private:
  explicit JsonNormalizer(std::unique_ptr<NormalizerState> state);
  std::unique_ptr<NormalizerState> state_;
};

/// Convenience for one document: a fresh normalizer over `schema`, the rows,
/// and (through `update`, when given) the schema update.
Result<NormalizedBatch> Normalize(std::string_view json, std::string_view root_table,
                                  const schema::Schema& schema, const NormalizeOptions& options,
                                  schema::SchemaUpdate* update = nullptr);

}  // namespace ingestd::normalize
