#include "tests/support/pg_query.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>

#include "tests/support/postgres_fixture.hpp"

namespace ingestd::testing {
namespace {

struct PgConnDeleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};

}  // namespace

PgRows PgQuery(const std::string& sql) {
  auto dsn = TestPostgresDsn();
  EXPECT_TRUE(dsn.ok());
  if (!dsn.ok()) return {};
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdb(dsn->c_str()));
  std::unique_ptr<PGresult, PgResultDeleter> r(PQexec(conn.get(), sql.c_str()));
  const ExecStatusType status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(conn.get());
    return {};
  }
  PgRows rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(r.get()); ++j) {
      row.emplace_back(PQgetisnull(r.get(), i, j) ? "NULL" : PQgetvalue(r.get(), i, j));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PgValue(const std::string& sql) {
  PgRows rows = PgQuery(sql);
  return rows.size() == 1 && rows[0].size() == 1 ? rows[0][0] : "(" + std::to_string(rows.size()) + " rows)";
}

}  // namespace ingestd::testing
