#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/normalize/normalized_batch.hpp"
#include "core/package/load_file.hpp"
#include "core/package/package_manifest.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::package {

/// Rotation limits for load files. Checked between Append calls: a file that
/// reached either limit is finished and the table's next file started, so a
/// file exceeds a limit by at most one appended batch.
struct LoadFileOptions {
  /// Rows per file: one million rows is one destination COPY of a size that
  /// still retries cheaply.
  std::uint64_t file_max_rows = 1'000'000;
  /// Bytes per file.
  std::uint64_t file_max_bytes = 256 * 1024 * 1024;
};

/// The load files of one normalize pass over a package: one LoadFileWriter
/// open per table at a time, named `<table>.<seq>.lf` (seq = 0, 1, ... per
/// table) in the package's normalized/ directory, rotated by LoadFileOptions.
/// With a file tag the names are `<table>.<tag>.<seq>.lf`, so several writers
/// (one per normalize job) can share the directory.
/// Not thread-safe. Obtain one from LoadPackage::StartNormalize.
class LoadFileSetWriter {
 public:
  /// `normalized_dir` must exist (LoadPackage::StartNormalize empties it).
  /// `file_tag` (optional) is letters, digits and '_' only, else
  /// kInvalidArgument: it becomes part of every file name.
  static Result<LoadFileSetWriter> Create(std::string normalized_dir, const LoadFileOptions& options,
                                          std::string file_tag = {});

  LoadFileSetWriter(LoadFileSetWriter&&) noexcept;
  LoadFileSetWriter& operator=(LoadFileSetWriter&&) noexcept;
  ~LoadFileSetWriter();

  /// Appends the rows of one table (see LoadFileWriter::Append); `table` is
  /// the normalizer's working schema table of that name. Table names must be
  /// usable in a file name (CheckFileNamePart).
  Status Append(const normalize::TableRows& rows, const schema::TableSchema& table);

  /// Appends every table of `batch`, each with its table in `schema` (the
  /// normalizer's working schema). A table missing from `schema` is
  /// kInternal: the normalizer always has the tables it produced rows for.
  Status AppendBatch(const normalize::NormalizedBatch& batch, const schema::Schema& schema);

  /// Finishes (fsyncs) every open file and returns the files per table, in
  /// the order tables first received rows, for NormalizedCommit. Call once.
  Result<std::vector<TableFiles>> Finish();

 private:
  struct Impl;
  explicit LoadFileSetWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingestd::package
