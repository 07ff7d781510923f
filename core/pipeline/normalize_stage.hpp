#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/package/load_package.hpp"
#include "core/pipeline/item_file_feed.hpp"
#include "core/schema/schema.hpp"
#include "core/workers/normalize_job.hpp"
#include "core/workers/normalize_worker_pool.hpp"

namespace ingestd::pipeline {

/// What the normalize stage needs besides the package.
struct NormalizeStageOptions {
  /// The schema normalization starts from (resource hints applied).
  const schema::Schema* start = nullptr;
  /// Naming convention limit (snake_case; 0 = none).
  std::size_t max_identifier_length = 0;
  /// Seeds random root `_dlt_id`s; each job mixes in its index.
  std::uint64_t row_id_seed = 0;
  package::LoadFileOptions file_options;
  /// Worker processes to run jobs on; null: jobs run in this process, one
  /// after the other (the result is the same either way).
  workers::NormalizeWorkerPool* pool = nullptr;
  std::stop_token stop;
  /// Called after each job's result joined the schema, in job order, with
  /// the schema merged so far (every column the job's load files use):
  /// violations to report, progress to show, load files to load.
  std::function<void(const workers::NormalizeJobResult& job, const schema::Schema& merged,
                     std::uint64_t rows_so_far, std::uint64_t bytes_so_far)>
      on_job_merged;
  /// Called once the first job has merged (crash-test checkpoint).
  std::function<void()> on_first_job;
};

struct NormalizeStageResult {
  /// The starting schema plus every job's update, in job order.
  schema::Schema schema;
  /// Load files per table, in the order tables first received rows (by job
  /// order), each table's files in job order.
  std::vector<package::TableFiles> tables;
  /// Tables new in this stage, and every column added ("table.column"), in
  /// the order they joined the schema.
  std::vector<std::string> new_tables;
  std::vector<std::string> new_columns;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  std::size_t jobs = 0;
  /// Jobs normalized a second time because an earlier job had added one of
  /// their new columns with another type (see workers::MergeJobUpdate).
  std::size_t redone_jobs = 0;
};

/// Normalizes every item file of `package` (stage extracted): one job per
/// item file, all against the starting schema, on the pool's workers or in
/// process, merged in the order of the files. The result depends only on
/// the package's files, never on the number of workers or the order in
/// which jobs finish. The first failing job (in file order) is the
/// stage's error; later jobs are abandoned.
Result<NormalizeStageResult> RunNormalizeStage(package::LoadPackage& package, const NormalizeStageOptions& options);

/// The package as a normalize stage running alongside extraction sees it:
/// fixed values, because the extracting thread still commits the manifest.
struct NormalizeTarget {
  std::string package_dir;  // LoadPackage::dir()
  std::string output_dir;   // LoadPackage::PrepareNormalizedDir()
  std::string load_id;
  double created_at = 0;

  /// Empties the package's normalized/ directory (PrepareNormalizedDir) and
  /// takes the values; call it on the thread that owns the package, before
  /// extraction ends.
  static Result<NormalizeTarget> Prepare(package::LoadPackage& package);
};

/// The same for a package still being extracted (stage new): jobs start as
/// `feed` announces files and merge in (resource, file) order, the order
/// of the manifest extraction will commit, so the result is the one the
/// overload above gives for the committed package. Returns once End was
/// announced and every file merged; waits for input otherwise (until
/// options.stop: kCancelled). Runs on the calling thread; the feed is
/// filled from another.
Result<NormalizeStageResult> RunNormalizeStage(const NormalizeTarget& target, const NormalizeStageOptions& options,
                                               ItemFileFeed& feed);

}  // namespace ingestd::pipeline
