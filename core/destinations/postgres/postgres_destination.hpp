#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/common/result.hpp"
#include "core/destinations/destination.hpp"

namespace ingestd::destinations::postgres {

/// Where and how to load into PostgreSQL (15 or newer: upsert uses MERGE).
struct PostgresConfig {
  /// libpq connection string or URI ("host=... port=... dbname=... user=...").
  /// The password is best taken from PGPASSWORD or ~/.pgpass.
  std::string dsn;
  /// The PostgreSQL schema data is loaded into (dlt's dataset); created on
  /// first load.
  std::string dataset;
  /// The schema merge loads stage their data in; empty means
  /// `<dataset>_staging` (dlt's staging_dataset_name_layout). Must differ
  /// from `dataset`.
  std::string staging_dataset;
  /// Which COPY format loads tables. kAuto (the default and the one to use)
  /// picks per table by its column types: binary where every type has an
  /// exact binary encoding (see pg_copy_binary.hpp), text otherwise. kText
  /// and kBinary force one format for every table; they exist for tests and
  /// the text-vs-binary benchmark (`ingestd run` sets them from its
  /// INGESTD_PG_COPY_FORMAT knob).
  enum class CopyFormatChoice : std::uint8_t { kAuto, kText, kBinary };
  CopyFormatChoice copy_format = CopyFormatChoice::kAuto;
};

/// Connects and returns the PostgreSQL destination (Destination::Kind()
/// "postgres"). Errors: kInvalidArgument for an empty or over-long dataset
/// name or staging equal to the dataset; kUnavailable when the server
/// cannot be reached.
///
/// What Load() does in its one transaction, in order:
///  1. takes a transaction-level advisory lock on the dataset (loads into one
///     dataset are serialized) and returns already_loaded when the load id is
///     in `_dlt_loads`;
///  2. creates the dataset and every schema table that has a complete column
///     (CREATE TABLE with columns in schema order, NOT NULL, UNIQUE for the
///     `unique` hint), adds new columns (nullable) with ALTER TABLE, never
///     drops or retypes; a column whose existing type differs from the
///     schema's is kFailedPrecondition;
///  3. replace: truncates the replaced root tables and their nested tables;
///  4. COPY FROM STDIN (binary or text format per table, see
///     PostgresConfig::copy_format; 1 MiB chunks) straight into append and
///     replace tables, into freshly created staging tables for merge tables;
///  5. merge SQL per table chain: delete-insert, upsert (MERGE), scd2,
///     insert-only (dlt's sql_jobs.py semantics);
///  6. `_dlt_version`, `_dlt_pipeline_state` and finally `_dlt_loads` rows;
///     COMMIT.
/// A stop request is honoured between statements and COPY chunks (rollback,
/// kCancelled).
Result<std::unique_ptr<Destination>> OpenPostgres(const PostgresConfig& config);

}  // namespace ingestd::destinations::postgres
