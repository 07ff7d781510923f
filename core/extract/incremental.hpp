#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/source.hpp"

namespace ingestd::extract {

/// A cursor value: a JSON number, string or boolean. Numbers compare
/// numerically (exactly between integers, as doubles otherwise), strings
/// byte-wise (so ISO 8601 timestamps of one format and zone compare in time
/// order), false < true. Values of different kinds do not compare.
class CursorValue {
 public:
  enum class Kind : std::uint8_t { kNumber, kString, kBool };

  static CursorValue Int(std::int64_t v);
  static CursorValue Uint(std::uint64_t v);
  static CursorValue Double(double v);
  static CursorValue String(std::string v);
  static CursorValue Bool(bool v);
  /// Parses the JSON text of a scalar ("12", "\"2024-01-01\"", "true").
  /// null, arrays and objects are errors.
  static Result<CursorValue> FromJson(std::string_view json);

  Kind kind() const { return kind_; }
  /// "a number", "a string", "a boolean" (for messages).
  std::string_view KindName() const;
  /// The compact JSON text of the value.
  std::string ToJson() const;

  /// <0, 0, >0 as this is before, equal to or after `other`; an error when
  /// the kinds differ ("cannot compare a string with a number").
  Result<int> Compare(const CursorValue& other) const;
  bool operator==(const CursorValue& other) const;

 private:
  enum class NumberRep : std::uint8_t { kInt, kUint, kDouble };
  Kind kind_ = Kind::kNumber;
  NumberRep rep_ = NumberRep::kInt;
  std::int64_t int_ = 0;
  std::uint64_t uint_ = 0;
  double double_ = 0;
  bool bool_ = false;
  std::string string_;
};

/// A cursor path: a dotted field path (`updated_at`, `meta.updated_at`) or a
/// simple JSONPath (`$.meta.updated_at`, `items[0].ts`, `$['odd key'].ts`).
/// Wildcards, filters and slices are not supported.
class CursorPath {
 public:
  struct Step {
    bool is_index = false;
    std::string key;
    std::size_t index = 0;
  };
  static Result<CursorPath> Parse(std::string_view path);
  const std::vector<Step>& steps() const { return steps_; }
  /// The single top-level field name, when the path is just that.
  std::optional<std::string> TopLevelField() const;

 private:
  std::vector<Step> steps_;
};

enum class LastValueFunc : std::uint8_t { kMax, kMin };
enum class OnCursorValueMissing : std::uint8_t { kRaise, kInclude, kExclude };
enum class RangeBound : std::uint8_t { kClosed, kOpen };

std::string_view LastValueFuncName(LastValueFunc f);           // "max", "min"
std::string_view OnCursorValueMissingName(OnCursorValueMissing m);  // "raise", "include", "exclude"
std::string_view RangeBoundName(RangeBound b);                 // "closed", "open"

/// dlt's `dlt.sources.incremental` arguments (reference §9), as a pipeline
/// spec gives them.
struct IncrementalConfig {
  std::string cursor_path;
  /// Where the first run starts (no stored last_value yet). Unset: every
  /// item is in range until a last_value is stored.
  std::optional<CursorValue> initial_value;
  /// Items at or beyond end_value (see range_end) are dropped. Setting it
  /// makes the run a backfill: nothing is persisted (state is throwaway),
  /// and start_value is always initial_value. Requires initial_value.
  std::optional<CursorValue> end_value;
  LastValueFunc last_value_func = LastValueFunc::kMax;
  /// Columns hashed for boundary dedup. Unset: the resource's primary key,
  /// or the whole item when that is empty too. An empty list disables dedup.
  std::optional<std::vector<std::string>> primary_key;
  OnCursorValueMissing on_cursor_value_missing = OnCursorValueMissing::kRaise;
  /// closed: items equal to start_value are kept (minus those already seen,
  /// by unique hash); open: they are dropped and dedup is off.
  RangeBound range_start = RangeBound::kClosed;
  /// open: items equal to end_value are dropped; closed: kept.
  RangeBound range_end = RangeBound::kOpen;
};

/// Checks a config on its own: the cursor path parses, end_value has an
/// initial_value of the same kind and lies after it (per last_value_func).
Status ValidateIncrementalConfig(const IncrementalConfig& config);

/// What the runner stores in pipeline state under
/// `sources.<source>.resources.<resource>.incremental.<cursor_path>`:
/// {"initial_value": ..., "last_value": ..., "unique_hashes": [...],
///  "start_value": ...} (unset values are null), as dlt does.
struct IncrementalState {
  std::optional<CursorValue> initial_value;
  std::optional<CursorValue> last_value;
  /// Digest128 of the primary key (or item) of the items whose cursor equals
  /// last_value, for boundary dedup on the next run. At most
  /// Incremental::kMaxUniqueHashes.
  std::vector<std::string> unique_hashes;
  std::optional<CursorValue> start_value;

  std::string ToJson() const;
  /// Strict: an object with the four keys (missing ones unset), each value
  /// a scalar or null, unique_hashes an array of strings.
  static Result<IncrementalState> FromJson(std::string_view json);
  bool operator==(const IncrementalState&) const = default;
};

/// Counters of one incremental run.
struct IncrementalStats {
  std::uint64_t items_seen = 0;
  std::uint64_t items_kept = 0;
  std::uint64_t out_of_range = 0;      // before start_value or beyond end_value
  std::uint64_t deduplicated = 0;      // equal to start_value and already loaded
  std::uint64_t missing_cursor = 0;    // cursor absent or null (included or excluded)
  /// Boundary hashes not stored because kMaxUniqueHashes was reached. When
  /// non-zero, dedup at the next run's start is best-effort: some items
  /// equal to last_value may load again.
  std::uint64_t hashes_dropped = 0;
};

/// dlt's cursor incremental applied to JSON items (reference §9), shown for
/// max (min mirrors it):
/// - cursor missing/null: raise (error), include (kept, state untouched) or
///   exclude (dropped);
/// - with end_value: drop cursor >= end (range_end open) / > end (closed);
/// - drop cursor < start_value; cursor == start_value is dropped when
///   range_start is open, otherwise kept unless its hash is in the stored
///   unique_hashes;
/// - kept items advance last_value; unique_hashes become the hashes of the
///   kept items whose cursor equals the final last_value (added to the
///   stored ones while last_value does not move).
/// Dedup is off when primary_key is [], range_start is open or end_value is
/// set. The hash is Digest128 of the compact sorted-key JSON of the key
/// value (one key column), the list of key values (several) or the item.
/// Not thread-safe.
class Incremental {
 public:
  /// Bound on stored unique hashes (dlt's list grows without bound: state
  /// rows of 100 MB+, dlt issues #4030, #2580). Beyond it hashes are not
  /// stored and stats().hashes_dropped counts them.
  static constexpr std::size_t kMaxUniqueHashes = 10000;

  /// `state` is what the last run stored (nullopt on the first run; ignored
  /// when end_value is set). `resource_primary_key` is used for dedup when
  /// config.primary_key is unset.
  static Result<Incremental> Create(IncrementalConfig config, std::optional<IncrementalState> state,
                                    std::vector<std::string> resource_primary_key = {});

  Incremental(Incremental&&) noexcept;
  Incremental& operator=(Incremental&&) noexcept;
  ~Incremental();

  /// Decides about one item (its JSON text): true to keep it. Errors: the
  /// item is not valid JSON, the cursor is missing with on_cursor_value_missing
  /// raise, the cursor is not a scalar, or its kind differs from the bounds
  /// or from earlier cursors; a key column missing for dedup.
  Result<bool> Accept(std::string_view json_item);

  /// The value the run started from (stored last_value, else initial_value),
  /// fixed for the run; what a REST source sends as its "since" parameter.
  const std::optional<CursorValue>& start_value() const;
  /// The furthest cursor seen so far (starts at start_value).
  const std::optional<CursorValue>& last_value() const;
  const std::optional<CursorValue>& end_value() const;
  const IncrementalConfig& config() const;
  const IncrementalStats& stats() const;
  bool deduplication_enabled() const;

  /// False when end_value is set: a backfill leaves the stored state alone.
  bool persist_state() const;
  /// The state to store after the run (initial_value, last_value,
  /// unique_hashes, start_value).
  IncrementalState State() const;

 private:
  struct Impl;
  explicit Incremental(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// An ItemSink that passes only the items `incremental` keeps on to `next`.
/// Both are borrowed and must outlive the filter.
class IncrementalFilter : public ItemSink {
 public:
  IncrementalFilter(Incremental& incremental, ItemSink& next) : incremental_(incremental), next_(next) {}
  Status Accept(std::string_view json_item) override;

 private:
  Incremental& incremental_;
  ItemSink& next_;
};

}  // namespace ingestd::extract
