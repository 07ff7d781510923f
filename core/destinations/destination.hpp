#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/schema/schema.hpp"

namespace ingestd::destinations {

/// One table's data in a load package: its load files (package::LoadFile*)
/// in the order they were written.
struct TableLoad {
  std::string table;
  std::vector<std::string> files;
};

/// A `_dlt_pipeline_state` row (dlt's columns and encoding).
struct StateRow {
  std::int64_t version = 0;
  std::int64_t engine_version = 4;
  std::string pipeline_name;
  std::string state;         // compressed: zlib(level 9) of the state JSON, then base64
  double created_at = 0;     // unix seconds
  std::string version_hash;
};

/// What a destination keeps about a pipeline, for restoring an empty data
/// directory: the newest schema (from `_dlt_version`) and the newest state
/// whose load completed (`_dlt_pipeline_state` joined with `_dlt_loads`).
struct StoredPipeline {
  std::optional<std::string> schema_json;  // the stored-schema JSON text
  std::optional<StateRow> state;
};

/// Everything one load package asks of a destination. Destinations apply it
/// in ONE transaction: create/alter tables, truncate replaced chains, copy
/// data (through staging for merge and replace-from-staging), run merge
/// statements, insert the `_dlt_version` row (when `store_schema_version`),
/// the `_dlt_pipeline_state` row (when `state` is set) and finally the
/// `_dlt_loads` row, which is the commit marker. A request whose load_id is
/// already in `_dlt_loads` must change nothing and succeed (idempotence).
struct LoadRequest {
  std::string load_id;
  std::string pipeline_name;
  /// The schema after normalization: every table and column the data needs,
  /// with dispositions, merge strategies and key hints. Not owned.
  const schema::Schema* schema = nullptr;
  /// Insert a `_dlt_version` row for schema->version_hash() (set when the
  /// destination may not have this version yet).
  bool store_schema_version = false;
  /// Tables that have rows in this package.
  std::vector<TableLoad> tables;
  /// Root tables with write_disposition replace that this package replaces:
  /// they and their nested tables are emptied even when no rows came.
  std::vector<std::string> replace_tables;
  std::optional<StateRow> state;
  /// When the package was created (unix seconds): `inserted_at`, and the
  /// scd2 validity boundary.
  double created_at = 0;
  /// Test hook for crash tests (may be empty): called with "copy" once data
  /// is partly sent (after the first chunk of the first table), and with
  /// "commit" just before the transaction commits.
  std::function<void(std::string_view)> checkpoint;
};

/// Counts a successful load reports back.
struct LoadResult {
  bool already_loaded = false;  // the load id was in `_dlt_loads`; nothing was done
  std::vector<std::pair<std::string, std::uint64_t>> rows_per_table;
};

/// What a load needs to know before normalization has finished: everything
/// of a LoadRequest except the schema, the tables and the state row.
struct LoadBegin {
  std::string load_id;
  std::string pipeline_name;
  /// As LoadRequest::replace_tables (known once extraction has finished).
  std::vector<std::string> replace_tables;
  double created_at = 0;
  /// As LoadRequest::checkpoint; may be called on the thread that appends.
  std::function<void(std::string_view)> checkpoint;
};

/// One load package's transaction while it is being written: load files are
/// appended as normalization finishes them, so loading overlaps
/// normalization, and Commit() finishes the package (remaining DDL, merge
/// statements, system rows, `_dlt_loads`) and commits. Destroying a session
/// that was not committed rolls everything back: nothing of it is visible
/// before Commit() returns. Not thread-safe: one thread at a time (it may
/// change between calls, with the caller providing the happens-before).
class LoadSession {
 public:
  virtual ~LoadSession() = default;

  /// The load id is already in `_dlt_loads`: Append() and Commit() do
  /// nothing and Commit() reports already_loaded.
  virtual bool already_loaded() const = 0;

  /// Creates what `schema` needs that the destination lacks (tables,
  /// columns, staging tables), empties replaced tables before their first
  /// rows, and copies `tables` (straight into the table, or into staging for
  /// merge). Every call's schema contains the previous call's tables and
  /// columns (normalization only adds); files use only its complete columns.
  virtual Status Append(const schema::Schema& schema, const std::vector<TableLoad>& tables,
                        std::stop_token stop) = 0;

  /// Appends `request.tables` (the files not appended yet; usually none),
  /// then finishes the package as Destination::Load does and commits.
  /// `request` carries the same load id, replace tables and created_at as
  /// the LoadBegin, and the final schema.
  virtual Result<LoadResult> Commit(const LoadRequest& request, std::stop_token stop) = 0;
};

/// A place data is loaded into. Implementations: PostgreSQL (libpq, COPY)
/// and SQLite (the embedded default). Not thread-safe; one per run.
class Destination {
 public:
  virtual ~Destination() = default;

  /// "postgres" or "sqlite".
  virtual std::string_view Kind() const = 0;

  /// The largest identifier the destination accepts (63 for PostgreSQL).
  virtual std::size_t MaxIdentifierLength() const = 0;

  /// Whether `load_id` is committed (present in `_dlt_loads`). False when the
  /// dataset does not exist yet.
  virtual Result<bool> IsLoaded(std::string_view load_id) = 0;

  /// Applies the package atomically (see LoadRequest). On any error the
  /// transaction is rolled back and the destination is unchanged. `stop`
  /// requests cancellation at the next safe point (also a rollback).
  virtual Result<LoadResult> Load(const LoadRequest& request, std::stop_token stop) = 0;

  /// Opens the package's transaction for appending load files while
  /// normalization goes on (see LoadSession). The default keeps the file
  /// lists and calls Load() at Commit(): correct for any destination, with
  /// no overlap. The session must end before the destination is used again.
  virtual Result<std::unique_ptr<LoadSession>> BeginLoad(const LoadBegin& begin, std::stop_token stop);

  /// The newest stored schema and completed state of `pipeline_name` /
  /// `schema_name`; empty when the dataset or the tables do not exist.
  virtual Result<StoredPipeline> Restore(std::string_view pipeline_name,
                                         std::string_view schema_name) = 0;
};

}  // namespace ingestd::destinations
