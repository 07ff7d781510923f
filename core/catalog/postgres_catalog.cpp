#include <array>
#include <cctype>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/catalog/catalog.hpp"
#include "core/catalog/sql_catalog.hpp"
#include "core/destinations/postgres/pg_connection.hpp"

namespace ingestd::catalog {
namespace {

using destinations::postgres::PgConnection;
using destinations::postgres::PgParam;
using destinations::postgres::PgResult;
using destinations::postgres::QualifiedName;
using destinations::postgres::QuoteIdent;

// Shorter secrets are not scrubbed: replacing every "ab" would garble the
// message (and libpq does not quote passwords in the first place).
constexpr std::size_t kMinScrubbedSecret = 4;

// Parts of libpq's messages about a DSN it cannot parse; those messages
// quote pieces of the DSN, which may be pieces of the password.
constexpr std::array<std::string_view, 7> kDsnParseErrorMarks = {
    "connection info string", "URI", "connection option", "percent-encoded", "value: \"", "port number",
    "invalid value",
};

void ReplaceAll(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

std::string PercentDecoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The password a DSN carries, as far as a simple reading finds it: the
// `password` keyword of a key=value string (quoted or not), or the user
// info and `password` query parameter of a URI. Used only to scrub
// messages, so missing an exotic spelling costs nothing but that scrub.
std::vector<std::string> DsnSecrets(std::string_view dsn) {
  std::vector<std::string> secrets;
  if (dsn.starts_with("postgresql://") || dsn.starts_with("postgres://")) {
    std::string_view rest = dsn.substr(dsn.find("://") + 3);
    const std::size_t at = rest.substr(0, rest.find_first_of("/?")).rfind('@');
    if (at != std::string_view::npos) {
      std::string_view userinfo = rest.substr(0, at);
      const std::size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos) secrets.emplace_back(userinfo.substr(colon + 1));
    }
    const std::size_t query = rest.find('?');
    if (query != std::string_view::npos) {
      std::string_view params = rest.substr(query + 1);
      while (!params.empty()) {
        const std::size_t amp = params.find('&');
        std::string_view param = params.substr(0, amp);
        if (param.starts_with("password=")) secrets.emplace_back(param.substr(9));
        params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
      }
    }
    const std::size_t raw_count = secrets.size();
    for (std::size_t i = 0; i < raw_count; ++i) secrets.push_back(PercentDecoded(secrets[i]));
    return secrets;
  }
  // key = value pairs; values may be single-quoted with \' and \\ escapes.
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < dsn.size() && std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
  };
  while (i < dsn.size()) {
    skip_space();
    const std::size_t key_start = i;
    while (i < dsn.size() && dsn[i] != '=' && !std::isspace(static_cast<unsigned char>(dsn[i]))) ++i;
    const std::string_view key = dsn.substr(key_start, i - key_start);
    skip_space();
    if (i >= dsn.size() || dsn[i] != '=') {
      if (i == key_start) ++i;
      continue;
    }
    ++i;
    skip_space();
    std::string value;
    if (i < dsn.size() && dsn[i] == '\'') {
      ++i;
      while (i < dsn.size() && dsn[i] != '\'') {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        value.push_back(dsn[i++]);
      }
      ++i;
    } else {
      while (i < dsn.size() && !std::isspace(static_cast<unsigned char>(dsn[i]))) {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        value.push_back(dsn[i++]);
      }
    }
    if (key == "password") secrets.push_back(std::move(value));
  }
  return secrets;
}

// A connection error without the DSN or its password in it.
Error ScrubbedConnectError(const Error& error, const std::string& dsn) {
  std::string message = error.message();
  for (std::string_view mark : kDsnParseErrorMarks) {
    if (message.find(mark) != std::string::npos) {
      return InvalidArgument(
          "catalog: the dsn is not a valid libpq connection string or URI (libpq's message is withheld because it "
          "may quote the password)");
    }
  }
  ReplaceAll(message, dsn, "(dsn)");
  for (const std::string& secret : DsnSecrets(dsn)) {
    if (secret.size() >= kMinScrubbedSecret) ReplaceAll(message, secret, "***");
  }
  return Error(error.code(), "catalog: " + message);
}

std::string FormatDouble(double value) {
  char buffer[64];
  // Shortest text that reads back as the same double.
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::vector<PgParam> PgParams(const std::vector<SqlValue>& params) {
  std::vector<PgParam> out;
  out.reserve(params.size());
  for (const SqlValue& value : params) {
    if (const auto* text = std::get_if<std::string_view>(&value)) {
      out.emplace_back(std::string(*text));
    } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
      out.emplace_back(std::to_string(*integer));
    } else {
      out.emplace_back(FormatDouble(std::get<double>(value)));
    }
  }
  return out;
}

// Rows of a finished query, in PostgreSQL's text format.
class PgRows final : public SqlRows {
 public:
  explicit PgRows(PgResult result) : result_(std::move(result)) {}

  Result<bool> Next() override {
    ++row_;
    return row_ < result_.row_count();
  }
  std::string Text(int column) const override { return std::string(result_.Value(row_, column)); }
  std::int64_t Int(int column) const override {
    std::string_view text = result_.Value(row_, column);
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  double Real(int column) const override {
    // "Infinity"/"NaN" parse too (from_chars ignores case and takes "infinity").
    std::string_view text = result_.Value(row_, column);
    double value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  bool Bool(int column) const override { return result_.Value(row_, column) == "t"; }

 private:
  PgResult result_;
  int row_ = -1;
};

class PgSession final : public SqlSession {
 public:
  PgSession(PgConnection& conn, std::string_view what) : conn_(conn), context_("catalog: " + std::string(what)) {}

  Result<std::unique_ptr<SqlRows>> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    Result<PgResult> result = conn_.ExecParams(sql, PgParams(params));
    if (!result.ok()) return result.error().WithContext(context_);
    return std::unique_ptr<SqlRows>(std::make_unique<PgRows>(std::move(result).value()));
  }

  Result<std::int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    Result<PgResult> result = conn_.ExecParams(sql, PgParams(params));
    if (!result.ok()) return result.error().WithContext(context_);
    return static_cast<std::int64_t>(result->affected_rows());
  }

 private:
  PgConnection& conn_;
  std::string context_;
};

// Every identifier is quoted; `S.` stands for the quoted schema and is
// replaced before running. Column names and order match sql_catalog.cpp.
// COLLATE "C" on the keys: names sort and page by bytes, as in SQLite,
// whatever the database's collation.
constexpr std::string_view kCreateTables = R"sql(
CREATE TABLE IF NOT EXISTS S.catalog_meta (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL);
CREATE TABLE IF NOT EXISTS S.pipelines (
  name text COLLATE "C" PRIMARY KEY,
  spec_json text NOT NULL,
  version bigint NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  created_at double precision NOT NULL,
  updated_at double precision NOT NULL);
CREATE TABLE IF NOT EXISTS S.runs (
  run_id text COLLATE "C" PRIMARY KEY,
  pipeline text COLLATE "C" NOT NULL,
  pipeline_version bigint NOT NULL,
  status text NOT NULL,
  run_trigger text NOT NULL,
  idempotency_key text NOT NULL DEFAULT '',
  requested_by text NOT NULL DEFAULT '',
  created_at double precision NOT NULL,
  started_at double precision NOT NULL DEFAULT 0,
  finished_at double precision NOT NULL DEFAULT 0,
  deadline_at double precision NOT NULL DEFAULT 0,
  error_code text NOT NULL DEFAULT '',
  error_message text NOT NULL DEFAULT '',
  summary_json text NOT NULL DEFAULT '',
  cancel_requested boolean NOT NULL DEFAULT false,
  owner text NOT NULL DEFAULT '',
  push_file text NOT NULL DEFAULT '');
CREATE UNIQUE INDEX IF NOT EXISTS runs_idempotency_key ON S.runs (pipeline, idempotency_key)
  WHERE idempotency_key <> '';
CREATE INDEX IF NOT EXISTS runs_by_pipeline ON S.runs (pipeline, created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_by_created ON S.runs (created_at, run_id);
CREATE INDEX IF NOT EXISTS runs_by_status ON S.runs (status, created_at, run_id);
CREATE TABLE IF NOT EXISTS S.run_events (
  run_id text COLLATE "C" NOT NULL,
  sequence bigint NOT NULL,
  event_time double precision NOT NULL,
  kind text NOT NULL,
  payload_json text NOT NULL,
  PRIMARY KEY (run_id, sequence));
CREATE TABLE IF NOT EXISTS S.contract_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pipeline text COLLATE "C" NOT NULL,
  table_name text NOT NULL,
  contract_json text NOT NULL,
  changed_by text NOT NULL,
  changed_at double precision NOT NULL);
CREATE INDEX IF NOT EXISTS contract_changes_by_pipeline ON S.contract_changes (pipeline, changed_at, id);
CREATE TABLE IF NOT EXISTS S.schema_versions (
  pipeline text COLLATE "C" NOT NULL,
  version bigint NOT NULL,
  version_hash text NOT NULL,
  schema_json text NOT NULL,
  created_at double precision NOT NULL,
  run_id text NOT NULL DEFAULT '',
  PRIMARY KEY (pipeline, version));
)sql";

class PostgresCatalog final : public SqlCatalog {
 public:
  PostgresCatalog(std::string dsn, std::string schema)
      : SqlCatalog(SqlDialect{QuoteIdent(schema) + ".", " FOR UPDATE", " FOR SHARE"}),
        dsn_(std::move(dsn)),
        schema_(std::move(schema)) {}

  /// Connects, then creates the schema and tables when missing; refuses a
  /// catalog of a newer format.
  Status Initialize() {
    return Transact(
        Access::kWrite, "creating the catalog in schema " + QuoteIdent(schema_), [&](SqlSession& s) -> Status {
          // Daemons starting together would otherwise race on CREATE SCHEMA / CREATE TABLE
          // (unique violations in the system catalogs).
          INGESTD_ASSIGN_OR_RETURN(
              std::unique_ptr<SqlRows> locked,
              s.Query("SELECT pg_advisory_xact_lock(hashtext($1::text))", {"ingestd catalog " + schema_}));
          locked.reset();
          INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> meta, s.Query("SELECT to_regclass($1::text) IS NOT NULL",
                                                                          {QualifiedName(schema_, "catalog_meta")}));
          INGESTD_ASSIGN_OR_RETURN(bool has_row, meta->Next());
          if (has_row && meta->Bool(0)) {
            INGESTD_ASSIGN_OR_RETURN(
                std::unique_ptr<SqlRows> version,
                s.Query("SELECT value FROM " + QualifiedName(schema_, "catalog_meta") + " WHERE key = $1",
                        {"schema_version"}));
            INGESTD_ASSIGN_OR_RETURN(bool found, version->Next());
            if (found) {
              INGESTD_TRY(CheckCatalogSchemaVersion(version->Text(0)));
              // An existing catalog of this version needs no DDL (nor the CREATE privilege
              // a DBA may not grant).
              if (version->Text(0) == std::to_string(kCatalogSchemaVersion)) return OkStatus();
            }
          }
          return CreateTables(s);
        });
  }

 protected:
  Status Transact(Access /*access*/, std::string_view what, const Body& body) override {
    std::lock_guard<std::mutex> lock(mutex_);
    Status status = TransactOnce(what, body);
    if (status.ok() || status.error().code() != ErrorCode::kUnavailable) return status;
    // A broken connection (server restart, network, idle timeout) or a
    // serialization failure: one more try, on a new connection if the old
    // one is gone.
    if (conn_.has_value() && !conn_->IsUsable()) conn_.reset();
    return TransactOnce(what, body);
  }

 private:
  Status CreateTables(SqlSession& s) {
    INGESTD_ASSIGN_OR_RETURN(std::unique_ptr<SqlRows> schema_exists,
                             s.Query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", {schema_}));
    INGESTD_ASSIGN_OR_RETURN(bool exists, schema_exists->Next());
    const std::string schema = QuoteIdent(schema_);
    if (!exists) INGESTD_TRY(ExecDdl("CREATE SCHEMA IF NOT EXISTS " + schema));
    std::string ddl(kCreateTables);
    ReplaceAll(ddl, " S.", " " + schema + ".");
    INGESTD_TRY(ExecDdl(ddl));
    INGESTD_ASSIGN_OR_RETURN(std::int64_t inserted,
                             s.Execute("INSERT INTO " + QualifiedName(schema_, "catalog_meta") +
                                           " (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                       {"schema_version", std::to_string(kCatalogSchemaVersion)}));
    (void)inserted;
    return OkStatus();
  }

  Status ExecDdl(const std::string& sql) {
    Result<PgResult> done = conn_->Exec(sql);
    if (!done.ok()) return done.error().WithContext("catalog: creating the catalog in schema " + QuoteIdent(schema_));
    return OkStatus();
  }

  Status Connect() {
    Result<PgConnection> conn = PgConnection::Connect(dsn_);
    if (!conn.ok()) return ScrubbedConnectError(conn.error(), dsn_);
    // Doubles as text with every digit (the default before PostgreSQL 12
    // rounds to 15 significant digits).
    Result<PgResult> set = conn->Exec("SET extra_float_digits = 3");
    if (!set.ok()) return set.error().WithContext("catalog: setting up the connection");
    conn_.emplace(std::move(conn).value());
    return OkStatus();
  }

  Status TransactOnce(std::string_view what, const Body& body) {
    if (!conn_.has_value()) INGESTD_TRY(Connect());
    PgConnection& conn = *conn_;
    const std::string context = "catalog: " + std::string(what);
    // A transaction left open (a COMMIT whose answer was lost) ends here.
    if (conn.IsUsable() && !conn.IsIdle()) {
      Result<PgResult> rolled_back = conn.Exec("ROLLBACK");
      (void)rolled_back;
    }
    Result<PgResult> begun = conn.Exec("BEGIN");
    if (!begun.ok()) return begun.error().WithContext(context);
    PgSession session(conn, what);
    Status status = body(session);
    if (status.ok()) {
      Result<PgResult> committed = conn.Exec("COMMIT");
      if (committed.ok()) return OkStatus();
      status = committed.error().WithContext(context);
    }
    if (conn.IsUsable()) {
      Result<PgResult> rolled_back = conn.Exec("ROLLBACK");
      (void)rolled_back;  // the first error is the one to report
    }
    return status;
  }

  std::mutex mutex_;
  const std::string dsn_;
  const std::string schema_;
  // Empty until the first connect, and after a connection broke.
  std::optional<PgConnection> conn_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenPostgresCatalog(const std::string& dsn, const std::string& schema_name) {
  if (schema_name.empty()) return InvalidArgument("catalog: the PostgreSQL schema name is empty");
  auto catalog = std::make_unique<PostgresCatalog>(dsn, schema_name);
  INGESTD_TRY(catalog->Initialize());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace ingestd::catalog
