#include "core/workers/worker_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/workers/worker_protocol.hpp"

extern char** environ;  // NOLINT: POSIX declares it nowhere

namespace ingestd::workers {
namespace {

using Clock = std::chrono::steady_clock;

// Descriptors the child receives are first moved to this number or above,
// so no dup2 source is one of the fixed target descriptors (3, 4, 5): a
// dup2 onto itself would keep FD_CLOEXEC set and the worker would lose it.
constexpr int kFirstHighFd = 16;

// RAII for the posix_spawn C objects.
struct SpawnFileActions {
  posix_spawn_file_actions_t actions;
  SpawnFileActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
};
struct SpawnAttributes {
  posix_spawnattr_t attr;
  SpawnAttributes() { posix_spawnattr_init(&attr); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
};

std::string CommandName(const std::vector<std::string>& command) {
  return command.empty() ? std::string("(empty)") : command.front();
}

Error SpawnError(const std::vector<std::string>& command, std::string_view what, int err) {
  return Internal("cannot start normalize worker '" + CommandName(command) + "': " + std::string(what) + ": " +
                  std::strerror(err));
}

}  // namespace

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    std::string out = "killed by signal " + std::to_string(sig);
    if (const char* abbrev = sigabbrev_np(sig)) out += std::string(" (SIG") + abbrev + ")";
    return out;
  }
  return "ended with wait status " + std::to_string(status);
}

Result<std::unique_ptr<WorkerProcess>> WorkerProcess::Spawn(const std::vector<std::string>& command, int liveness_fd,
                                                            std::uint64_t memory_limit_bytes,
                                                            std::chrono::milliseconds hello_timeout) {
  if (command.empty()) return InvalidArgument("normalize worker command is empty");
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return SpawnError(command, "socketpair", errno);
  }
  package::FileDescriptor parent_end(pair[0]);
  package::FileDescriptor child_low(pair[1]);
  package::FileDescriptor child_end(::fcntl(child_low.get(), F_DUPFD_CLOEXEC, kFirstHighFd));
  if (!child_end.valid()) return SpawnError(command, "fcntl", errno);
  child_low.Reset();

  SpawnFileActions actions;
  SpawnAttributes attributes;
  int rc = posix_spawn_file_actions_adddup2(&actions.actions, child_end.get(), protocol::kRequestFd);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions.actions, child_end.get(), protocol::kReplyFd);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions.actions, liveness_fd, protocol::kLivenessFd);
  // Whatever else this process has open without CLOEXEC (descriptors of
  // libraries, of the caller) stays out of the worker.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions.actions, protocol::kLivenessFd + 1);
  if (rc != 0) return SpawnError(command, "posix_spawn_file_actions", rc);
  // A clean signal state (the daemon blocks signals in its threads) and a
  // process group of its own.
  sigset_t empty;
  sigemptyset(&empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  rc = posix_spawnattr_setflags(&attributes.attr,
                                POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes.attr, &empty);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes.attr, &defaults);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&attributes.attr, 0);
  if (rc != 0) return SpawnError(command, "posix_spawnattr", rc);

  std::vector<std::string> args = command;
  args.insert(args.end(), {std::string(protocol::kRequestFdFlag), std::to_string(protocol::kRequestFd),
                           std::string(protocol::kReplyFdFlag), std::to_string(protocol::kReplyFd),
                           std::string(protocol::kLivenessFdFlag), std::to_string(protocol::kLivenessFd)});
  if (memory_limit_bytes > 0) {
    args.insert(args.end(), {std::string(protocol::kMemoryLimitFlag), std::to_string(memory_limit_bytes)});
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  rc = ::posix_spawnp(&pid, argv[0], &actions.actions, &attributes.attr, argv.data(), environ);
  if (rc != 0) return SpawnError(command, "posix_spawn", rc);
  child_end.Reset();
  auto worker = std::make_unique<WorkerProcess>(SpawnKey(), pid, std::move(parent_end));
  Status hello = worker->AwaitHello(hello_timeout);
  if (!hello.ok()) {
    return std::move(hello).error().WithContext("normalize worker '" + CommandName(command) + "' (pid " +
                                                std::to_string(pid) + ")");
  }
  return worker;
}

WorkerProcess::~WorkerProcess() {
  if (!wait_status_) Kill();
}

Status WorkerProcess::AwaitHello(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    INGESTD_ASSIGN_OR_RETURN(std::optional<std::string> frame, NextFrame());
    if (frame) return protocol::CheckHello(*frame, pid_);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      Kill();
      return Error(ErrorCode::kDeadlineExceeded, "no hello within " + std::to_string(timeout.count()) + " ms");
    }
    pollfd p{socket_.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return Internal(std::string("poll: ") + std::strerror(errno));
    if (ready <= 0) continue;
    auto open = ReadAvailable();
    if (!open.ok() || !*open) {
      const std::string how = Reap(std::chrono::seconds(1));
      return Internal("exited before saying hello (" + how + ")");
    }
  }
}

Status WorkerProcess::Send(std::string_view payload) { return WriteFrame(socket_.get(), payload); }

Result<bool> WorkerProcess::ReadAvailable() {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::recv(socket_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      frames_.Append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    return Error(ErrorCode::kUnavailable, std::string("reading from normalize worker: ") + std::strerror(errno));
  }
}

void WorkerProcess::CloseRequests() { ::shutdown(socket_.get(), SHUT_WR); }

bool WorkerProcess::TryReap() {
  if (wait_status_) return true;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    // ECHILD: someone else reaped it (a SIGCHLD handler); report it as gone.
    wait_status_ = r == pid_ ? status : 0;
    return true;
  }
  return false;
}

std::string WorkerProcess::Reap(std::chrono::milliseconds grace) {
  const auto deadline = Clock::now() + grace;
  while (!TryReap()) {
    if (Clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      pid_t r;
      do {
        r = ::waitpid(pid_, &status, 0);
      } while (r < 0 && errno == EINTR);
      wait_status_ = r == pid_ ? status : 0;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return DescribeWaitStatus(*wait_status_);
}

}  // namespace ingestd::workers
