#include "core/package/load_package.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "core/package/file_io.hpp"

namespace ingestd::package {
namespace {

// A manifest lists file names; even a package with tens of thousands of
// files stays far below this. Bigger means corrupt.
constexpr std::size_t kMaxManifestBytes = 64 * 1024 * 1024;
// Stored schemas are at most a few MiB even for wide, deeply nested data.
constexpr std::size_t kMaxSchemaBytes = 256 * 1024 * 1024;

}  // namespace

Result<LoadPackage> LoadPackage::Open(std::string dir) {
  std::string path = dir + "/manifest.json";
  INGESTD_ASSIGN_OR_RETURN(std::string json, ReadSmallFile(path, kMaxManifestBytes));
  INGESTD_ASSIGN_OR_RETURN(PackageManifest manifest, ManifestFromJson(json, path));
  return LoadPackage(std::move(dir), std::move(manifest));
}

Result<LoadPackage> LoadPackage::Create(std::string dir, std::string load_id, double created_at) {
  if (::mkdir(dir.c_str(), 0755) != 0) return IoError("create package directory", dir, errno);
  INGESTD_TRY(MakeDirectories(dir + "/extracted"));
  INGESTD_TRY(MakeDirectories(dir + "/normalized"));
  PackageManifest manifest;
  manifest.load_id = std::move(load_id);
  manifest.created_at = created_at;
  manifest.stage = PackageStage::kNew;
  // The manifest is written last: a directory without one is a creation
  // that crashed and is removed by PackageStore::Recover.
  INGESTD_TRY(WriteFileAtomically(dir + "/manifest.json", ManifestToJson(manifest)));
  INGESTD_TRY(FsyncDirectory(ParentDirectory(dir)));
  return LoadPackage(std::move(dir), std::move(manifest));
}

std::string LoadPackage::PathOf(std::string_view relative) const {
  std::string path = dir_;
  path.push_back('/');
  path.append(relative);
  return path;
}

std::vector<std::string> LoadPackage::LoadFilePaths(const TableFiles& table) const {
  std::vector<std::string> paths;
  paths.reserve(table.files.size());
  for (const std::string& f : table.files) paths.push_back(PathOf(f));
  return paths;
}

Status LoadPackage::ExpectStage(PackageStage expected, std::string_view action) const {
  if (manifest_.stage == expected) return OkStatus();
  return FailedPrecondition("package " + manifest_.load_id + ": cannot " + std::string(action) + " at stage " +
                            std::string(PackageStageName(manifest_.stage)) + " (needs stage " +
                            std::string(PackageStageName(expected)) + ")");
}

Status LoadPackage::Commit(PackageManifest next) {
  Status written = WriteFileAtomically(manifest_path(), ManifestToJson(next));
  if (!written.ok()) {
    return written.error().WithContext("package " + manifest_.load_id + ": commit stage " +
                                       std::string(PackageStageName(next.stage)));
  }
  manifest_ = std::move(next);
  return OkStatus();
}

Result<ItemFileWriter> LoadPackage::OpenItemWriter(std::string resource, std::string table,
                                                   const ItemFileOptions& options) const {
  INGESTD_TRY(ExpectStage(PackageStage::kNew, "write items"));
  return ItemFileWriter::Create(extracted_dir(), std::move(resource), std::move(table), options);
}

Status LoadPackage::CommitExtracted(ExtractedCommit commit) {
  INGESTD_TRY(ExpectStage(PackageStage::kNew, "commit extraction"));
  // The item files were fsynced by their writers; their directory entries
  // are durable only once the directory is.
  INGESTD_TRY(FsyncDirectory(extracted_dir()));
  PackageManifest next = manifest_;
  next.stage = PackageStage::kExtracted;
  next.resources = std::move(commit.resources);
  next.pipeline_state = std::move(commit.pipeline_state);
  return Commit(std::move(next));
}

Result<LoadFileSetWriter> LoadPackage::StartNormalize(const LoadFileOptions& options) {
  INGESTD_TRY(ExpectStage(PackageStage::kExtracted, "normalize"));
  INGESTD_ASSIGN_OR_RETURN(std::string dir, PrepareNormalizedDir());
  return LoadFileSetWriter::Create(std::move(dir), options);
}

Result<std::string> LoadPackage::PrepareNormalizedDir() {
  // Normalization may start while extraction is still writing (stage new);
  // its load files count only once CommitNormalized follows CommitExtracted.
  if (manifest_.stage != PackageStage::kNew) INGESTD_TRY(ExpectStage(PackageStage::kExtracted, "normalize"));
  // Load files of an interrupted attempt are not in any manifest: start over.
  INGESTD_TRY(RemoveTree(normalized_dir()));
  INGESTD_TRY(MakeDirectories(normalized_dir()));
  return normalized_dir();
}

Status LoadPackage::CommitNormalized(NormalizedCommit commit) {
  INGESTD_TRY(ExpectStage(PackageStage::kExtracted, "commit normalization"));
  INGESTD_TRY(FsyncDirectory(normalized_dir()));
  // schema.json before the manifest: a crash in between leaves kExtracted,
  // and the next attempt overwrites schema.json anyway.
  INGESTD_TRY(WriteFileAtomically(schema_path(), commit.schema_json));
  PackageManifest next = manifest_;
  next.stage = PackageStage::kNormalized;
  next.tables = std::move(commit.tables);
  next.schema_changed = commit.schema_changed;
  next.replace_tables = std::move(commit.replace_tables);
  INGESTD_TRY(Commit(std::move(next)));
  // Best effort and not an error: the commit succeeded, the item files are
  // garbage now, and MarkLoaded removes the whole directory later anyway.
  (void)RemoveTree(extracted_dir());
  return OkStatus();
}

Result<std::string> LoadPackage::ReadSchemaJson() const {
  if (manifest_.stage != PackageStage::kNormalized && manifest_.stage != PackageStage::kLoaded) {
    return FailedPrecondition("package " + manifest_.load_id + ": no schema before normalization (stage " +
                              std::string(PackageStageName(manifest_.stage)) + ")");
  }
  Result<std::string> json = ReadSmallFile(schema_path(), kMaxSchemaBytes);
  if (!json.ok() && json.error().code() == ErrorCode::kNotFound) {
    // The manifest says normalized, so schema.json was committed before it.
    return DataLoss("package " + manifest_.load_id + ": schema.json is missing");
  }
  return json;
}

Status LoadPackage::CommitLoaded() {
  INGESTD_TRY(ExpectStage(PackageStage::kNormalized, "mark loaded"));
  PackageManifest next = manifest_;
  next.stage = PackageStage::kLoaded;
  return Commit(std::move(next));
}

}  // namespace ingestd::package
