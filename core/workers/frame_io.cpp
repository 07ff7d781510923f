#include "core/workers/frame_io.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ingestd::workers {
namespace {

std::uint32_t DecodeLength(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(u[0]) | static_cast<std::uint32_t>(u[1]) << 8 |
         static_cast<std::uint32_t>(u[2]) << 16 | static_cast<std::uint32_t>(u[3]) << 24;
}

Error PayloadTooLarge(std::uint64_t length) {
  return DataLoss("frame of " + std::to_string(length) + " bytes is above the limit of " +
                  std::to_string(kMaxFramePayload) + " bytes");
}

Error SystemError(std::string_view what, int err) {
  std::string message = std::string(what) + ": " + std::strerror(err);
  if (err == EPIPE || err == ECONNRESET) return Error(ErrorCode::kUnavailable, std::move(message));
  return Internal(std::move(message));
}

Status WriteAll(int fd, const char* data, std::size_t n) {
  bool is_socket = true;
  while (n > 0) {
    ssize_t written = is_socket ? ::send(fd, data, n, MSG_NOSIGNAL) : ::write(fd, data, n);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOTSOCK && is_socket) {
        is_socket = false;  // a pipe: the caller ignores SIGPIPE
        continue;
      }
      return SystemError("writing a frame", errno);
    }
    data += written;
    n -= static_cast<std::size_t>(written);
  }
  return OkStatus();
}

// Reads exactly `n` bytes; returns how many arrived before end of file.
Result<std::size_t> ReadAll(int fd, char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return SystemError("reading a frame", errno);
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

}  // namespace

Status WriteFrame(int fd, std::string_view payload) {
  if (payload.size() > kMaxFramePayload) return PayloadTooLarge(payload.size());
  const auto length = static_cast<std::uint32_t>(payload.size());
  const char header[4] = {static_cast<char>(length & 0xff), static_cast<char>((length >> 8) & 0xff),
                          static_cast<char>((length >> 16) & 0xff), static_cast<char>((length >> 24) & 0xff)};
  INGESTD_TRY(WriteAll(fd, header, sizeof(header)));
  return WriteAll(fd, payload.data(), payload.size());
}

Result<std::optional<std::string>> ReadFrame(int fd) {
  char header[4];
  INGESTD_ASSIGN_OR_RETURN(std::size_t got, ReadAll(fd, header, sizeof(header)));
  if (got == 0) return std::optional<std::string>();
  if (got < sizeof(header)) return Error(ErrorCode::kUnavailable, "end of file inside a frame header");
  const std::uint32_t length = DecodeLength(header);
  if (length > kMaxFramePayload) return PayloadTooLarge(length);
  std::string payload(length, '\0');
  INGESTD_ASSIGN_OR_RETURN(got, ReadAll(fd, payload.data(), length));
  if (got < length) return Error(ErrorCode::kUnavailable, "end of file inside a frame");
  return std::optional<std::string>(std::move(payload));
}

Result<std::optional<std::string>> FrameBuffer::Next() {
  if (bytes_.size() < 4) return std::optional<std::string>();
  const std::uint32_t length = DecodeLength(bytes_.data());
  if (length > kMaxFramePayload) return PayloadTooLarge(length);
  if (bytes_.size() - 4 < length) return std::optional<std::string>();
  std::string payload = bytes_.substr(4, length);
  bytes_.erase(0, 4 + static_cast<std::size_t>(length));
  return std::optional<std::string>(std::move(payload));
}

}  // namespace ingestd::workers
