#pragma once

#include <cstddef>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/extract/incremental.hpp"
#include "core/extract/source.hpp"
#include "core/schema/column_schema.hpp"

namespace ingestd::extract::sql {

/// The `sql` source of a resource: a PostgreSQL table or query, for
/// database-to-warehouse copies (dlt's sql_database/sql_table).
struct SqlConfig {
  /// libpq connection string or URI. A spec may give a secret reference
  /// (`env:NAME` / `file:PATH`); the runner resolves it and hands the
  /// resource a copy of the config with the real connection string, so here
  /// it is always one (an unresolved reference is an error). Never shown in
  /// messages.
  std::string dsn;
  /// "table" or "schema.table" (each part quoted as an identifier as
  /// written: case-sensitive). Exactly one of table and query.
  std::optional<std::string> table;
  /// A SELECT whose rows are the items, run as a subquery (trailing `;`
  /// allowed). Its column names must be unique.
  std::optional<std::string> query;
  /// Columns to select from `table` or `query`, in this order (default:
  /// all, in table/query order). An unknown name is a kNotFound error.
  std::vector<std::string> columns;
  /// Rows fetched per round trip from the server-side cursor (>= 1).
  std::size_t chunk_size = 10000;
};

/// Streams rows of a table or query as JSON objects, one item per row, with
/// a server-side cursor (DECLARE ... NO SCROLL CURSOR, FETCH chunk_size)
/// inside a read-only REPEATABLE READ transaction (a consistent snapshot;
/// memory is one chunk). The session uses client_encoding UTF8, TimeZone
/// UTC, DateStyle ISO, bytea_output hex and extra_float_digits 3.
///
/// Values: NULL → null; smallint/integer/bigint → numbers; real/double →
/// numbers (NaN and infinities → null); numeric → a string with the exact
/// digits (the column hint makes it decimal); boolean; text types →
/// strings; date → "YYYY-MM-DD"; timestamp/timestamptz → ISO 8601 strings
/// ("2024-01-02T03:04:05.123456+00:00", timestamptz in UTC); time →
/// "HH:MM:SS[.ffffff]"; json/jsonb → the JSON value embedded; uuid → string;
/// bytea → base64 string; arrays and other types → their text form. Items
/// are objects whose keys are the column names in select order.
///
/// Incremental (the resource's IncrementalConfig, cursor_path a top-level
/// column name): the filter is pushed down, as dlt's sql_table does it. For
/// last_value_func max: WHERE cursor >= start_value (> when range_start is
/// open) AND cursor < end_value (<= when range_end is closed), ORDER BY
/// cursor ASC. For min the comparisons mirror (cursor <= start_value, <
/// when open; cursor > end_value, >= when closed) and the order is DESC.
/// start_value is Incremental::start_value() (the stored last_value, else
/// initial_value); without one there is no bound. Bounds are sent as text
/// parameters cast to the column's type (`$1::timestamp with time zone`),
/// never spliced into the SQL; text columns compare and order with
/// COLLATE "C", the byte order CursorValue uses. on_cursor_value_missing
/// include adds OR cursor IS NULL, exclude adds cursor IS NOT NULL; with
/// raise NULL cursors within no bound reach the filter and fail there (dlt
/// does the same). The cursor column must be an integer, float, boolean,
/// text, uuid, date, time or timestamp column, and the bounds of the
/// matching kind (number, boolean, string): numeric (written as strings),
/// json, bytea and arrays do not sort in their JSON form, so they are
/// rejected; cast such a column in `query`. The IncrementalFilter
/// downstream still applies dlt's dedup on the boundary.
class SqlResource final : public Resource {
 public:
  /// `incremental` may be null; when set it must outlive Extract and its
  /// cursor must be a top-level column (checked in Extract).
  SqlResource(std::string name, SqlConfig config, const Incremental* incremental);

  const std::string& name() const override { return name_; }

  /// Connects, reflects the columns (as ReflectColumns), and streams the
  /// rows. Errors name the resource, the table/query and the server's
  /// message, never the DSN or its password: an unknown table or column is
  /// kNotFound, a connection failure "cannot connect to the sql source of
  /// resource X: <libpq message>" (kUnavailable; kFailedPrecondition for a
  /// refused login or a missing database), a bad config kInvalidArgument.
  /// An error from `sink` is returned unchanged. `stop` is checked before
  /// each chunk and each row.
  Status Extract(ItemSink& sink, std::stop_token stop) override;

  /// Column hints from the table's or query's result types, as dlt's
  /// reflection does: name, data_type (bigint, double, decimal with
  /// precision/scale when declared, bool, text, date, timestamp, time,
  /// json, binary), nullable (false only for NOT NULL table columns).
  /// Connects when called before Extract (in its own read-only
  /// transaction); afterwards returns what Extract reflected. The runner
  /// applies them before extracting so types do not depend on inference.
  Result<std::vector<schema::ColumnSchema>> ReflectColumns();

  std::uint64_t rows_read() const { return rows_read_; }

 private:
  std::string name_;
  SqlConfig config_;
  const Incremental* incremental_;
  std::uint64_t rows_read_ = 0;
  std::optional<std::vector<schema::ColumnSchema>> columns_;  // set by the first reflection
};

}  // namespace ingestd::extract::sql
