#pragma once

// Private to the worker pool: the framing of messages between the parent
// and a normalize worker. A frame is a u32 little-endian payload length
// followed by the payload (one JSON object).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::workers {

/// Largest payload either side accepts: far above any real job or outcome
/// (a schema of thousands of columns is a few MB), low enough that a
/// corrupt length cannot make the reader allocate gigabytes.
inline constexpr std::uint32_t kMaxFramePayload = 512u << 20;

/// Writes one frame to `fd`, retrying on EINTR and short writes; a socket is
/// written with MSG_NOSIGNAL so a dead peer gives EPIPE, not SIGPIPE.
/// kUnavailable when the peer is gone (EPIPE, ECONNRESET), kInternal else.
Status WriteFrame(int fd, std::string_view payload);

/// Reads one frame from `fd` (blocking, EINTR retried). nullopt on a clean
/// end of file before a frame starts; end of file inside a frame is
/// kUnavailable; a length above kMaxFramePayload is kDataLoss.
Result<std::optional<std::string>> ReadFrame(int fd);

/// Collects bytes read in pieces (non-blocking reads) and cuts them into
/// frames. Not thread-safe.
class FrameBuffer {
 public:
  void Append(const char* data, std::size_t n) { bytes_.append(data, n); }
  /// The next complete frame, nullopt when more bytes are needed; kDataLoss
  /// for a length above kMaxFramePayload.
  Result<std::optional<std::string>> Next();
  /// True when part of a frame has been received.
  bool partial() const { return !bytes_.empty(); }

 private:
  std::string bytes_;
};

}  // namespace ingestd::workers
