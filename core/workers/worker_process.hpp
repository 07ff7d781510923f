#pragma once

// Private to the worker pool: one normalize worker process as the parent
// sees it (spawn, frame I/O on its socket, kill, reap).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/package/file_io.hpp"
#include "core/workers/frame_io.hpp"

namespace ingestd::workers {

/// "exited with code N", "killed by signal N (SIGKILL)".
std::string DescribeWaitStatus(int status);

/// A running worker. The destructor kills (SIGKILL) and reaps a worker that
/// is still running, so no code path leaves a zombie or a stray process.
/// Not thread-safe: one owner at a time (the pool or one session).
class WorkerProcess {
 public:
  /// Starts `command` plus the descriptor flags (worker_protocol.hpp) with
  /// one end of a new socket pair as its request and reply descriptors and
  /// `liveness_fd` (the read end of the pool's liveness pipe) as its
  /// liveness descriptor, in a process group of its own (a terminal's
  /// Ctrl-C goes to the parent, which then ends the workers). Waits up to
  /// `hello_timeout` for the worker's hello. Errors name the command.
  static Result<std::unique_ptr<WorkerProcess>> Spawn(const std::vector<std::string>& command, int liveness_fd,
                                                      std::uint64_t memory_limit_bytes,
                                                      std::chrono::milliseconds hello_timeout);

  // Only Spawn can make the key (so make_unique works without a public
  // way to build a worker that has no process).
  class SpawnKey {
    friend class WorkerProcess;
    SpawnKey() = default;
  };
  WorkerProcess(SpawnKey, pid_t pid, package::FileDescriptor socket) : pid_(pid), socket_(std::move(socket)) {}
  ~WorkerProcess();
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// The parent's end of the socket (CLOEXEC); poll it for replies.
  int fd() const { return socket_.get(); }

  /// Sends one frame (blocking). kUnavailable when the worker is gone.
  Status Send(std::string_view payload);

  /// Reads what is available without blocking. Returns false at end of
  /// file (the worker closed its end: it exited or is exiting); errors
  /// (ECONNRESET) are kUnavailable.
  Result<bool> ReadAvailable();
  /// The next complete frame read so far, if any.
  Result<std::optional<std::string>> NextFrame() { return frames_.Next(); }

  /// Ends the request stream (the worker exits when it reads end of file).
  void CloseRequests();
  /// Reaps the worker if it has exited; true when it has.
  bool TryReap();
  /// Waits up to `grace` for the worker to exit, then SIGKILLs it; reaps
  /// it and returns DescribeWaitStatus of how it ended.
  std::string Reap(std::chrono::milliseconds grace);
  /// SIGKILL and reap.
  void Kill() { (void)Reap(std::chrono::milliseconds(0)); }
  /// waitpid's status once reaped.
  std::optional<int> wait_status() const { return wait_status_; }

 private:
  Status AwaitHello(std::chrono::milliseconds timeout);

  pid_t pid_;
  package::FileDescriptor socket_;
  FrameBuffer frames_;
  std::optional<int> wait_status_;
};

}  // namespace ingestd::workers
