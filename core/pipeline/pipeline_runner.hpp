#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/contracts/contract_violation.hpp"
#include "core/extract/http/http_metrics.hpp"
#include "core/destinations/postgres/postgres_destination.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/pipeline/run_event.hpp"
#include "core/workers/normalize_worker_pool.hpp"

namespace ingestd::pipeline {

/// Inputs of one run besides the spec. Everything environmental (clock,
/// randomness, cancellation) comes in here: core reads no clock.
struct RunOptions {
  /// Root of ingestd's files: `<data_dir>/pipelines/<name>/` holds the
  /// pipeline's schema, state and load packages; the SQLite default
  /// destination is `<data_dir>/<name>.sqlite`.
  std::string data_dir;
  /// Unix seconds now: the new package's load id and created_at.
  double now = 0;
  /// A monotonic clock in seconds for stage timings (optional).
  std::function<double()> clock;
  /// Seed for random root `_dlt_id`s (draw it from a random source).
  std::uint64_t row_id_seed = 0;
  std::stop_token stop;
  /// Test hook for crash tests (may be empty), called at the points where a
  /// crash must still leave everything recoverable: "extract" (mid-extract,
  /// after the first item), "extracted", "normalize" (after the first block),
  /// "normalized", "copy" (data partly in the destination's transaction),
  /// "commit" (just before it commits) and "loaded" (committed, local files
  /// not yet updated).
  std::function<void(std::string_view)> checkpoint;
  /// Called as things happen (stage boundaries, HTTP retries and waits,
  /// paginator detection, ...), one at a time, from the thread running
  /// RunPipeline or, while stages overlap, the run's normalize thread. May
  /// be empty.
  std::function<void(const RunEvent&)> on_event;
  /// Where HTTP sources count requests, retries and waits (registered once
  /// per metrics registry by the caller). May be null.
  const extract::http::HttpMetrics* http_metrics = nullptr;
  /// Seeds the retry jitter of HTTP sources.
  std::uint64_t random_seed = 0;
  /// A push run (the daemon's PushRecords): only this resource (a `push`
  /// resource of the spec) is extracted, from this JSON Lines file of
  /// objects; every other resource extracts nothing. Unset: push resources
  /// extract nothing.
  struct PushInput {
    std::string resource;
    std::string path;
  };
  std::optional<PushInput> push;
  /// Worker processes that normalize (shared by concurrent runs; outlives
  /// the call). Null: normalization runs in this process. The loaded data
  /// is the same either way.
  workers::NormalizeWorkerPool* normalize_pool = nullptr;
  /// Load each job's files while later jobs still normalize, inside the
  /// package's one transaction (false: load after normalization, for
  /// measuring the difference). The loaded data is the same either way.
  bool overlap_load = true;
  /// Normalize item files as extraction closes them, while it goes on
  /// (false: after extraction, for measuring the difference). Only when
  /// the schema is settled before the first item: a run with a `sql`
  /// resource (its column types are reflected when its turn comes)
  /// normalizes after extraction regardless. The loaded data is the same
  /// either way.
  bool overlap_extract = true;
  /// PostgreSQL destinations: force one COPY format for every table
  /// (kAuto, the default, picks per table by column types). For the
  /// text-versus-binary benchmark, not a setting.
  destinations::postgres::PostgresConfig::CopyFormatChoice pg_copy_format =
      destinations::postgres::PostgresConfig::CopyFormatChoice::kAuto;
};

/// Seconds spent per stage.
struct StageTimes {
  double extract = 0;
  double normalize = 0;
  double load = 0;
};

/// What happened to one load package.
struct PackageSummary {
  std::string load_id;
  /// A package left pending by an earlier run, finished by this one.
  bool resumed = false;
  /// The destination already had it (a crash after commit): nothing loaded twice.
  bool already_loaded = false;
  std::uint64_t items_extracted = 0;
  /// Bytes of extracted items (item files, uncompressed).
  std::uint64_t bytes_extracted = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rows_per_table;
  std::vector<std::string> new_tables;
  std::vector<std::string> new_columns;  // "table.column"
  std::uint64_t violation_total = 0;
  std::vector<contracts::ContractViolation> violations;  // the first ones, in detail
  std::int64_t schema_version = 0;
  bool state_stored = false;
  StageTimes times;
};

struct RunSummary {
  std::string pipeline;
  std::string destination;  // "sqlite:<path>" or "postgres:<dataset>" (no secrets)
  std::string dataset;
  /// The schema and state came from the destination (empty data directory).
  bool restored_from_destination = false;
  /// Packages in the order they were loaded: resumed ones first.
  std::vector<PackageSummary> packages;
};

/// Runs a pipeline once: finishes packages earlier runs left pending, then
/// extracts every resource into a new load package, normalizes it and loads
/// it into the destination in one transaction. Succeeds only when the
/// destination committed; on failure the package stays pending (extract
/// failures discard it: nothing of it was loaded) and the next run resumes
/// it, so nothing is lost and nothing is loaded twice.
Result<RunSummary> RunPipeline(const PipelineSpec& spec, const RunOptions& options);

/// Resolves a secret reference: `env:NAME` (the variable's value), `file:PATH`
/// (the file's contents, trimmed) or a literal. Errors name the reference,
/// never the secret.
Result<std::string> ResolveSecret(const std::string& reference);

}  // namespace ingestd::pipeline
