#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::testing {

/// A program a test runs next to itself (a Prometheus server, say), with
/// stdout and stderr appended to a log file. The destructor stops and reaps
/// it, so a test that fails half-way leaves no process behind; the child
/// also gets SIGKILL if the thread that started it dies (PR_SET_PDEATHSIG),
/// which covers a test binary that aborts.
///
/// Movable, not copyable. Not thread-safe.
class ChildProcess {
 public:
  /// Starts `argv[0]` (searched in PATH) with the arguments in `argv`,
  /// stdin from /dev/null. kInvalidArgument for an empty argv; kInternal
  /// when fork fails. A program that cannot be executed exits with 127
  /// (the reason is in the log file).
  static Result<ChildProcess> Start(const std::vector<std::string>& argv, const std::string& log_file);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// Stop().
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  /// True while the process has not exited (reaps it once it has).
  bool Running();

  /// SIGTERM, up to `grace` for it to exit, then SIGKILL; reaps it. Does
  /// nothing when it already exited. Returns the wait status (waitpid's),
  /// or -1 when there was no process.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  /// The log file's contents so far (for failure messages).
  std::string Log() const;

 private:
  ChildProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}

  pid_t pid_ = -1;
  int wait_status_ = -1;
  std::string log_file_;
};

}  // namespace ingestd::testing
