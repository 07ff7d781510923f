#pragma once

// Internal to core/pipeline: the building blocks of the pipeline spec parser
// (pipeline_spec_json.cpp, rest_api_spec_json.cpp). Not an API; nothing
// outside core/pipeline includes this.
//
// Every function reports errors as kInvalidArgument whose message starts
// with the JSON path of the mistake (`resources[1].incremental.x: ...`).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/incremental.hpp"
#include "core/json/rapidjson.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/schema/column_schema.hpp"
#include "core/schema/resource_hints.hpp"
#include "core/schema/schema_contract.hpp"

namespace ingestd::pipeline::spec_json {

using rapidjson::Value;

// ---------------------------------------------------------------------------
// Paths and messages

std::string_view KeyOf(const Value::Member& m);
/// "a.b" (or "b" at the root).
std::string Join(std::string_view path, std::string_view key);
/// "a[3]".
std::string Index(std::string_view path, std::size_t i);
/// "<path>: <message>" (or "pipeline spec: <message>" at the root).
Error At(std::string_view path, std::string_view message);
Error WrongType(std::string_view path, std::string_view expected, const Value& v);
std::string Quoted(std::string_view s);
/// "a, b, c" (quoted: "\"a\", \"b\"").
std::string List(const std::vector<std::string_view>& names, bool quote);
/// The compact JSON text of a value.
std::string CompactJson(const Value& v);
/// `<what>: invalid JSON at line L, column C: <reason>` for a RapidJSON
/// parse error at byte `offset` of `text` (kInvalidArgument).
Error InvalidJson(std::string_view what, std::string_view text, rapidjson::ParseErrorCode code, std::size_t offset);

/// A key dlt knows that ingestd rejects with a reason instead of "unknown
/// key", e.g. {"processing_steps", "not supported by ingestd (...)"}.
struct KnownKey {
  std::string_view key;
  std::string_view message;
};

/// An object whose keys are checked once against the allowed set: unknown
/// keys (a typo must not be silently ignored) and duplicates are errors;
/// keys in `rejected` fail with their own message.
class Object {
 public:
  static Result<Object> Open(const Value& v, std::string path, std::vector<std::string_view> allowed,
                             const std::vector<KnownKey>& rejected = {});

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return Join(path_, key); }
  const Value& value() const { return *v_; }

  /// The member, or nullptr when absent.
  const Value* Find(std::string_view key) const;
  Result<const Value*> Require(std::string_view key) const;

 private:
  Object(const Value& v, std::string path) : v_(&v), path_(std::move(path)) {}
  const Value* v_;
  std::string path_;
};

// ---------------------------------------------------------------------------
// Scalars

Result<std::string> AsString(const Value& v, std::string_view path);
Result<std::string> AsNonEmptyString(const Value& v, std::string_view path);
Result<bool> AsBool(const Value& v, std::string_view path);
/// An integer in [min, max].
Result<std::int64_t> AsInteger(const Value& v, std::string_view path, std::int64_t min,
                               std::int64_t max = std::numeric_limits<std::int64_t>::max());
/// A finite number (integers included).
Result<double> AsNumber(const Value& v, std::string_view path);
/// One of a fixed set of strings.
Result<std::string> AsEnum(const Value& v, std::string_view path, const std::vector<std::string_view>& allowed);
/// A key: one column name or a list of them. An empty list means none.
Result<std::vector<std::string>> AsColumnList(const Value& v, std::string_view path);
/// An object whose values are all strings, in order (headers).
Result<std::vector<std::pair<std::string, std::string>>> AsStringMap(const Value& v, std::string_view path);
/// A non-empty string; when it is a secret reference (`env:NAME`,
/// `file:PATH`) it must name something.
Result<std::string> AsSecret(const Value& v, std::string_view path);

// ---------------------------------------------------------------------------
// Resource hints (files, sql and rest_api resources alike)

struct Disposition {
  schema::WriteDisposition disposition = schema::WriteDisposition::kAppend;
  std::optional<schema::MergeStrategy> strategy;
};

Result<Disposition> ParseWriteDisposition(const Value& v, const std::string& path);
Result<schema::SchemaContract> ParseSchemaContract(const Value& v, const std::string& path);
/// Column name -> hints, in declaration order.
Result<std::vector<schema::ColumnSchema>> ParseColumns(const Value& v, const std::string& path);

/// The dlt table hints a resource may declare, each unset when absent so
/// that rest_api's resource_defaults can be merged under them.
struct TableHints {
  std::optional<std::string> table_name;
  std::optional<Disposition> write_disposition;
  std::optional<std::vector<std::string>> primary_key;
  std::optional<std::vector<std::string>> merge_key;
  std::optional<std::vector<schema::ColumnSchema>> columns;
  std::optional<int> max_table_nesting;
  std::optional<schema::SchemaContract> schema_contract;

  /// The keys ParseTableHints reads.
  static const std::vector<std::string_view>& Keys();

  /// `over` wins key by key, except columns: merged per column, hint by
  /// hint (dlt's merge_columns), defaults' columns first.
  static TableHints Merge(const TableHints& defaults, const TableHints& over);
  /// Sets the hints on `r` (table_name defaults to r.name).
  void ApplyTo(ResourceSpec& r) const;
};

/// Reads TableHints::Keys() from an opened object (other keys are ignored).
Result<TableHints> ParseTableHints(const Object& o);

/// Cross-field rule: strategy "upsert" needs a primary key. `path` is where
/// the disposition was declared.
Status CheckUpsertHasKey(const ResourceSpec& r, std::string_view path);

// ---------------------------------------------------------------------------
// Incremental

/// A JSON scalar as a cursor value; null means unset.
Result<std::optional<extract::CursorValue>> ParseCursorValue(const Value& v, std::string_view path);

/// The cursor keys of dlt's incremental (cursor_path, initial_value,
/// end_value, last_value_func, primary_key, on_cursor_value_missing,
/// range_start, range_end).
const std::vector<std::string_view>& IncrementalKeys();

/// Reads IncrementalKeys() from an opened object (other keys ignored) and
/// checks the config (cursor path, end_value after initial_value).
Result<extract::IncrementalConfig> ParseIncrementalKeys(const Object& o);

/// A resource's `incremental` object (only IncrementalKeys()).
Result<extract::IncrementalConfig> ParseIncremental(const Value& v, const std::string& path);

// ---------------------------------------------------------------------------
// The top-level `rest_api` key (rest_api_spec_json.cpp)

/// Expands dlt's rest_api config at `path` into one ResourceSpec per
/// resource, in declaration order.
Result<std::vector<ResourceSpec>> ParseRestApi(const Value& v, const std::string& path);

/// The HTTP client keys `http`, `retry` and `limits` of an opened object
/// (rest_api's client, a files source reading URLs), validated.
Result<extract::http::HttpClientOptions> ParseHttpOptions(const Object& o);

/// Checks an absolute http(s) URL: scheme, a host, no user:password@, no
/// spaces or control characters. nullopt when fine, else what is wrong.
std::optional<std::string> CheckAbsoluteHttpUrl(std::string_view url);

}  // namespace ingestd::pipeline::spec_json
