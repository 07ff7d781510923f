#include "core/package/package_store.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/package/file_io.hpp"

namespace ingestd::package {
namespace {

constexpr std::string_view kNewestLoadIdFile = ".newest_load_id";
// Directories being deleted are first renamed to this prefix, so a crash
// mid-deletion never leaves a half-deleted package that looks like a real one.
constexpr std::string_view kTrashPrefix = ".trash-";
// Larger `now` values are not unix times of this era and would make absurd ids.
constexpr double kMaxUnixSeconds = 1e12;

double RoundToMicros(double seconds) { return std::round(seconds * 1e6) / 1e6; }

}  // namespace

std::string FormatLoadId(double seconds) {
  // Python's str(float) is the shortest text that reads back to the same
  // double; to_chars gives exactly that, and `fixed` avoids the exponent
  // form Python does not use for numbers of this size.
  char buffer[512];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, RoundToMicros(seconds), std::chars_format::fixed);
  INGESTD_CHECK(ec == std::errc());
  std::string id(buffer, end);
  if (id.find('.') == std::string::npos) id += ".0";
  return id;
}

std::optional<double> ParseLoadId(std::string_view load_id) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < load_id.size() && load_id[i] >= '0' && load_id[i] <= '9') ++i;
    return i > start;
  };
  if (!digits()) return std::nullopt;
  if (i < load_id.size()) {
    if (load_id[i] != '.') return std::nullopt;
    ++i;
    if (!digits() || i != load_id.size()) return std::nullopt;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(load_id.data(), load_id.data() + load_id.size(), value);
  if (ec != std::errc() || ptr != load_id.data() + load_id.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

bool LoadIdLess(std::string_view a, std::string_view b) {
  std::optional<double> x = ParseLoadId(a);
  std::optional<double> y = ParseLoadId(b);
  if (x && y && *x != *y) return *x < *y;
  if (x.has_value() != y.has_value()) return x.has_value();  // valid ids first
  return a < b;
}

Result<PackageStore> PackageStore::Open(std::string pipeline_dir) {
  std::string packages_dir = pipeline_dir + "/packages";
  INGESTD_TRY(MakeDirectories(packages_dir));
  return PackageStore(std::move(pipeline_dir), std::move(packages_dir));
}

std::string PackageStore::PackageDir(std::string_view load_id) const {
  return packages_dir_ + "/" + std::string(load_id);
}

Result<std::vector<std::string>> PackageStore::ListAll() const {
  std::vector<std::string> ids;
  std::error_code ec;
  std::filesystem::directory_iterator it(packages_dir_, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!ParseLoadId(name)) continue;  // .newest_load_id, .trash-*, temp files
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) continue;
    ids.push_back(std::move(name));
  }
  if (ec) return IoError("list", packages_dir_, ec.value());
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) { return LoadIdLess(a, b); });
  return ids;
}

Result<std::vector<std::string>> PackageStore::ListPending() const {
  INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListAll());
  std::vector<std::string> pending;
  for (std::string& id : ids) {
    Result<LoadPackage> package = LoadPackage::Open(PackageDir(id));
    if (!package.ok()) {
      // No manifest: a creation that crashed (Recover removes it).
      if (package.error().code() == ErrorCode::kNotFound) continue;
      return package.error();
    }
    if (package->stage() == PackageStage::kExtracted || package->stage() == PackageStage::kNormalized) {
      pending.push_back(std::move(id));
    }
  }
  return pending;
}

Result<std::optional<double>> PackageStore::NewestLoadId() const {
  std::optional<double> newest;
  INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListAll());
  if (!ids.empty()) newest = ParseLoadId(ids.back());
  std::string path = packages_dir_ + "/" + std::string(kNewestLoadIdFile);
  Result<std::string> recorded = ReadSmallFile(path, 256);
  if (recorded.ok()) {
    std::string_view text = *recorded;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    std::optional<double> value = ParseLoadId(text);
    if (!value) return DataLoss("file " + path + " does not hold a load id");
    if (!newest || *value > *newest) newest = value;
  } else if (recorded.error().code() != ErrorCode::kNotFound) {
    return recorded.error();
  }
  return newest;
}

Result<LoadPackage> PackageStore::Create(double now) {
  if (!std::isfinite(now) || now < 0 || now > kMaxUnixSeconds) {
    return InvalidArgument("package creation time " + std::to_string(now) + " is not a unix time");
  }
  INGESTD_ASSIGN_OR_RETURN(std::optional<double> newest, NewestLoadId());
  double candidate = RoundToMicros(now);
  if (newest && candidate <= *newest) candidate = (std::round(*newest * 1e6) + 1) / 1e6;
  std::string load_id = FormatLoadId(candidate);
  // Rounding must not undo the bump (it cannot for ids of this size; checked
  // because equal ids would break the package order).
  std::optional<double> parsed = ParseLoadId(load_id);
  INGESTD_CHECK(parsed && (!newest || *parsed > *newest));
  Result<LoadPackage> package = LoadPackage::Create(PackageDir(load_id), load_id, now);
  if (!package.ok()) return package.error().WithContext("pipeline " + pipeline_dir_ + ": create package");
  return package;
}

Result<LoadPackage> PackageStore::OpenPackage(std::string_view load_id) const {
  if (!ParseLoadId(load_id)) return InvalidArgument("\"" + std::string(load_id) + "\" is not a load id");
  return LoadPackage::Open(PackageDir(load_id));
}

Status PackageStore::RemovePackageDir(const std::string& load_id) {
  // Record the id first: once the directory is gone it no longer counts
  // towards the newest id, and ids must never go back.
  std::optional<double> id_value = ParseLoadId(load_id);
  INGESTD_CHECK(id_value.has_value());
  std::string record = packages_dir_ + "/" + std::string(kNewestLoadIdFile);
  Result<std::string> recorded = ReadSmallFile(record, 256);
  std::optional<double> recorded_value;
  if (recorded.ok()) {
    std::string_view text = *recorded;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    recorded_value = ParseLoadId(text);
  }
  if (!recorded_value || *id_value > *recorded_value) {
    INGESTD_TRY(WriteFileAtomically(record, load_id + "\n"));
  }
  std::string dir = PackageDir(load_id);
  std::string trash = packages_dir_ + "/" + std::string(kTrashPrefix) + load_id;
  INGESTD_TRY(RemoveTree(trash));
  std::error_code ec;
  std::filesystem::rename(dir, trash, ec);
  if (ec) return IoError("rename " + dir + " to", trash, ec.value());
  INGESTD_TRY(FsyncDirectory(packages_dir_));
  return RemoveTree(trash);
}

Status PackageStore::MarkLoaded(LoadPackage& package) {
  INGESTD_TRY(package.CommitLoaded());
  return RemovePackageDir(package.load_id());
}

Status PackageStore::Discard(LoadPackage& package) {
  if (package.stage() != PackageStage::kNew) {
    return FailedPrecondition("package " + package.load_id() + " is at stage " +
                              std::string(PackageStageName(package.stage())) +
                              "; only a package still extracting can be discarded");
  }
  return RemovePackageDir(package.load_id());
}

Result<RecoveryReport> PackageStore::Recover() {
  RecoveryReport report;
  // Leftovers of deletions a crash interrupted.
  std::vector<std::string> trash;
  std::error_code ec;
  std::filesystem::directory_iterator it(packages_dir_, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(kTrashPrefix)) trash.push_back(it->path().string());
  }
  if (ec) return IoError("list", packages_dir_, ec.value());
  for (const std::string& path : trash) INGESTD_TRY(RemoveTree(path));

  INGESTD_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListAll());
  for (const std::string& id : ids) {
    Result<LoadPackage> package = LoadPackage::Open(PackageDir(id));
    if (!package.ok() && package.error().code() != ErrorCode::kNotFound) return package.error();
    if (!package.ok() || package->stage() == PackageStage::kNew) {
      INGESTD_TRY(RemovePackageDir(id));
      report.removed_unfinished.push_back(id);
    } else if (package->stage() == PackageStage::kLoaded) {
      INGESTD_TRY(RemovePackageDir(id));
      report.removed_loaded.push_back(id);
    }
  }
  return report;
}

}  // namespace ingestd::package
