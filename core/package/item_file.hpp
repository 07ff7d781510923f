#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/package/file_io.hpp"
#include "core/package/package_manifest.hpp"

namespace ingestd::package {

/// Rotation limits for item files. A file is closed and the next one started
/// before an item that would take it past either limit (a single item larger
/// than file_max_bytes still gets a file of its own).
struct ItemFileOptions {
  /// Items per file. 100k items of a typical REST record (~1 KiB) are
  /// ~100 MiB: a unit of work big enough to amortize per-file costs and small
  /// enough to spread over normalize workers.
  std::uint64_t file_max_items = 100'000;
  /// Bytes per file (including newlines).
  std::uint64_t file_max_bytes = 64 * 1024 * 1024;
};

/// Writes the items of ONE resource into `<package>/extracted/` as JSON
/// Lines files `<resource>.<seq>.jsonl` (seq = 0, 1, ...), rotating by
/// ItemFileOptions. Writes are buffered; every finished file is fsynced.
/// Not thread-safe; writers of different resources are independent and may
/// run on different threads. Obtain one from LoadPackage::OpenItemWriter.
class ItemFileWriter {
 public:
  /// `extracted_dir` is the package's extracted/ directory. `resource` must
  /// be usable as a file name (no '/', not "." or "..", <= 200 bytes), else
  /// kInvalidArgument. No file is created until the first item.
  static Result<ItemFileWriter> Create(std::string extracted_dir, std::string resource, std::string table,
                                       const ItemFileOptions& options);

  ItemFileWriter(ItemFileWriter&&) noexcept = default;
  ItemFileWriter& operator=(ItemFileWriter&&) noexcept = default;

  /// Appends one item: one JSON document in compact form. It must not
  /// contain a newline byte (JSON never needs one outside strings, where it
  /// is escaped); one that does is kInvalidArgument.
  Status Write(std::string_view item_json);

  /// Finishes (fsyncs) the current file and returns the files written, as
  /// paths relative to the package directory, for ExtractedCommit. A
  /// resource that wrote no item has no files. Call once.
  Result<ResourceFiles> Finish();

  std::uint64_t items_written() const { return files_.items; }

  /// Called with each file's position (0, 1, ...) and path (relative to the
  /// package directory) once it is complete: synced and closed, at rotation
  /// and at Finish. Lets normalization start on a file while later ones are
  /// still written.
  void set_on_file_closed(std::function<void(std::size_t index, const std::string& relative)> callback) {
    on_file_closed_ = std::move(callback);
  }

 private:
  ItemFileWriter(std::string extracted_dir, ResourceFiles files, const ItemFileOptions& options)
      : extracted_dir_(std::move(extracted_dir)), files_(std::move(files)), options_(options) {}
  Status Rotate();

  std::string extracted_dir_;
  ResourceFiles files_;
  ItemFileOptions options_;
  std::optional<BufferedFileWriter> current_;
  std::uint64_t current_items_ = 0;
  bool finished_ = false;
  std::function<void(std::size_t, const std::string&)> on_file_closed_;
};

/// Streams the lines (items) of one item file with a bounded buffer.
/// Not thread-safe.
class ItemFileReader {
 public:
  /// The longest line accepted by default: larger items are errors, so one
  /// corrupt or hostile file cannot make the reader buffer without bound.
  static constexpr std::size_t kDefaultMaxLineBytes = 64 * 1024 * 1024;

  static Result<ItemFileReader> Open(const std::string& path, std::size_t max_line_bytes = kDefaultMaxLineBytes);

  ItemFileReader(ItemFileReader&&) noexcept = default;
  ItemFileReader& operator=(ItemFileReader&&) noexcept = default;

  /// The next line without its newline, or false at the end. The view stays
  /// valid until the next call. Empty lines are skipped. A line longer than
  /// max_line_bytes is kResourceExhausted, a last line without a newline
  /// (a file cut short) kDataLoss; both name the file and byte offset.
  Result<bool> Next(std::string_view& line);

 private:
  ItemFileReader(std::string path, FileDescriptor fd, std::size_t max_line_bytes);

  std::string path_;
  FileDescriptor fd_;
  std::size_t max_line_bytes_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  bool eof_ = false;
};

}  // namespace ingestd::package
