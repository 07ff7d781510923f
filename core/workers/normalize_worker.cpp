// The body of a normalize worker process (RunNormalizeWorker, declared in
// normalize_worker_pool.hpp). It runs in its own process, started by the
// pool through the hidden `ingestd normalize-worker` command.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <thread>

#include "core/workers/frame_io.hpp"
#include "core/workers/normalize_job.hpp"
#include "core/workers/normalize_worker_pool.hpp"
#include "core/workers/worker_protocol.hpp"

namespace ingestd::workers {
namespace {

// Blocks until the liveness pipe reports end of file (every write end is
// closed: the parent is gone) and ends the process at once. A thread of its
// own because the main thread may be deep in a job; the "core starts no
// threads" rule is about the library inside the daemon, and this code runs
// only in a worker process.
void WatchLiveness(int liveness_fd) {
  std::thread([liveness_fd] {
    char byte;
    while (true) {
      const ssize_t n = ::read(liveness_fd, &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(protocol::kExitParentGone);
    }
  }).detach();
}

void Complain(const std::string& message) {
  // The worker shares the parent's stderr; one line, as the daemon logs.
  std::fprintf(stderr, "ingestd normalize-worker (pid %d): %s\n", static_cast<int>(::getpid()), message.c_str());
}

}  // namespace

int RunNormalizeWorker(int request_fd, int reply_fd, int liveness_fd, std::uint64_t memory_limit_bytes) {
  // A parent that dies while we write must give EPIPE, not kill us mid-write
  // (the liveness watcher ends us cleanly instead).
  ::signal(SIGPIPE, SIG_IGN);
  if (liveness_fd >= 0) WatchLiveness(liveness_fd);
  // After the watcher thread exists: its stack is mapped before the limit.
  if (memory_limit_bytes > 0) {
    rlimit limit{static_cast<rlim_t>(memory_limit_bytes), static_cast<rlim_t>(memory_limit_bytes)};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) {
      Complain(std::string("setrlimit(RLIMIT_AS): ") + std::strerror(errno));
      return protocol::kExitProtocolError;
    }
  }
  if (Status s = WriteFrame(reply_fd, protocol::HelloToJson(::getpid())); !s.ok()) {
    Complain("cannot say hello: " + s.error().message());
    return protocol::kExitProtocolError;
  }
  while (true) {
    auto frame = ReadFrame(request_fd);
    if (!frame.ok()) {
      Complain("reading a job: " + frame.error().message());
      return protocol::kExitProtocolError;
    }
    if (!*frame) return 0;  // the pool closed the request stream
    std::optional<std::string> reply;
    try {
      auto job = NormalizeJobFromJson(**frame);
      frame->reset();  // the schema text may be large
      if (!job.ok()) {
        reply = NormalizeJobOutcomeToJson(std::move(job).error());
      } else {
        reply = NormalizeJobOutcomeToJson(RunNormalizeJob(*job));
      }
    } catch (const std::bad_alloc&) {
      // The job's memory is released by now (unwound); say why we go, then
      // exit so the pool replaces this process with a fresh one.
      (void)WriteFrame(reply_fd, protocol::OutOfMemoryToJson("std::bad_alloc"));
      return protocol::kExitOutOfMemory;
    }
    Status sent = WriteFrame(reply_fd, *reply);
    if (!sent.ok() && sent.error().code() == ErrorCode::kDataLoss) {
      // Above the frame limit: the job's outcome cannot travel; say so.
      sent = WriteFrame(reply_fd, NormalizeJobOutcomeToJson(ResourceExhausted(
                                      "normalize job outcome too large to send (" + sent.error().message() + ")")));
    }
    if (!sent.ok()) {
      Complain("sending an outcome: " + sent.error().message());
      return protocol::kExitProtocolError;
    }
  }
}

}  // namespace ingestd::workers
