#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/package/item_file.hpp"
#include "core/package/load_file_set_writer.hpp"
#include "core/package/package_manifest.hpp"

namespace ingestd::package {

/// What the extract stage commits (LoadPackage::CommitExtracted).
struct ExtractedCommit {
  /// One entry per resource, from ItemFileWriter::Finish (resources that
  /// yielded nothing may be left out or kept with no files).
  std::vector<ResourceFiles> resources;
  /// The pipeline state JSON to commit with the package's data (cursors of
  /// incremental resources etc.); it reaches the destination in the same
  /// transaction as the rows. Unset when the pipeline has no state.
  std::optional<std::string> pipeline_state;
};

/// What the normalize stage commits (LoadPackage::CommitNormalized).
struct NormalizedCommit {
  /// From LoadFileSetWriter::Finish.
  std::vector<TableFiles> tables;
  /// The schema after normalization, as stored-schema JSON text; written to
  /// schema.json as it is.
  std::string schema_json;
  /// Whether normalization changed the schema (a new version to migrate to).
  bool schema_changed = false;
  /// Root tables with write disposition replace that this package replaces.
  std::vector<std::string> replace_tables;
};

/// One load package on disk: `<pipeline_dir>/packages/<load_id>/` with
/// manifest.json, extracted/, normalized/ and schema.json (layout and crash
/// rules in docs/load-packages.md). Created and listed by PackageStore.
///
/// Each Commit* moves the package one stage forward atomically and durably:
/// the files of the stage are fsynced, then the new manifest is written to a
/// temp file, fsynced, renamed over manifest.json and the directory fsynced.
/// A crash leaves the old stage or the new one, never a mix; the work of a
/// stage that was not committed is simply redone from the previous stage's
/// files. A failed Commit leaves this object at its old stage.
///
/// Not thread-safe, except that item writers from OpenItemWriter are
/// independent objects. Movable.
class LoadPackage {
 public:
  /// Reads the package in `dir`. kNotFound without a manifest; kDataLoss
  /// when the manifest is corrupt.
  static Result<LoadPackage> Open(std::string dir);

  /// Makes `dir` (which must not exist) with extracted/ and normalized/ and
  /// a manifest at kNew. PackageStore::Create calls this; use that.
  static Result<LoadPackage> Create(std::string dir, std::string load_id, double created_at);

  const std::string& load_id() const { return manifest_.load_id; }
  /// Unix seconds the package was created at.
  double created_at() const { return manifest_.created_at; }
  PackageStage stage() const { return manifest_.stage; }
  const PackageManifest& manifest() const { return manifest_; }

  /// The package directory.
  const std::string& dir() const { return dir_; }
  /// The absolute path of a manifest file path ("normalized/orders.0.lf").
  std::string PathOf(std::string_view relative) const;
  /// Absolute paths of a table's load files, in load order (for
  /// destinations::TableLoad::files).
  std::vector<std::string> LoadFilePaths(const TableFiles& table) const;
  std::string extracted_dir() const { return dir_ + "/extracted"; }
  std::string normalized_dir() const { return dir_ + "/normalized"; }
  std::string schema_path() const { return dir_ + "/schema.json"; }
  std::string manifest_path() const { return dir_ + "/manifest.json"; }

  // --- extract (stage kNew) ---

  /// A writer for the items of `resource` whose rows go to `table`. One
  /// writer per resource per package (a second one would overwrite the
  /// first one's files). kFailedPrecondition unless the stage is kNew.
  Result<ItemFileWriter> OpenItemWriter(std::string resource, std::string table,
                                        const ItemFileOptions& options = {}) const;

  /// kNew -> kExtracted: fsyncs extracted/, then records the resources and
  /// the pipeline state in the manifest.
  Status CommitExtracted(ExtractedCommit commit);

  // --- normalize (stage kExtracted) ---

  /// Starts (or restarts) normalization: deletes whatever an interrupted
  /// earlier attempt left in normalized/ and returns a writer for the load
  /// files. kFailedPrecondition unless the stage is kExtracted.
  Result<LoadFileSetWriter> StartNormalize(const LoadFileOptions& options = {});
  /// Stage kExtracted, or kNew while extraction is still writing (the
  /// normalize stage runs alongside it): empties normalized/ (load files of
  /// an interrupted attempt are in no manifest) and returns its path, for
  /// writers of their own (normalize jobs name their files apart). Not
  /// thread-safe against CommitExtracted: call it before extraction ends.
  Result<std::string> PrepareNormalizedDir();

  /// kExtracted -> kNormalized: fsyncs normalized/, writes schema.json
  /// (atomically) and then the manifest. Afterwards the item files in
  /// extracted/ are deleted (best effort: they are no longer needed, and
  /// the whole package directory goes once it is loaded). The manifest keeps
  /// listing them as a record of what was extracted.
  Status CommitNormalized(NormalizedCommit commit);

  // --- load (stage kNormalized) ---

  /// The stored-schema JSON text from schema.json (kNormalized or later).
  Result<std::string> ReadSchemaJson() const;

  /// kNormalized -> kLoaded. Call only after the destination committed the
  /// package; PackageStore::MarkLoaded calls it and then deletes the
  /// package. (A crash before this is harmless: the package is loaded again
  /// and the destination finds its load_id in `_dlt_loads` and does nothing.)
  Status CommitLoaded();

 private:
  LoadPackage(std::string dir, PackageManifest manifest) : dir_(std::move(dir)), manifest_(std::move(manifest)) {}
  Status ExpectStage(PackageStage expected, std::string_view action) const;
  // Writes `next` as the manifest (atomically) and adopts it on success.
  Status Commit(PackageManifest next);

  std::string dir_;
  PackageManifest manifest_;
};

}  // namespace ingestd::package
