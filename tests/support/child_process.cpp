#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <thread>
#include <utility>

#include "tests/support/temp_dir.hpp"

namespace ingestd::testing {

Result<ChildProcess> ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_file) {
  if (argv.empty()) return InvalidArgument("ChildProcess::Start: empty argv");
  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed (the test has threads).
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) ::_exit(127);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execvp(args[0], args.data());
    static constexpr char kFailed[] = "ChildProcess: exec failed\n";
    [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, kFailed, sizeof kFailed - 1);
    ::_exit(127);
  }
  return ChildProcess(pid, log_file);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      wait_status_(other.wait_status_),
      log_file_(std::move(other.log_file_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = std::exchange(other.pid_, -1);
    wait_status_ = other.wait_status_;
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { Stop(); }

bool ChildProcess::Running() {
  if (pid_ < 0) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  wait_status_ = done == pid_ ? status : -1;
  pid_ = -1;
  return false;
}

int ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (!Running()) return wait_status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return wait_status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  wait_status_ = ::waitpid(pid_, &status, 0) == pid_ ? status : -1;
  pid_ = -1;
  return wait_status_;
}

std::string ChildProcess::Log() const { return ReadAll(log_file_); }

}  // namespace ingestd::testing
