#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/package/load_package.hpp"

namespace ingestd::package {

/// Makes the load id for unix time `seconds`: dlt's `str(unix time float)`
/// rounded to microseconds, e.g. "1700000000.123456", "1700000000.5",
/// "1700000000.0".
std::string FormatLoadId(double seconds);

/// Parses a load id (digits, optionally '.' and digits) to its numeric
/// value; nullopt for anything else (so stray directory entries are not
/// mistaken for packages).
std::optional<double> ParseLoadId(std::string_view load_id);

/// True when load id `a` sorts before `b`: by numeric value ("9.5" before
/// "10.0", unlike string order), then by text.
bool LoadIdLess(std::string_view a, std::string_view b);

/// What Recover() removed.
struct RecoveryReport {
  /// Packages still at kNew (or with no manifest): their extraction never
  /// finished, so nothing of them was normalized or loaded, and the
  /// pipeline state they carried was never committed; the next run extracts
  /// that data again.
  std::vector<std::string> removed_unfinished;
  /// Packages at kLoaded whose deletion a crash interrupted.
  std::vector<std::string> removed_loaded;
};

/// The load packages of one pipeline, under `<pipeline_dir>/packages/`.
///
/// A package lives in `packages/<load_id>/` from Create until MarkLoaded,
/// which deletes it: disk use is bounded by the packages not yet loaded.
/// The newest load id ever used is kept in `packages/.newest_load_id`
/// (updated whenever a package directory is removed), so load ids stay
/// strictly increasing even after every package is gone.
///
/// Not thread-safe, and one PackageStore per pipeline directory at a time:
/// the daemon runs at most one run of a pipeline at once.
class PackageStore {
 public:
  /// Opens `pipeline_dir`, creating it and packages/ when missing. Does not
  /// recover: call Recover() once at start-up.
  static Result<PackageStore> Open(std::string pipeline_dir);

  const std::string& pipeline_dir() const { return pipeline_dir_; }
  /// `<pipeline_dir>/packages`.
  const std::string& packages_dir() const { return packages_dir_; }

  /// Start-up clean-up, before any run of this pipeline: removes packages
  /// that never finished extraction (kNew, or a directory without manifest)
  /// and loaded packages whose deletion was interrupted. Never call it while
  /// a run is extracting (it would remove that run's package).
  Result<RecoveryReport> Recover();

  /// Load ids of the packages at kExtracted or kNormalized, oldest first
  /// (numeric load id order). A run finishes these, in this order, before
  /// extracting anything new. A corrupt manifest is kDataLoss naming it.
  Result<std::vector<std::string>> ListPending() const;

  /// Load ids of every package directory, any stage, oldest first.
  Result<std::vector<std::string>> ListAll() const;

  /// Creates a package at kNew for a run starting at unix time `now`
  /// (seconds; core reads no clock). Its load id is FormatLoadId(now), or,
  /// if that is not greater than the newest load id this store has used
  /// (clock went back, or two runs within a microsecond), the newest plus
  /// one microsecond. `now` must be finite and >= 0.
  Result<LoadPackage> Create(double now);

  /// Opens the package `load_id`: kNotFound when there is none.
  Result<LoadPackage> OpenPackage(std::string_view load_id) const;

  /// After the destination committed `package`: marks it kLoaded (durably)
  /// and deletes its directory. Needs stage kNormalized.
  Status MarkLoaded(LoadPackage& package);

  /// Deletes a package whose extraction failed or was cancelled (stage
  /// kNew only: a later stage holds data a run must still load).
  Status Discard(LoadPackage& package);

 private:
  PackageStore(std::string pipeline_dir, std::string packages_dir)
      : pipeline_dir_(std::move(pipeline_dir)), packages_dir_(std::move(packages_dir)) {}

  std::string PackageDir(std::string_view load_id) const;
  // The largest of the package directories and the .newest_load_id record.
  Result<std::optional<double>> NewestLoadId() const;
  // Records `load_id` as used, then removes its directory.
  Status RemovePackageDir(const std::string& load_id);

  std::string pipeline_dir_;
  std::string packages_dir_;
};

}  // namespace ingestd::package
