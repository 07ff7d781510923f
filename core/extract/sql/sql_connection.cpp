#include "core/extract/sql/sql_connection.hpp"

#include <algorithm>
#include <utility>

namespace ingestd::extract::sql {
namespace {

using destinations::postgres::PgConnPtr;
using destinations::postgres::PgResultPtr;

// Shorter passwords are not scrubbed: replacing every "ab" would garble the
// message, and libpq does not quote passwords in the first place.
constexpr std::size_t kMinScrubbedSecret = 4;

std::string Trimmed(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

void ReplaceAll(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (std::size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

ErrorCode CodeForSqlState(std::string_view state) {
  if (state.size() != 5) return ErrorCode::kInternal;
  const std::string_view cls = state.substr(0, 2);
  if (cls == "08" || state == "57P01" || state == "57P02" || state == "57P03" || state == "40001" ||
      state == "40P01") {
    return ErrorCode::kUnavailable;
  }
  if (state == "42P01" || state == "42703" || state == "3F000") return ErrorCode::kNotFound;
  if (state == "42501" || cls == "25") return ErrorCode::kFailedPrecondition;
  if (cls == "42" || cls == "22" || cls == "21") return ErrorCode::kInvalidArgument;
  if (state == "57014") return ErrorCode::kCancelled;
  if (cls == "53" || cls == "54") return ErrorCode::kResourceExhausted;
  return ErrorCode::kInternal;
}

}  // namespace

int SqlResult::row_count() const { return PQntuples(result_.get()); }
int SqlResult::column_count() const { return PQnfields(result_.get()); }
std::string_view SqlResult::ColumnName(int column) const { return PQfname(result_.get(), column); }
std::uint32_t SqlResult::ColumnType(int column) const { return PQftype(result_.get(), column); }
int SqlResult::ColumnTypmod(int column) const { return PQfmod(result_.get(), column); }
std::uint32_t SqlResult::ColumnTable(int column) const { return PQftable(result_.get(), column); }
int SqlResult::ColumnTableAttnum(int column) const { return PQftablecol(result_.get(), column); }
bool SqlResult::IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
std::string_view SqlResult::Value(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column), static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

Result<SqlConnection> SqlConnection::Connect(const std::string& dsn) {
  // libpq's parse errors quote the offending piece of the DSN ('missing "="
  // after "..."'), which may be part of a password: parse first, and report
  // a malformed DSN without libpq's words.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &parse_error);
  if (parse_error != nullptr) PQfreemem(parse_error);
  // A DSN without '=' that is no URI is a bare database name, which
  // PQconnectdbParams accepts but PQconninfoParse does not.
  const bool bare_dbname = dsn.find('=') == std::string::npos && dsn.find("://") == std::string::npos;
  if (options == nullptr && !bare_dbname) {
    return InvalidArgument(
        "the dsn is not a valid libpq connection string or URI (libpq's message is withheld because it may "
        "quote the password)");
  }
  std::string password;
  for (PQconninfoOption* opt = options; opt != nullptr && opt->keyword != nullptr; ++opt) {
    if (std::string_view(opt->keyword) == "password" && opt->val != nullptr) password = opt->val;
  }
  PQconninfoFree(options);

  // Keywords apply in order and the expanded DSN sits in the middle: the DSN
  // may override the timeout and application name, never the encoding.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"10", "ingestd", dsn.c_str(), "UTF8", nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr) return ResourceExhausted("libpq could not allocate a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn.get()));
    if (password.size() >= kMinScrubbedSecret) ReplaceAll(message, password, "***");
    // A wrong password, user or database will not fix itself on retry.
    const bool permanent = message.find("authentication failed") != std::string::npos ||
                           message.find("does not exist") != std::string::npos;
    return Error(permanent ? ErrorCode::kFailedPrecondition : ErrorCode::kUnavailable, std::move(message));
  }
  // Notices would go to stderr otherwise.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return SqlConnection(std::move(conn));
}

Result<SqlResult> SqlConnection::Check(PgResultPtr result) {
  const ExecStatusType status = result != nullptr ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return SqlResult(std::move(result));
  std::string state;
  std::string message;
  if (result != nullptr) {
    if (const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE)) state = sqlstate;
    const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
    message = Trimmed(primary != nullptr ? primary : PQresultErrorMessage(result.get()));
    if (const char* detail = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_DETAIL)) {
      message.append(" (").append(Trimmed(detail)).append(")");
    }
    if (const char* hint = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_HINT)) {
      message.append(" (hint: ").append(Trimmed(hint)).append(")");
    }
  }
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_.get()));
  if (message.empty()) message = "unexpected result status " + std::string(PQresStatus(status));
  ErrorCode code = CodeForSqlState(state);
  if (state.empty() && PQstatus(conn_.get()) != CONNECTION_OK) code = ErrorCode::kUnavailable;
  if (!state.empty()) message.append(" [SQLSTATE ").append(state).append("]");
  return Error(code, std::move(message));
}

Result<SqlResult> SqlConnection::Exec(std::string_view sql) {
  const std::string statement(sql);
  return Check(PgResultPtr(PQexec(conn_.get(), statement.c_str())));
}

Result<SqlResult> SqlConnection::ExecParams(std::string_view sql,
                                            const std::vector<std::optional<std::string>>& params) {
  const std::string statement(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return Check(PgResultPtr(PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(values.size()),
                                        /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                        /*paramFormats=*/nullptr, /*resultFormat=*/0)));
}

}  // namespace ingestd::extract::sql
