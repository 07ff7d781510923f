#pragma once

#include <string>

#include "core/common/result.hpp"

namespace ingestd::testing {

/// A PostgreSQL server for integration tests, one per test binary run.
///
/// When INGESTD_TEST_PG_DSN is set, that server is used as it is. Otherwise a
/// throw-away cluster is created on first use: initdb into a fresh temporary
/// directory (as the `postgres` system user when running as root, since
/// initdb refuses root), `pg_ctl start` on 127.0.0.1 and a free port with
/// the unix socket in that directory and fsync off, then a database
/// `ingestd_test`. At process exit the server is stopped (`pg_ctl stop -m
/// fast`) and the directory removed. The binaries are taken from
/// INGESTD_TEST_PG_BINDIR, else /usr/lib/postgresql/15/bin.
///
/// Returns the DSN, or the reason the server could not be started (the log
/// tail included).
Result<std::string> TestPostgresDsn();

/// A new dataset (PostgreSQL schema) name for one test, unique within the
/// server across runs: `<prefix>_<pid>_<counter>`, lower case.
std::string FreshDatasetName(const std::string& prefix);

/// A DSN pointing at 127.0.0.1 on a port nothing listens on (for
/// unreachable-server tests).
std::string UnreachableDsn();

}  // namespace ingestd::testing
