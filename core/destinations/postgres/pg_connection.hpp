#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/destinations/postgres/pg_handles.hpp"

namespace ingestd::destinations::postgres {

/// `"name"` with embedded quotes doubled: a PostgreSQL identifier that is
/// taken literally (case kept, no keyword clash). Every table, column and
/// schema name that goes into SQL passes through here.
std::string QuoteIdent(std::string_view name);

/// `"schema"."table"`.
std::string QualifiedName(std::string_view schema, std::string_view table);

/// One query parameter in text form; std::nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

/// The rows of a finished query (wraps a PGresult). Values are PostgreSQL's
/// text output. Movable, not copyable.
class PgResult {
 public:
  explicit PgResult(PgResultPtr result) : result_(std::move(result)) {}

  /// PQntuples / PQnfields.
  int row_count() const;
  int column_count() const;
  /// PQgetisnull.
  bool IsNull(int row, int column) const;
  /// PQgetvalue: the text of a cell ("" for NULL); valid while this lives.
  std::string_view Value(int row, int column) const;
  /// The cell, or std::nullopt for NULL.
  std::optional<std::string> Get(int row, int column) const;
  /// PQcmdTuples as a number: rows a command affected (0 when not reported).
  std::uint64_t affected_rows() const;

 private:
  PgResultPtr result_;
};

/// Produces COPY data for PgConnection::CopyIn: replaces `chunk` with the next
/// piece of data and returns true, or returns false when there is no more.
/// An error aborts the COPY (and is what CopyIn returns).
using CopyChunkSource = std::function<Result<bool>(std::string& chunk)>;

/// One libpq connection: the only code in ingestd that calls PQ* functions.
/// Movable, not copyable, not thread-safe.
///
/// Errors are mapped from the server's SQLSTATE (PG_DIAG_SQLSTATE):
///   08xxx connection exceptions, 57P01-57P03 (shutdown, cannot connect now),
///     40001/40P01 (serialization failure, deadlock) and a lost connection
///     -> kUnavailable (retryable)
///   57014 query_canceled -> kCancelled
///   53xxx insufficient resources, 54xxx program limits -> kResourceExhausted
///   22xxx data exceptions, 21xxx cardinality violations -> kInvalidArgument
///   23xxx integrity constraint violations, 42xxx (except 42601 syntax error,
///     a bug) and 55xxx object state -> kFailedPrecondition
///   anything else -> kInternal
/// The message names what failed (the statement, shortened), the server's
/// message, detail and context (for COPY: table, line, column), and the
/// SQLSTATE.
class PgConnection {
 public:
  /// PQconnectdbParams with `dsn` (key=value or postgresql:// URI) expanded;
  /// client_encoding UTF8, application_name ingestd and a 10 s connect
  /// timeout unless the DSN sets one. Failure is kUnavailable naming the host
  /// and port (never the password).
  static Result<PgConnection> Connect(const std::string& dsn);

  PgConnection(PgConnection&&) noexcept = default;
  PgConnection& operator=(PgConnection&&) noexcept = default;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() = default;

  /// PQstatus == CONNECTION_OK: false after the server went away.
  bool IsUsable() const;

  /// PQtransactionStatus == PQTRANS_IDLE: no transaction is open (false
  /// after a COMMIT that never got its answer, for instance).
  bool IsIdle() const;

  /// "host:port/dbname" for messages.
  std::string Describe() const;

  /// PQexec: runs `sql` (simple query protocol, so one call may hold several
  /// statements separated by `;`). Never pass values inside `sql`; use
  /// ExecParams.
  Result<PgResult> Exec(std::string_view sql);

  /// PQexecParams: one statement with $1..$n bound to `params` (text format),
  /// never interpolated into the SQL.
  Result<PgResult> ExecParams(std::string_view sql, const std::vector<PgParam>& params);

  /// Runs `copy_sql` (a `COPY ... FROM STDIN` statement) and streams the
  /// chunks of `source` with PQputCopyData, then PQputCopyEnd. Returns the
  /// number of rows the server copied. A source error aborts the COPY on the
  /// server side and is returned as is.
  Result<std::uint64_t> CopyIn(std::string_view copy_sql, const CopyChunkSource& source);

 private:
  explicit PgConnection(PgConnPtr conn) : conn_(std::move(conn)) {}

  /// Turns a result into Ok or a mapped Error; `what` says what was run.
  Result<PgResult> Check(PgResultPtr result, std::string_view what);

  PgConnPtr conn_;
};

}  // namespace ingestd::destinations::postgres
