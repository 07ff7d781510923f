#pragma once

#include <memory>

#include <sqlite3.h>

namespace ingestd::destinations::sqlite {

/// Owning pointers for SQLite's C handles. The deleters are stateless, so the
/// pointers stay the size of a raw pointer and default-constructible.
struct SqliteDbDeleter {
  // sqlite3_close_v2 defers the close until every statement is finalized, so
  // destruction order between a connection and its statements never leaks.
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct SqliteStmtDeleter {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteDbDeleter>;
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtDeleter>;

}  // namespace ingestd::destinations::sqlite
