#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "core/catalog/catalog.hpp"
#include "core/catalog/sql_catalog.hpp"
#include "core/destinations/sqlite/sqlite_connection.hpp"

namespace ingestd::catalog {
namespace {

using destinations::sqlite::SqliteConnection;
using destinations::sqlite::SqliteStatement;

// CREATE ... IF NOT EXISTS throughout: opening an existing catalog changes
// nothing. Column names and order match sql_catalog.cpp.
constexpr std::string_view kCreateTables = R"sql(
CREATE TABLE IF NOT EXISTS pipelines (
  name TEXT PRIMARY KEY,
  spec_json TEXT NOT NULL,
  version INTEGER NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL,
  pipeline_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  run_trigger TEXT NOT NULL,
  idempotency_key TEXT NOT NULL DEFAULT '',
  requested_by TEXT NOT NULL DEFAULT '',
  created_at REAL NOT NULL,
  started_at REAL NOT NULL DEFAULT 0,
  finished_at REAL NOT NULL DEFAULT 0,
  deadline_at REAL NOT NULL DEFAULT 0,
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  summary_json TEXT NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  push_file TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX IF NOT EXISTS runs_idempotency_key ON runs (pipeline, idempotency_key)
  WHERE idempotency_key <> '';
CREATE INDEX IF NOT EXISTS runs_by_pipeline ON runs (pipeline, created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at, run_id);
CREATE TABLE IF NOT EXISTS run_events (
  run_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  event_time REAL NOT NULL,
  kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  PRIMARY KEY (run_id, sequence));
CREATE TABLE IF NOT EXISTS contract_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pipeline TEXT NOT NULL,
  table_name TEXT NOT NULL,
  contract_json TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS contract_changes_by_pipeline ON contract_changes (pipeline, changed_at, id);
CREATE TABLE IF NOT EXISTS schema_versions (
  pipeline TEXT NOT NULL,
  version INTEGER NOT NULL,
  version_hash TEXT NOT NULL,
  schema_json TEXT NOT NULL,
  created_at REAL NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pipeline, version));
)sql";

// The current row of a stepped statement.
class SqliteRows final : public SqlRows {
 public:
  explicit SqliteRows(SqliteStatement statement) : statement_(std::move(statement)) {}

  Result<bool> Next() override { return statement_.Step(); }
  std::string Text(int column) const override { return std::string(statement_.ColumnText(column)); }
  std::int64_t Int(int column) const override { return statement_.ColumnInt64(column); }
  double Real(int column) const override { return statement_.ColumnDouble(column); }
  bool Bool(int column) const override { return statement_.ColumnInt64(column) != 0; }

 private:
  SqliteStatement statement_;
};

class SqliteSession final : public SqlSession {
 public:
  SqliteSession(SqliteConnection& db, std::string_view what) : db_(db), doing_("catalog: " + std::string(what)) {}

  Result<std::unique_ptr<SqlRows>> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    INGESTD_ASSIGN_OR_RETURN(SqliteStatement statement, Prepare(sql, params));
    return std::unique_ptr<SqlRows>(std::make_unique<SqliteRows>(std::move(statement)));
  }

  Result<std::int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    INGESTD_ASSIGN_OR_RETURN(SqliteStatement statement, Prepare(sql, params));
    INGESTD_TRY(statement.Run());
    return db_.Changes();
  }

 private:
  Result<SqliteStatement> Prepare(std::string_view sql, const std::vector<SqlValue>& params) {
    // The shared SQL uses PostgreSQL's $N; SQLite's ?N numbers the same way
    // ($N would be a named parameter, numbered by first appearance).
    std::string text(sql);
    std::replace(text.begin(), text.end(), '$', '?');
    INGESTD_ASSIGN_OR_RETURN(SqliteStatement statement, db_.Prepare(text, doing_));
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const SqlValue& value = params[i];
      // Copied: rows are stepped after the caller's parameter list is gone.
      if (const auto* text_value = std::get_if<std::string_view>(&value)) {
        INGESTD_TRY(statement.BindText(index, *text_value, /*copy=*/true));
      } else if (const auto* int_value = std::get_if<std::int64_t>(&value)) {
        INGESTD_TRY(statement.BindInt64(index, *int_value));
      } else {
        INGESTD_TRY(statement.BindDouble(index, std::get<double>(value)));
      }
    }
    return statement;
  }

  SqliteConnection& db_;
  std::string doing_;
};

class SqliteCatalog final : public SqlCatalog {
 public:
  explicit SqliteCatalog(SqliteConnection db) : SqlCatalog(SqlDialect{"", "", ""}), db_(std::move(db)) {}

  /// Creates the tables when missing; refuses a catalog of a newer format.
  Status Initialize() {
    return Transact(Access::kWrite, "creating the catalog tables", [&](SqlSession& s) -> Status {
      INGESTD_ASSIGN_OR_RETURN(
          std::int64_t created,
          s.Execute("CREATE TABLE IF NOT EXISTS catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", {}));
      (void)created;
      INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> rows,
                               s.Query("SELECT value FROM catalog_meta WHERE key = $1", {"schema_version"}));
      INGESTD_ASSIGN_OR_RETURN(bool found, rows->Next());
      if (found) INGESTD_TRY(CheckCatalogSchemaVersion(rows->Text(0)));
      rows.reset();  // finish the statement before changing the schema
      INGESTD_TRY(db_.Exec(kCreateTables, "catalog: creating the catalog tables in " + db_.path()));
      INGESTD_ASSIGN_OR_RETURN(std::int64_t inserted,
                               s.Execute("INSERT INTO catalog_meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                         {"schema_version", std::to_string(kCatalogSchemaVersion)}));
      (void)inserted;
      return OkStatus();
    });
  }

 protected:
  Status Transact(Access access, std::string_view what, const Body& body) override {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string doing = "catalog: " + std::string(what);
    // IMMEDIATE takes the write lock up front (waiting up to the busy
    // timeout), so reads inside a write transaction cannot go stale and the
    // commit cannot fail with SQLITE_BUSY half way.
    INGESTD_TRY(db_.Exec(access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN", doing));
    SqliteSession session(db_, what);
    Status status = body(session);
    if (status.ok()) {
      status = db_.Exec("COMMIT", doing);
      if (status.ok()) return status;
    }
    // SQLite ends the transaction itself on some errors (a full disk).
    if (db_.InTransaction()) {
      Status rolled_back = db_.Exec("ROLLBACK", doing);
      (void)rolled_back;  // the first error is the one to report
    }
    return status;
  }

 private:
  std::mutex mutex_;
  SqliteConnection db_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(SqliteConnection db, SqliteConnection::Open(path));
  auto catalog = std::make_unique<SqliteCatalog>(std::move(db));
  INGESTD_TRY(catalog->Initialize());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace ingestd::catalog
