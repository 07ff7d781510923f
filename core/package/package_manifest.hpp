#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::package {

/// How far a load package got. Stages only move forward, one at a time; each
/// move is one atomic rename of manifest.json (see docs/load-packages.md).
enum class PackageStage : std::uint8_t {
  kNew,         // being extracted; item files are still being written
  kExtracted,   // item files complete; normalize may start (or restart)
  kNormalized,  // load files and schema.json complete; load may start (or restart)
  kLoaded,      // the destination committed it; the package is about to be deleted
};

/// "new", "extracted", "normalized", "loaded".
std::string_view PackageStageName(PackageStage stage);
std::optional<PackageStage> ParsePackageStage(std::string_view name);

/// The item files one resource wrote during extraction.
struct ResourceFiles {
  std::string resource;
  /// The table its items go to (the resource's table name; often the same).
  std::string table;
  /// Paths relative to the package directory ("extracted/orders.0.jsonl"),
  /// in the order they were written.
  std::vector<std::string> files;
  std::uint64_t items = 0;

  bool operator==(const ResourceFiles&) const = default;
};

/// The load files one table got during normalization.
struct TableFiles {
  std::string table;
  /// Paths relative to the package directory ("normalized/orders.0.lf"), in
  /// the order they were written (load them in this order).
  std::vector<std::string> files;
  std::uint64_t rows = 0;

  bool operator==(const TableFiles&) const = default;
};

/// Everything manifest.json records about a package.
struct PackageManifest {
  /// dlt style `str(unix time float)`, e.g. "1700000000.123456".
  std::string load_id;
  /// Unix seconds when the package was created (the value load_id was made from).
  double created_at = 0;
  PackageStage stage = PackageStage::kNew;
  /// Set by the extract commit.
  std::vector<ResourceFiles> resources;
  /// The pipeline state JSON text (incremental cursors, resource state) to
  /// commit together with this package's data; unset when there is none.
  /// Stored as an opaque string so it comes back byte for byte.
  std::optional<std::string> pipeline_state;
  /// Set by the normalize commit: tables with rows, in first-seen order.
  std::vector<TableFiles> tables;
  /// Whether normalization changed the schema (the destination must migrate
  /// and store a `_dlt_version` row).
  bool schema_changed = false;
  /// Root tables with write disposition replace that this package replaces.
  std::vector<std::string> replace_tables;

  bool operator==(const PackageManifest&) const = default;
};

/// The manifest as pretty-printed JSON (format version 1).
std::string ManifestToJson(const PackageManifest& manifest);

/// Parses manifest JSON; anything malformed is kDataLoss naming `path`.
Result<PackageManifest> ManifestFromJson(std::string_view json, const std::string& path);

}  // namespace ingestd::package
