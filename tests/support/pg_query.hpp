#pragma once

#include <string>
#include <vector>

namespace ingestd::testing {

using PgRows = std::vector<std::vector<std::string>>;

/// Runs `sql` on the test PostgreSQL (TestPostgresDsn) and returns every row
/// as text, NULL as "NULL". A failing statement adds a test failure with the
/// server's message and returns no rows.
PgRows PgQuery(const std::string& sql);

/// The single value of a one-row, one-column query, or "(N rows)".
std::string PgValue(const std::string& sql);

}  // namespace ingestd::testing
