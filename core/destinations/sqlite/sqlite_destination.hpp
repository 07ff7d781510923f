#pragma once

#include <memory>
#include <string>

#include "core/common/result.hpp"
#include "core/destinations/destination.hpp"

namespace ingestd::destinations::sqlite {

/// Where a SQLite destination keeps its data. One SQLite file holds one
/// dataset: tables carry the schema's names unqualified (no per-dataset
/// prefix or schema), so point two datasets at two files.
struct SqliteConfig {
  /// The database file; created (with its directory's write permission)
  /// when missing. ":memory:" works for tests but keeps nothing.
  std::string path;
  /// The dataset name, used only in messages: the file is the dataset.
  std::string dataset;
  /// How long a load waits for another writer before failing with
  /// kUnavailable.
  int busy_timeout_ms = 10000;
};

/// The embedded default destination (docs/destinations.md, "SQLite").
///
/// Load() runs the whole package in one `BEGIN IMMEDIATE` transaction:
/// system tables and data tables are created or widened (ALTER TABLE ADD
/// COLUMN; columns are never dropped or retyped), replaced chains are
/// emptied, rows are inserted with one prepared INSERT per table, merge
/// tables go through staging tables in the connection's `temp` schema
/// (which commits and rolls back with the same transaction), and the
/// `_dlt_loads` row is written last, just before COMMIT.
///
/// Opening does not touch the tables; it fails with kUnavailable when the
/// file cannot be opened or switched to WAL mode.
Result<std::unique_ptr<Destination>> OpenSqlite(const SqliteConfig& config);

}  // namespace ingestd::destinations::sqlite
