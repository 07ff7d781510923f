#include "core/package/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

namespace ingestd::package {
namespace {

// File names are `<name>.<seq>.<ext>`; keep them well under NAME_MAX (255).
constexpr std::size_t kMaxNameBytes = 200;

}  // namespace

Status CheckFileNamePart(std::string_view kind, std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.size() > kMaxNameBytes ||
      name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    return InvalidArgument(std::string(kind) + " name \"" + std::string(name) +
                           "\" cannot be used in a file name (empty, '/', NUL, \".\", \"..\" or over " +
                           std::to_string(kMaxNameBytes) + " bytes)");
  }
  return OkStatus();
}

Error IoError(std::string_view what, const std::string& path, int err) {
  std::string message(what);
  message.append(" ").append(path).append(": ").append(std::generic_category().message(err));
  switch (err) {
    case ENOENT: return NotFound(std::move(message));
    case ENOSPC:
    case EDQUOT: return ResourceExhausted(std::move(message));
    case EIO: return DataLoss(std::move(message));
    default: return Internal(std::move(message));
  }
}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

void FileDescriptor::Reset() {
  if (fd_ >= 0) {
    // close(2) must not be retried on EINTR on Linux (the descriptor is
    // already released); errors that matter were reported by fsync.
    ::close(fd_);
    fd_ = -1;
  }
}

Result<FileDescriptor> OpenForRead(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError("open", path, errno);
  return FileDescriptor(fd);
}

Result<std::size_t> ReadUpTo(int fd, const std::string& path, char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError("read", path, errno);
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

BufferedFileWriter::BufferedFileWriter(std::string path, FileDescriptor fd, std::size_t buffer_size)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      buffer_(std::make_unique_for_overwrite<char[]>(buffer_size)),
      capacity_(buffer_size) {}

Result<BufferedFileWriter> BufferedFileWriter::Create(const std::string& path, std::size_t buffer_size) {
  if (buffer_size == 0) return InvalidArgument("buffer size must be positive");
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError("create", path, errno);
  return BufferedFileWriter(path, FileDescriptor(fd), buffer_size);
}

Status BufferedFileWriter::WriteSlow(const char* data, std::size_t n) {
  INGESTD_TRY(Flush());
  if (n >= capacity_) {
    // One large value: copying it through the buffer would only add copies.
    INGESTD_TRY(WriteAll(data, n));
    bytes_ += n;
    return OkStatus();
  }
  std::memcpy(buffer_.get(), data, n);
  used_ = n;
  bytes_ += n;
  return OkStatus();
}

Status BufferedFileWriter::WriteAll(const char* data, std::size_t n) {
  if (!fd_.valid()) return FailedPrecondition("write " + path_ + ": file is closed");
  while (n > 0) {
    ssize_t w = ::write(fd_.get(), data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError("write", path_, errno);
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return OkStatus();
}

Status BufferedFileWriter::Flush() {
  if (used_ == 0) return OkStatus();
  // The buffer is emptied even on failure: the caller abandons the file.
  std::size_t n = used_;
  used_ = 0;
  return WriteAll(buffer_.get(), n);
}

Status BufferedFileWriter::Sync() {
  INGESTD_TRY(Flush());
  if (!fd_.valid()) return FailedPrecondition("fsync " + path_ + ": file is closed");
  if (::fsync(fd_.get()) != 0) return IoError("fsync", path_, errno);
  return OkStatus();
}

Status BufferedFileWriter::Close() {
  int fd = fd_.Release();
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) return IoError("close", path_, errno);
  return OkStatus();
}

Status FsyncDirectory(const std::string& dir) {
  int fd;
  do {
    fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError("open directory", dir, errno);
  FileDescriptor owner(fd);
  if (::fsync(fd) != 0) return IoError("fsync directory", dir, errno);
  return OkStatus();
}

Status WriteFileAtomically(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  INGESTD_ASSIGN_OR_RETURN(BufferedFileWriter out, BufferedFileWriter::Create(tmp, 64 * 1024));
  INGESTD_TRY(out.Write(content));
  INGESTD_TRY(out.Sync());
  INGESTD_TRY(out.Close());
  if (::rename(tmp.c_str(), path.c_str()) != 0) return IoError("rename " + tmp + " to", path, errno);
  return FsyncDirectory(ParentDirectory(path));
}

Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes) {
  INGESTD_ASSIGN_OR_RETURN(FileDescriptor fd, OpenForRead(path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("stat", path, errno);
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return DataLoss("file " + path + " has " + std::to_string(st.st_size) + " bytes, more than the " +
                    std::to_string(max_bytes) + " expected");
  }
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  INGESTD_ASSIGN_OR_RETURN(std::size_t got, ReadUpTo(fd.get(), path, content.data(), content.size()));
  content.resize(got);
  return content;
}

Status MakeDirectories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("create directory", dir, ec.value());
  return OkStatus();
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return IoError("remove", path, ec.value());
  return OkStatus();
}

std::string ParentDirectory(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace ingestd::package
