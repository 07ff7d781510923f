#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/destinations/sqlite/sqlite_handles.hpp"

namespace ingestd::destinations::sqlite {

/// Maps a SQLite result code to an Error carrying SQLite's message and what
/// was being done ("sqlite: inserting into orders: UNIQUE constraint failed:
/// orders._dlt_id"). BUSY and LOCKED become kUnavailable (retryable),
/// CORRUPT/NOTADB kDataLoss, FULL/NOMEM kResourceExhausted, CONSTRAINT and
/// MISMATCH kFailedPrecondition, INTERRUPT kCancelled, CANTOPEN/IOERR
/// kUnavailable, everything else kInternal. `db` may be null.
Error SqliteError(int rc, sqlite3* db, std::string_view doing);

/// One prepared statement (sqlite3_stmt). Movable, not copyable. Bound text
/// and blobs are not copied (SQLITE_STATIC) unless `copy` is set: the caller
/// keeps them alive until the next Step().
class SqliteStatement {
 public:
  explicit SqliteStatement(SqliteStmtPtr stmt) : stmt_(std::move(stmt)) {}

  /// Parameters are 1-based, as in sqlite3_bind_*.
  Status BindNull(int index);
  Status BindInt64(int index, std::int64_t value);
  Status BindDouble(int index, double value);
  Status BindText(int index, std::string_view value, bool copy = false);
  Status BindBlob(int index, std::string_view bytes, bool copy = false);
  /// A temporary string is always copied: it is gone before Step() runs.
  Status BindText(int index, std::string&& value) { return BindText(index, std::string_view(value), true); }
  /// String literals (static storage) are bound without a copy.
  Status BindText(int index, const char* value) { return BindText(index, std::string_view(value)); }

  /// sqlite3_step: true when a row is available, false when done. Errors
  /// name `doing` (kept from Prepare()).
  Result<bool> Step();
  /// Steps a statement that returns no rows, then resets it for reuse.
  Status Run();
  /// sqlite3_reset (keeps bindings) and sqlite3_clear_bindings (all NULL).
  void Reset();
  void ClearBindings();

  // Column access for the current row (0-based, as sqlite3_column_*).
  bool IsNull(int column) const;
  std::int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  /// Valid until the next Step()/Reset().
  std::string_view ColumnText(int column) const;
  int ColumnType(int column) const;  // SQLITE_INTEGER, SQLITE_TEXT, ...

  sqlite3_stmt* handle() const { return stmt_.get(); }
  void set_doing(std::string doing) { doing_ = std::move(doing); }

 private:
  Status Check(int rc, std::string_view what) const;

  SqliteStmtPtr stmt_;
  std::string doing_;
};

/// Options for SqliteConnection::Open.
struct SqliteOpenOptions {
  /// How long a writer waits for another connection's lock before giving up
  /// with SQLITE_BUSY (kUnavailable).
  int busy_timeout_ms = 10000;
  /// Write-ahead logging: readers never block the writer and a commit is one
  /// append to the -wal file.
  bool wal = true;
  /// Page cache size in KiB (PRAGMA cache_size); 0 keeps SQLite's 2 MiB.
  /// A load's transaction spills pages to the WAL once the cache is full
  /// and then reads them back through the WAL index, so loads want more.
  int cache_kib = 0;
};

/// One SQLite database connection (sqlite3*): the only code besides
/// SqliteStatement that calls sqlite3_* functions. Movable, not copyable,
/// not thread-safe.
class SqliteConnection {
 public:
  /// Opens (creating if needed) the database file at `path` read-write, with
  /// extended result codes, the busy timeout and WAL mode.
  static Result<SqliteConnection> Open(const std::string& path, const SqliteOpenOptions& options = {});

  /// Runs one or more statements without parameters (sqlite3_exec); rows are
  /// discarded. Errors name `doing`.
  Status Exec(std::string_view sql, std::string_view doing);

  /// Prepares one statement; later errors of the statement name `doing`.
  Result<SqliteStatement> Prepare(std::string_view sql, std::string_view doing);

  /// Rows changed by the last INSERT/UPDATE/DELETE (sqlite3_changes64).
  std::int64_t Changes() const;

  /// True when a transaction is open (not in autocommit mode).
  bool InTransaction() const;

  /// Whether `schema_name`.`table` exists (schema_name "main" or "temp").
  Result<bool> TableExists(std::string_view table, std::string_view schema_name = "main");

  sqlite3* handle() const { return db_.get(); }
  const std::string& path() const { return path_; }

 private:
  SqliteConnection(SqliteDbPtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  SqliteDbPtr db_;
  std::string path_;
};

/// `"name"` with embedded quotes doubled: a safe SQL identifier.
std::string QuoteIdentifier(std::string_view name);

}  // namespace ingestd::destinations::sqlite
