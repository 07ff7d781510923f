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
  /// libpq connection string or URI, or a secret reference `env:NAME` /
  /// `file:PATH`; stored as written, resolved when connecting.
  std::string dsn;
  /// "table" or "schema.table" (each part quoted as an identifier as
  /// written: case-sensitive). Exactly one of table and query.
  std::optional<std::string> table;
  /// A SELECT whose rows are the items, run as a subquery.
  std::optional<std::string> query;
  /// Columns to select from `table` (default: all, in table order).
  std::vector<std::string> columns;
  /// Rows fetched per round trip from the server-side cursor (>= 1).
  std::size_t chunk_size = 10000;
};

/// Streams rows of a table or query as JSON objects, one item per row, with
/// a server-side cursor inside a read-only REPEATABLE READ transaction (a
/// consistent snapshot; memory is one chunk). The session uses TimeZone UTC
/// and DateStyle ISO.
///
/// Values: NULL → null; smallint/integer/bigint → numbers; real/double →
/// numbers (NaN and infinities → null); numeric → a string with the exact
/// digits (the column hint makes it decimal); boolean; text types →
/// strings; date → "YYYY-MM-DD"; timestamp/timestamptz → ISO 8601 strings
/// ("2024-01-02T03:04:05.123456+00:00", timestamptz in UTC); time →
/// "HH:MM:SS[.ffffff]"; json/jsonb → the JSON value embedded; uuid → string;
/// bytea → base64 string; arrays and other types → their text form.
///
/// Incremental (the resource's IncrementalConfig, cursor_path a top-level
/// column name): the filter is pushed down — WHERE cursor >= start_value
/// (or > when range_start is open) and < end_value (<= when range_end is
/// closed), ORDER BY cursor — and the IncrementalFilter downstream still
/// applies dlt's dedup on the boundary.
class SqlResource final : public Resource {
 public:
  /// `incremental` may be null; when set it must outlive Extract and its
  /// cursor must be a top-level column (checked in Extract).
  SqlResource(std::string name, SqlConfig config, const Incremental* incremental);

  const std::string& name() const override { return name_; }

  /// Connects, reflects the columns (Columns()), and streams the rows.
  /// Errors name the resource, the table/query and the server's message,
  /// never the DSN's password.
  Status Extract(ItemSink& sink, std::stop_token stop) override;

  /// Column hints from the table's or query's result types, as dlt's
  /// reflection does: name, data_type (bigint, double, decimal with
  /// precision/scale when declared, bool, text, date, timestamp, time,
  /// json, binary), nullable (false only for NOT NULL table columns).
  /// Connects when called before Extract. The runner applies them before
  /// extracting so types do not depend on inference.
  Result<std::vector<schema::ColumnSchema>> ReflectColumns();

  std::uint64_t rows_read() const { return rows_read_; }

 private:
  std::string name_;
  SqlConfig config_;
  const Incremental* incremental_;
  std::uint64_t rows_read_ = 0;
};

}  // namespace ingestd::extract::sql
