#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/package/file_io.hpp"

namespace ingestd::pipeline {

/// Item files handed from extraction to normalization as they are closed,
/// so the normalize stage can start on a package still being extracted.
///
/// Resources are numbered by their position in the package manifest
/// (ExtractedCommit::resources); files by their position within their
/// resource. That pair is the merge order, so it does not matter in which
/// order files of different resources arrive (REST resources extract
/// concurrently): the normalize stage merges (0,0), (0,1), ..., (1,0), ...
/// exactly as it would from the committed manifest.
///
/// Producer: AddFile for each closed file of a resource (in file order),
/// then EndResource with the resource's file count, then End once every
/// resource has ended. Consumer: Take what arrived, WaitForInput or poll
/// wake_fd() while nothing did. Thread-safe; one consumer.
class ItemFileFeed {
 public:
  struct File {
    std::size_t resource = 0;
    std::size_t index = 0;     // position within the resource
    std::string table;         // the resource's root table
    std::string relative;      // path relative to the package directory
  };
  struct EndedResource {
    std::size_t resource = 0;
    std::size_t files = 0;
  };
  /// What arrived since the last Take, in arrival order per kind.
  struct Batch {
    std::vector<File> files;
    std::vector<EndedResource> ended;
    /// Set once End was called: the number of resources.
    std::optional<std::size_t> resources;
  };

  static Result<ItemFileFeed> Create();
  ItemFileFeed(ItemFileFeed&&) noexcept = default;
  ItemFileFeed& operator=(ItemFileFeed&&) noexcept = default;

  /// File `index` (its position within the resource) of `resource`.
  void AddFile(std::size_t resource, std::size_t index, std::string table, std::string relative);
  void EndResource(std::size_t resource, std::size_t files);
  void End(std::size_t resources);

  /// Everything that arrived since the last call (possibly nothing); never
  /// blocks.
  Batch Take();
  /// Blocks until something arrived or `stop` was requested (checked at
  /// least every 100 ms): kCancelled then.
  Status WaitForInput(const std::stop_token& stop) const;
  /// Readable while something arrived that Take has not returned; for a
  /// consumer that also waits on other descriptors (the worker pool).
  int wake_fd() const { return wake_.get(); }

 private:
  explicit ItemFileFeed(package::FileDescriptor wake);
  void Wake();

  package::FileDescriptor wake_;  // an eventfd
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
  Batch pending_;  // guarded by *mutex_
};

}  // namespace ingestd::pipeline
