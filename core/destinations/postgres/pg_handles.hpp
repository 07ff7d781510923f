#pragma once

#include <memory>

#include <libpq-fe.h>

namespace ingestd::destinations::postgres {

// libpq handles with stateless deleters: zero-size and default-constructible,
// unlike `decltype(&PQclear)` (STYLE.md §2). Only pg_connection.cpp creates
// them; everything else talks to PgConnection.

struct PgConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
struct PgFreememDeleter {
  void operator()(void* memory) const noexcept { PQfreemem(memory); }
};

using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;
template <class T>
using PgMemPtr = std::unique_ptr<T, PgFreememDeleter>;

}  // namespace ingestd::destinations::postgres
