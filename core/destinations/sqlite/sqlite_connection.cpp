#include "core/destinations/sqlite/sqlite_connection.hpp"

#include <limits>
#include <utility>

namespace ingestd::destinations::sqlite {

Error SqliteError(int rc, sqlite3* db, std::string_view doing) {
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_PROTOCOL:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = ErrorCode::kDataLoss;
      break;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG:
      code = ErrorCode::kResourceExhausted;
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      code = ErrorCode::kFailedPrecondition;
      break;
    case SQLITE_INTERRUPT:
    case SQLITE_ABORT:
      code = ErrorCode::kCancelled;
      break;
    default:
      break;
  }
  // sqlite3_errmsg describes the most recent failure on the connection (the
  // call that returned `rc`); the generic text of the code follows.
  std::string message = "sqlite: ";
  message += doing;
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (";
  message += sqlite3_errstr(rc);
  message += ")";
  return Error(code, std::move(message));
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// ---------------------------------------------------------------------------
// SqliteStatement

Status SqliteStatement::Check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK) return OkStatus();
  std::string doing = doing_;
  if (!what.empty()) {
    doing += " (";
    doing += what;
    doing += ")";
  }
  return SqliteError(rc, sqlite3_db_handle(stmt_.get()), doing);
}

Status SqliteStatement::BindNull(int index) {
  return Check(sqlite3_bind_null(stmt_.get(), index), "binding NULL");
}

Status SqliteStatement::BindInt64(int index, std::int64_t value) {
  return Check(sqlite3_bind_int64(stmt_.get(), index, value), "binding an integer");
}

Status SqliteStatement::BindDouble(int index, double value) {
  return Check(sqlite3_bind_double(stmt_.get(), index, value), "binding a double");
}

Status SqliteStatement::BindText(int index, std::string_view value, bool copy) {
  // sqlite3_bind_text64 takes the length, so embedded NULs and non
  // NUL-terminated views are fine; an empty view still binds '' (not NULL).
  const char* data = value.data() != nullptr ? value.data() : "";
  return Check(sqlite3_bind_text64(stmt_.get(), index, data, value.size(),
                                   copy ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8),
               "binding text");
}

Status SqliteStatement::BindBlob(int index, std::string_view bytes, bool copy) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  return Check(sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(),
                                   copy ? SQLITE_TRANSIENT : SQLITE_STATIC),
               "binding a blob");
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = SqliteError(rc, sqlite3_db_handle(stmt_.get()), doing_);
  sqlite3_reset(stmt_.get());
  return error;
}

Status SqliteStatement::Run() {
  INGESTD_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  Reset();
  return OkStatus();
}

void SqliteStatement::Reset() { sqlite3_reset(stmt_.get()); }

void SqliteStatement::ClearBindings() { sqlite3_clear_bindings(stmt_.get()); }

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t SqliteStatement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

double SqliteStatement::ColumnDouble(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}

std::string_view SqliteStatement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

int SqliteStatement::ColumnType(int column) const { return sqlite3_column_type(stmt_.get(), column); }

// ---------------------------------------------------------------------------
// SqliteConnection

Result<SqliteConnection> SqliteConnection::Open(const std::string& path,
                                                const SqliteOpenOptions& options) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 hands out a handle even on failure (for the message);
  // owning it at once frees it on every path.
  SqliteDbPtr db(raw);
  if (rc != SQLITE_OK) return SqliteError(rc, db.get(), "opening " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  rc = sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
  if (rc != SQLITE_OK) return SqliteError(rc, db.get(), "setting the busy timeout on " + path);
  SqliteConnection connection(std::move(db), path);
  if (options.wal) {
    INGESTD_TRY(connection.Exec("PRAGMA journal_mode=WAL", "switching " + path + " to WAL mode"));
  }
  if (options.cache_kib > 0) {
    INGESTD_TRY(connection.Exec("PRAGMA cache_size=-" + std::to_string(options.cache_kib),
                                "setting the page cache size of " + path));
  }
  return connection;
}

Status SqliteConnection::Exec(std::string_view sql, std::string_view doing) {
  std::string text(sql);  // sqlite3_exec needs a NUL-terminated string
  char* errmsg = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &errmsg);
  if (errmsg != nullptr) sqlite3_free(errmsg);  // the same text is in sqlite3_errmsg
  if (rc != SQLITE_OK) return SqliteError(rc, db_.get(), doing);
  return OkStatus();
}

Result<SqliteStatement> SqliteConnection::Prepare(std::string_view sql, std::string_view doing) {
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return ResourceExhausted("sqlite: " + std::string(doing) + ": statement too long");
  }
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  SqliteStmtPtr stmt(raw);
  if (rc != SQLITE_OK) return SqliteError(rc, db_.get(), std::string(doing) + " (preparing)");
  if (stmt == nullptr) return InvalidArgument("sqlite: " + std::string(doing) + ": empty statement");
  SqliteStatement statement(std::move(stmt));
  statement.set_doing(std::string(doing));
  return statement;
}

std::int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_.get()); }

bool SqliteConnection::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

Result<bool> SqliteConnection::TableExists(std::string_view table, std::string_view schema_name) {
  std::string sql = "SELECT 1 FROM " + QuoteIdentifier(schema_name) +
                    ".sqlite_master WHERE type = 'table' AND name = ?1";
  INGESTD_ASSIGN_OR_RETURN(SqliteStatement stmt,
                           Prepare(sql, "looking up table " + std::string(table)));
  INGESTD_TRY(stmt.BindText(1, table));
  return stmt.Step();
}

}  // namespace ingestd::destinations::sqlite
