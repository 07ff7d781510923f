#pragma once

#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/contracts/contract_violation.hpp"
#include "core/package/load_file_set_writer.hpp"
#include "core/package/package_manifest.hpp"
#include "core/schema/schema_update.hpp"

namespace ingestd::workers {

/// One unit of normalization work: one item file (JSON Lines) of one
/// resource, normalized against a given schema into load files. Jobs are
/// independent of each other, so any worker process can run any job; the
/// caller merges the results in job order (see MergeJobUpdate).
///
/// Everything the result depends on is in the job (no clock, no
/// environment), so running a job twice, in any process, gives the same
/// load files and the same update.
struct NormalizeJob {
  /// The caller's id, echoed in the result.
  std::uint64_t id = 0;
  /// Absolute path of the item file to read.
  std::string input_path;
  /// The resource's root table (already a normalized name).
  std::string root_table;
  /// Directory the load files go to (must exist): the package's
  /// normalized/ directory.
  std::string output_dir;
  /// Makes this job's file names unique within output_dir:
  /// `<table>.<file_tag>.<seq>.lf`. Letters, digits, '_' only.
  std::string file_tag;
  /// The schema to normalize against, as stored-schema JSON text
  /// (schema::SchemaToJson).
  std::string schema_json;

  // normalize::NormalizeOptions, as plain values (a process boundary
  // cannot carry the naming convention object): snake_case with
  // `max_identifier_length` (0 = none).
  std::string load_id;
  std::size_t max_identifier_length = 0;
  std::uint64_t row_id_seed = 0;
  double now_unix_seconds = 0;

  /// Load file rotation.
  package::LoadFileOptions file_options;
};

/// What one job produced.
struct NormalizeJobResult {
  std::uint64_t id = 0;
  /// Load files per table, paths relative to the job's output_dir's parent
  /// (the package directory: "normalized/issues.j3.0.lf"), in the order the
  /// tables first received rows.
  std::vector<package::TableFiles> tables;
  /// What the job added to its input schema (new tables and columns in
  /// discovery order).
  schema::SchemaUpdate update;
  /// Contract violations with full detail (at most
  /// normalize::NormalizeOptions::max_violation_records), and all of them
  /// counted.
  std::vector<contracts::ContractViolation> violations;
  std::uint64_t violation_total = 0;
  /// Items read, rows written over all tables, input bytes consumed.
  std::uint64_t items = 0;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
};

/// Runs a job in this process: reads the item file in bounded blocks (cut
/// at line ends), normalizes, writes and fsyncs the load files. Errors name
/// the input file; a frozen contract gives kFailedPrecondition with the
/// violation's description. Checks `stop` between blocks (kCancelled).
Result<NormalizeJobResult> RunNormalizeJob(const NormalizeJob& job, const std::stop_token& stop = {});

/// The wire format between the parent and a worker process: one JSON
/// object per message. FromJson validates every field (kInvalidArgument
/// naming it) since the bytes crossed a process boundary.
std::string NormalizeJobToJson(const NormalizeJob& job);
Result<NormalizeJob> NormalizeJobFromJson(std::string_view json);
/// A job's outcome: the result, or the error (code and message).
std::string NormalizeJobOutcomeToJson(const Result<NormalizeJobResult>& outcome);
Result<Result<NormalizeJobResult>> NormalizeJobOutcomeFromJson(std::string_view json);

}  // namespace ingestd::workers
