// `ingestd normalize-worker`: the process a normalize worker pool starts
// (core/workers/normalize_worker_pool.hpp). Internal: hidden from usage; it
// speaks frames on the descriptors the pool passes, not to a person.

#include <charconv>
#include <cstdint>
#include <iostream>
#include <string_view>

#include "core/workers/normalize_worker_pool.hpp"
#include "core/workers/worker_protocol.hpp"

namespace ingestd::commands {
namespace {

namespace protocol = workers::protocol;

constexpr std::string_view kUsage =
    "usage: ingestd normalize-worker --request-fd N --reply-fd N --liveness-fd N [--memory-limit-bytes N]\n"
    "(internal: started by ingestd's normalize worker pool)\n";

template <class T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

int RunNormalizeWorker(int argc, char** argv) {
  int request_fd = -1;
  int reply_fd = -1;
  int liveness_fd = -1;
  std::uint64_t memory_limit_bytes = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "ingestd normalize-worker: " << flag << " needs a value\n" << kUsage;
      return 2;
    }
    const std::string_view value = argv[++i];
    bool ok = false;
    if (flag == protocol::kRequestFdFlag) {
      ok = ParseNumber(value, request_fd) && request_fd >= 0;
    } else if (flag == protocol::kReplyFdFlag) {
      ok = ParseNumber(value, reply_fd) && reply_fd >= 0;
    } else if (flag == protocol::kLivenessFdFlag) {
      ok = ParseNumber(value, liveness_fd) && liveness_fd >= 0;
    } else if (flag == protocol::kMemoryLimitFlag) {
      ok = ParseNumber(value, memory_limit_bytes);
    } else {
      std::cerr << "ingestd normalize-worker: unknown flag " << flag << '\n' << kUsage;
      return 2;
    }
    if (!ok) {
      std::cerr << "ingestd normalize-worker: bad value '" << value << "' for " << flag << '\n' << kUsage;
      return 2;
    }
  }
  if (request_fd < 0 || reply_fd < 0 || liveness_fd < 0) {
    std::cerr << "ingestd normalize-worker: --request-fd, --reply-fd and --liveness-fd are required\n" << kUsage;
    return 2;
  }
  return workers::RunNormalizeWorker(request_fd, reply_fd, liveness_fd, memory_limit_bytes);
}

}  // namespace ingestd::commands
