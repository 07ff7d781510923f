#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/destinations/postgres/pg_handles.hpp"

namespace ingestd::extract::sql {

/// The rows and the row description of one finished statement (wraps a
/// PGresult, text format). Movable, not copyable.
class SqlResult {
 public:
  explicit SqlResult(destinations::postgres::PgResultPtr result) : result_(std::move(result)) {}

  /// PQntuples / PQnfields.
  int row_count() const;
  int column_count() const;
  /// PQfname: the column's name as the server sent it.
  std::string_view ColumnName(int column) const;
  /// PQftype / PQfmod: the column's type OID and type modifier (-1: none).
  std::uint32_t ColumnType(int column) const;
  int ColumnTypmod(int column) const;
  /// PQftable / PQftablecol: the table OID and attribute number the column
  /// comes from (0 when it is not a plain table column).
  std::uint32_t ColumnTable(int column) const;
  int ColumnTableAttnum(int column) const;
  /// PQgetisnull / PQgetvalue: a cell's text, valid while this result lives.
  bool IsNull(int row, int column) const;
  std::string_view Value(int row, int column) const;

 private:
  destinations::postgres::PgResultPtr result_;
};

/// One libpq connection for reading a source database. Movable, not
/// copyable, not thread-safe.
///
/// The sql source needs the row description (type OIDs, typmods, table
/// columns) that destinations::postgres::PgConnection does not expose, so it
/// has this small wrapper of its own. Errors are mapped from the SQLSTATE:
///   08xxx, 57P01-57P03, 40001/40P01 and a lost connection -> kUnavailable
///   42P01 (undefined table), 42703 (undefined column), 3F000 (undefined
///     schema) -> kNotFound
///   42501 (insufficient privilege), 25xxx (transaction state) -> kFailedPrecondition
///   other 42xxx (the user's query is wrong), 22xxx -> kInvalidArgument
///   57014 -> kCancelled; 53xxx/54xxx -> kResourceExhausted; else kInternal
/// Messages hold the server's message, detail and SQLSTATE; never the DSN.
class SqlConnection {
 public:
  /// PQconnectdbParams with `dsn` (key=value or postgresql:// URI) expanded;
  /// client_encoding UTF8 (always), application_name ingestd and a 10 s
  /// connect timeout unless the DSN sets them. The error message is libpq's
  /// (which never quotes the password; the DSN's password is scrubbed from
  /// it all the same), or, for a DSN libpq cannot parse, a fixed text, since
  /// libpq's parse errors quote pieces of the DSN.
  static Result<SqlConnection> Connect(const std::string& dsn);

  SqlConnection(SqlConnection&&) noexcept = default;
  SqlConnection& operator=(SqlConnection&&) noexcept = default;
  SqlConnection(const SqlConnection&) = delete;
  SqlConnection& operator=(const SqlConnection&) = delete;
  ~SqlConnection() = default;

  /// PQexec: `sql` may hold several statements. Never put values in `sql`.
  Result<SqlResult> Exec(std::string_view sql);

  /// PQexecParams: one statement with $1..$n bound to `params` (text format;
  /// nullopt is NULL), never interpolated into the SQL.
  Result<SqlResult> ExecParams(std::string_view sql, const std::vector<std::optional<std::string>>& params);

 private:
  explicit SqlConnection(destinations::postgres::PgConnPtr conn) : conn_(std::move(conn)) {}
  Result<SqlResult> Check(destinations::postgres::PgResultPtr result);

  destinations::postgres::PgConnPtr conn_;
};

}  // namespace ingestd::extract::sql
