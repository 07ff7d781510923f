#include "core/destinations/postgres/pg_connection.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <utility>

#include "core/common/abbreviate.hpp"

namespace ingestd::destinations::postgres {
namespace {

// Statements in messages: whitespace collapsed, cut to keep log lines readable.
constexpr std::size_t kStatementShownBytes = 200;

std::string TrimmedMessage(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

ErrorCode CodeForSqlState(std::string_view state) {
  if (state.size() != 5) return ErrorCode::kInternal;
  const std::string_view cls = state.substr(0, 2);
  if (cls == "08") return ErrorCode::kUnavailable;
  if (state == "57P01" || state == "57P02" || state == "57P03") return ErrorCode::kUnavailable;
  if (state == "40001" || state == "40P01") return ErrorCode::kUnavailable;
  if (state == "57014") return ErrorCode::kCancelled;
  if (cls == "53" || cls == "54") return ErrorCode::kResourceExhausted;
  // Data the server refuses: bad values (22), duplicate keys MERGE meets twice (21).
  if (cls == "22" || cls == "21") return ErrorCode::kInvalidArgument;
  if (state == "42601") return ErrorCode::kInternal;  // ingestd wrote bad SQL
  if (cls == "23" || cls == "42" || cls == "55") return ErrorCode::kFailedPrecondition;
  return ErrorCode::kInternal;
}

}  // namespace

std::string QuoteIdent(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string QualifiedName(std::string_view schema, std::string_view table) {
  return QuoteIdent(schema) + "." + QuoteIdent(table);
}

int PgResult::row_count() const { return PQntuples(result_.get()); }
int PgResult::column_count() const { return PQnfields(result_.get()); }
bool PgResult::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}
std::string_view PgResult::Value(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}
std::optional<std::string> PgResult::Get(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return std::string(Value(row, column));
}
std::uint64_t PgResult::affected_rows() const {
  std::string_view text = PQcmdTuples(result_.get());
  std::uint64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

Result<PgConnection> PgConnection::Connect(const std::string& dsn) {
  // Keywords are applied in order and the expanded DSN sits in the middle:
  // the DSN may override the timeout and application name, never the encoding
  // (COPY data is UTF-8).
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                            nullptr};
  const char* values[] = {"10", "ingestd", dsn.c_str(), "UTF8", nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr) return ResourceExhausted("postgres: libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string message = TrimmedMessage(PQerrorMessage(conn.get()));
    // A wrong password or database will not fix itself on retry.
    const bool permanent = message.find("authentication failed") != std::string::npos ||
                           message.find("does not exist") != std::string::npos;
    return Error(permanent ? ErrorCode::kFailedPrecondition : ErrorCode::kUnavailable,
                 "postgres: cannot connect: " + message);
  }
  // Notices ("schema already exists, skipping") would go to stderr otherwise.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return PgConnection(std::move(conn));
}

bool PgConnection::IsUsable() const {
  return conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK;
}

bool PgConnection::IsIdle() const {
  return conn_ != nullptr && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

std::string PgConnection::Describe() const {
  if (conn_ == nullptr) return "(closed)";
  std::string out = PQhost(conn_.get());
  out.append(":").append(PQport(conn_.get())).append("/").append(PQdb(conn_.get()));
  return out;
}

Result<PgResult> PgConnection::Check(PgResultPtr result, std::string_view what) {
  const ExecStatusType status =
      result != nullptr ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN) {
    return PgResult(std::move(result));
  }
  std::string state;
  std::string message;
  if (result != nullptr) {
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (sqlstate != nullptr) state = sqlstate;
    const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
    message = TrimmedMessage(primary != nullptr ? primary : PQresultErrorMessage(result.get()));
    if (const char* detail = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_DETAIL)) {
      message.append(" (").append(TrimmedMessage(detail)).append(")");
    }
    // For COPY this names the table, line and column of bad data.
    if (const char* context = PQresultErrorField(result.get(), PG_DIAG_CONTEXT)) {
      message.append(" (").append(Abbreviate(TrimmedMessage(context), kStatementShownBytes)).append(")");
    }
  }
  if (message.empty()) message = TrimmedMessage(PQerrorMessage(conn_.get()));
  if (message.empty()) message = "unexpected result status " + std::string(PQresStatus(status));
  ErrorCode code = CodeForSqlState(state);
  // No SQLSTATE and a dead connection: the server or network went away.
  if (state.empty() && !IsUsable()) code = ErrorCode::kUnavailable;
  std::string text = "postgres: " + message;
  if (!state.empty()) text.append(" [SQLSTATE ").append(state).append("]");
  text.append(" in: ").append(Abbreviate(what, kStatementShownBytes));
  return Error(code, std::move(text));
}

Result<PgResult> PgConnection::Exec(std::string_view sql) {
  const std::string statement(sql);
  return Check(PgResultPtr(PQexec(conn_.get(), statement.c_str())), sql);
}

Result<PgResult> PgConnection::ExecParams(std::string_view sql, const std::vector<PgParam>& params) {
  const std::string statement(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  return Check(PgResultPtr(PQexecParams(conn_.get(), statement.c_str(),
                                        static_cast<int>(values.size()), /*paramTypes=*/nullptr,
                                        values.data(), /*paramLengths=*/nullptr,
                                        /*paramFormats=*/nullptr, /*resultFormat=*/0)),
               sql);
}

Result<std::uint64_t> PgConnection::CopyIn(std::string_view copy_sql, const CopyChunkSource& source) {
  INGESTD_ASSIGN_OR_RETURN(PgResult started, Exec(copy_sql));
  (void)started;
  // Collects the final result of the COPY (and anything after it).
  auto finish = [&]() -> Result<PgResult> {
    PgResultPtr last;
    while (PgResultPtr r{PQgetResult(conn_.get())}) {
      if (last == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) last = std::move(r);
    }
    return Check(std::move(last), copy_sql);
  };
  std::string chunk;
  while (true) {
    Result<bool> more = source(chunk);
    if (!more.ok()) {
      const std::string reason = "aborted by ingestd: " + more.error().message();
      PQputCopyEnd(conn_.get(), reason.c_str());
      Result<PgResult> ignored = finish();  // the server reports the abort; our error says why
      (void)ignored;
      return std::move(more).error();
    }
    if (!*more) break;
    std::string_view rest = chunk;
    while (!rest.empty()) {
      constexpr std::size_t kMaxPut = 1u << 30;
      const std::size_t n = std::min(rest.size(), kMaxPut);
      if (PQputCopyData(conn_.get(), rest.data(), static_cast<int>(n)) != 1) {
        Result<PgResult> failed = finish();
        if (!failed.ok()) return std::move(failed).error();
        return Error(IsUsable() ? ErrorCode::kInternal : ErrorCode::kUnavailable,
                     "postgres: sending COPY data failed: " +
                         TrimmedMessage(PQerrorMessage(conn_.get())) + " in: " + Abbreviate(copy_sql, kStatementShownBytes));
      }
      rest.remove_prefix(n);
    }
  }
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) {
    return Error(ErrorCode::kUnavailable, "postgres: ending COPY failed: " +
                                              TrimmedMessage(PQerrorMessage(conn_.get())) +
                                              " in: " + Abbreviate(copy_sql, kStatementShownBytes));
  }
  INGESTD_ASSIGN_OR_RETURN(PgResult done, finish());
  return done.affected_rows();
}

}  // namespace ingestd::destinations::postgres
