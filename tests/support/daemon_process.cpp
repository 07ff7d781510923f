#include "tests/support/daemon_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "tests/support/temp_dir.hpp"

namespace ingestd::testing {
namespace {

// Waits for the child up to `timeout_seconds`; its exit code, -1 when it
// died of a signal, -3 on timeout.
int WaitFor(pid_t pid, double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -3;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) Stop(30);
  if (!log_path_.empty()) std::remove(log_path_.c_str());
}

bool DaemonProcess::Start(const Options& options) {
  char name[] = "/tmp/ingestd_daemon_log_XXXXXX";
  int log_fd = ::mkstemp(name);
  if (log_fd < 0) return false;
  log_path_ = name;
  int out[2];
  if (::pipe(out) != 0) return false;

  std::vector<std::string> args = {options.binary, "serve", "--data-dir", options.data_dir, "--grpc-listen",
                                   "127.0.0.1:0", "--http-listen", "127.0.0.1:0"};
  if (!options.tokens_file.empty()) {
    args.push_back("--tokens-file");
    args.push_back(options.tokens_file);
  }
  for (const auto& a : options.extra_args) args.push_back(a);

  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(log_fd, 2);
    ::close(out[0]);
    ::close(out[1]);
    // Die with the test process: no orphaned daemons.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (const auto& e : options.environment) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  ::close(log_fd);
  if (pid_ < 0) return false;

  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;  // exited
    line.append(buf, static_cast<std::size_t>(n));
    found = line.find('\n') != std::string::npos && line.find(" serving ") != std::string::npos;
  }
  // The daemon writes nothing else to stdout; closing our end is safe
  // (it ignores SIGPIPE).
  ::close(out[0]);
  if (!found) {
    Kill();
    return false;
  }
  auto field = [&](const std::string& key) {
    auto pos = line.find(key + "=");
    if (pos == std::string::npos) return std::string();
    pos += key.size() + 1;
    return line.substr(pos, line.find_first_of(" \n", pos) - pos);
  };
  grpc_address_ = field("grpc");
  http_address_ = field("http");
  return !grpc_address_.empty();
}

int DaemonProcess::Stop(double timeout_seconds) {
  if (pid_ <= 0) return -2;
  ::kill(pid_, SIGTERM);
  int code = WaitFor(pid_, timeout_seconds);
  if (code == -3) {
    ::kill(pid_, SIGKILL);
    WaitFor(pid_, 10);
    code = -1;
  }
  pid_ = -1;
  return code;
}

int DaemonProcess::WaitExit(double timeout_seconds) {
  if (pid_ <= 0) return -2;
  const int code = WaitFor(pid_, timeout_seconds);
  if (code != -3) pid_ = -1;
  return code;
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitFor(pid_, 10);
  pid_ = -1;
}

std::string DaemonProcess::log() const { return ReadAll(log_path_); }

std::unique_ptr<ingestd::v1::Control::Stub> DaemonProcess::NewStub() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(grpc_address_, grpc::InsecureChannelCredentials(), args);
  return ingestd::v1::Control::NewStub(channel);
}

std::unique_ptr<grpc::ClientContext> AuthContext(const std::string& token, double seconds) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(seconds)));
  return context;
}

}  // namespace ingestd::testing
