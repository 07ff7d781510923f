#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::package {

// Small POSIX file helpers shared by the package writers and readers. They
// exist so every durable write goes through the same fsync/rename rules.

/// The Error for a failed system call `what` on `path` with errno `err`:
/// ENOENT -> kNotFound, ENOSPC/EDQUOT -> kResourceExhausted, EIO -> kDataLoss,
/// anything else kInternal. The message names the path and the OS reason.
Error IoError(std::string_view what, const std::string& path, int err);

/// Checks that `name` (a resource or table name) can be part of a file
/// name: not empty, no '/' or NUL, not "." or "..", at most 200 bytes.
/// Otherwise kInvalidArgument naming `kind` ("resource", "table").
Status CheckFileNamePart(std::string_view kind, std::string_view name);

/// Owns a POSIX file descriptor (closed on destruction). Movable.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.Release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

/// Opens `path` read-only.
Result<FileDescriptor> OpenForRead(const std::string& path);

/// Reads up to `n` bytes (retrying on EINTR and short reads) into `out`;
/// returns the count, which is less than `n` only at end of file.
Result<std::size_t> ReadUpTo(int fd, const std::string& path, char* out, std::size_t n);

/// A write-only file with a user-space buffer: bytes are collected and
/// handed to the kernel one buffer (one write(2)) at a time. Not thread-safe.
class BufferedFileWriter {
 public:
  static constexpr std::size_t kDefaultBufferSize = 256 * 1024;

  /// Creates (truncates) `path` with mode 0644.
  static Result<BufferedFileWriter> Create(const std::string& path,
                                           std::size_t buffer_size = kDefaultBufferSize);

  BufferedFileWriter(BufferedFileWriter&&) noexcept = default;
  BufferedFileWriter& operator=(BufferedFileWriter&&) noexcept = default;

  /// Appends `n` bytes. Values larger than the buffer go straight to write(2).
  Status Write(const void* data, std::size_t n) {
    if (n == 0) return OkStatus();  // memcpy from a null pointer is undefined even for 0 bytes
    if (n <= capacity_ - used_) [[likely]] {
      std::memcpy(buffer_.get() + used_, data, n);
      used_ += n;
      bytes_ += n;
      return OkStatus();
    }
    return WriteSlow(static_cast<const char*>(data), n);
  }
  Status Write(std::string_view s) { return Write(s.data(), s.size()); }

  /// Hands the buffer to the kernel.
  Status Flush();
  /// Flush() and fsync(2): the bytes are on disk when this returns.
  Status Sync();
  /// Closes the descriptor (without Sync). Further writes fail.
  Status Close();

  /// Bytes accepted so far (buffered or written).
  std::uint64_t bytes_written() const { return bytes_; }
  const std::string& path() const { return path_; }

 private:
  BufferedFileWriter(std::string path, FileDescriptor fd, std::size_t buffer_size);
  Status WriteSlow(const char* data, std::size_t n);
  Status WriteAll(const char* data, std::size_t n);

  std::string path_;
  FileDescriptor fd_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::uint64_t bytes_ = 0;
};

/// fsync(2) on a directory, so entries created, renamed or removed in it are
/// durable.
Status FsyncDirectory(const std::string& dir);

/// Replaces `path` with `content` atomically and durably: writes
/// `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the parent
/// directory. A crash leaves either the old or the new content.
Status WriteFileAtomically(const std::string& path, std::string_view content);

/// Reads a whole small file (manifests, schemas); larger than `max_bytes` is
/// kDataLoss (our own small files never grow that big unless corrupt).
Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes);

/// Creates `dir` (and missing parents); an existing directory is fine.
Status MakeDirectories(const std::string& dir);

/// Removes `path` and everything under it; a missing path is fine.
Status RemoveTree(const std::string& path);

/// The directory part of `path` ("." when there is none).
std::string ParentDirectory(const std::string& path);

}  // namespace ingestd::package
