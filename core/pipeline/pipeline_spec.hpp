#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/files_source.hpp"
#include "core/extract/incremental.hpp"
#include "core/extract/rest/rest_api_config.hpp"
#include "core/extract/sql/sql_source.hpp"
#include "core/schema/column_schema.hpp"
#include "core/schema/resource_hints.hpp"
#include "core/schema/schema_contract.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::pipeline {

/// A pipeline as the user declares it (docs/pipeline-spec.md documents every
/// key). Plain data with the defaults below; ParsePipelineSpec fills it from
/// JSON and validates it, so a PipelineSpec that exists is consistent.

enum class DestinationKind : std::uint8_t { kSqlite, kPostgres };
std::string_view DestinationKindName(DestinationKind kind);  // "sqlite", "postgres"

struct DestinationSpec {
  DestinationKind kind = DestinationKind::kSqlite;
  /// sqlite: the database file. Unset: `<data_dir>/<pipeline name>.sqlite`,
  /// which the runner resolves (it knows the data directory).
  std::optional<std::string> sqlite_path;
  /// postgres: a libpq connection string or URI, or a secret reference
  /// `env:NAME` (the variable's value) or `file:PATH` (the file's contents,
  /// trimmed), stored as written and resolved by the runner at connect time
  /// so secrets never sit in the spec. Empty for sqlite.
  std::string postgres_dsn;
};

/// Buffering and file rotation of the extract and normalize stages.
struct PipelineOptions {
  /// Items held in memory at most before the runner writes them to an item
  /// file. The runner writes each item as it arrives (through a 256 KiB
  /// buffer), which is within any value of this bound.
  std::size_t buffer_max_items = 5000;
  /// Rotate load/item files after this many items/rows (unset: no limit).
  std::optional<std::uint64_t> file_max_items;
  /// Rotate load/item files after this many bytes (unset: no limit).
  std::optional<std::uint64_t> file_max_bytes;
  /// Identifier limit for the naming convention; unset: the destination's
  /// (63 for PostgreSQL, none for SQLite).
  std::optional<std::size_t> max_identifier_length;
};

/// A resource whose records are pushed to the daemon (gRPC PushRecords, the
/// daemon's `pipeline.run(data)`). It extracts nothing in scheduled or
/// manual runs; a push run extracts only the pushed records.
struct PushConfig {
  bool operator==(const PushConfig&) const = default;
};

/// When the daemon runs a pipeline by itself (`"schedule"` in the spec).
/// Exactly one of `cron` and `interval_seconds` is set.
struct ScheduleSpec {
  /// Five fields (minute hour day-of-month month day-of-week), UTC, as
  /// schedule::Schedule::ParseCron accepts them; empty when unset.
  std::string cron;
  /// Every this many seconds (at least 1); 0 when unset.
  double interval_seconds = 0;
  /// A run still active this many seconds after it was created fails with
  /// DEADLINE_EXCEEDED; 0: no deadline. Also the default for manual runs.
  double timeout_seconds = 0;
};

/// Where a resource's items come from: a tagged union, one alternative per
/// source kind. `files` and `sql` are written per resource (`"source":
/// {"kind": ...}`); `rest_api` resources come from the spec's top-level
/// `rest_api` object (dlt's config shape), one ResourceSpec per resource.
using SourceSpec =
    std::variant<extract::FilesConfig, extract::rest::RestResourceConfig, extract::sql::SqlConfig, PushConfig>;

/// The `kind` of a source ("files", "rest_api", "sql", "push").
std::string_view SourceKindName(const SourceSpec& source);

struct ResourceSpec {
  /// Unique within the pipeline, non-empty; the state key
  /// (`sources.<source>.resources.<name>`).
  std::string name;
  /// The root table (normalized by the naming convention when applied).
  /// Defaults to `name`.
  std::string table_name;
  schema::WriteDisposition write_disposition = schema::WriteDisposition::kAppend;
  /// Only with kMerge; unset means delete-insert (dlt's default).
  std::optional<schema::MergeStrategy> merge_strategy;
  std::vector<std::string> primary_key;
  std::vector<std::string> merge_key;
  /// Column hints in declaration order.
  std::vector<schema::ColumnSchema> columns;
  std::optional<int> max_table_nesting;
  std::optional<schema::SchemaContract> schema_contract;
  std::optional<extract::IncrementalConfig> incremental;
  SourceSpec source;

  /// The schema hints this resource declares, for
  /// schema::ApplyResourceHints.
  schema::ResourceHints ToResourceHints() const;
};

struct PipelineSpec {
  /// A valid identifier: ASCII letters, digits and `_`, not starting with a
  /// digit, at most 64 characters (it names files and state).
  std::string name;
  DestinationSpec destination;
  /// The destination schema/dataset; default `<name>_dataset` (dlt's).
  std::string dataset_name;
  PipelineOptions options;
  /// At least one, in declaration order (the order they are extracted).
  std::vector<ResourceSpec> resources;
  /// Unset: the daemon runs it only on request.
  std::optional<ScheduleSpec> schedule;
};

/// Parses and validates a pipeline spec. Strict: unknown keys, duplicate
/// keys and wrong types are errors (kInvalidArgument) whose message starts
/// with the JSON path of the mistake and says what is allowed there, e.g.
/// `resources[1].incremental.last_value_func: expected one of "max", "min",
/// got "avg"`. Cross-field rules: a merge strategy only with the merge
/// disposition, upsert needs a primary key, end_value needs initial_value
/// (and lies after it), resource names unique and non-empty, the pipeline
/// name a valid identifier.
Result<PipelineSpec> ParsePipelineSpec(std::string_view json);

/// Reads and parses the spec file at `path`. Relative paths inside it
/// (those ResolveSpecPaths resolves) are resolved against the spec file's
/// directory, so a spec works whatever the daemon's working directory.
/// Errors are prefixed with the file path.
Result<PipelineSpec> LoadPipelineSpecFile(const std::string& path);

/// Returns `json` (a spec's text) with every relative path made absolute
/// against `base_dir`: the sqlite destination's `path`, the local (not
/// URL) `paths` of files sources, and the `http.ca_file` of files sources
/// and of `rest_api.client`. Other text is kept as written (key order,
/// numbers as written, secrets as references; whitespace is not kept).
/// Nothing else is validated. ingestctl calls it before sending a spec file
/// to a daemon whose working directory is elsewhere. Errors as
/// ParsePipelineSpec for JSON that is invalid or not an object.
Result<std::string> ResolveSpecPaths(std::string_view json, std::string_view base_dir);

}  // namespace ingestd::pipeline
