#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "ingestd/v1/control.grpc.pb.h"

namespace ingestd::testing {

/// A real `ingestd serve` child process on loopback ports it picks itself
/// (port 0), for end-to-end tests. Started by Start(); stopped with SIGTERM
/// by Stop() or the destructor (SIGKILL if it does not exit in time).
class DaemonProcess {
 public:
  struct Options {
    /// The `ingestd` binary (integration tests: INGESTD_BINARY).
    std::string binary;
    std::string data_dir;
    /// Tokens file; empty: authentication off.
    std::string tokens_file;
    /// More `ingestd serve` flags.
    std::vector<std::string> extra_args;
    /// Extra environment ("NAME=value").
    std::vector<std::string> environment;
  };

  DaemonProcess() = default;
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  /// Starts the daemon and waits (up to 30 s) for its "serving" line.
  /// False when it exited or did not report; `log()` says why.
  bool Start(const Options& options);
  /// SIGTERM, then waits up to `timeout_seconds`; the exit code, or -1 when
  /// it had to be killed (or -2 when not running).
  int Stop(double timeout_seconds = 60);
  /// Waits for the daemon to exit by itself: its exit code, -1 when a
  /// signal killed it, -3 on timeout (it keeps running).
  int WaitExit(double timeout_seconds);
  /// SIGKILL (a crash), and reap.
  void Kill();

  bool running() const { return pid_ > 0; }
  /// The daemon's process id (-1 when not running).
  pid_t pid() const { return pid_; }
  const std::string& grpc_address() const { return grpc_address_; }
  const std::string& http_address() const { return http_address_; }
  /// What the daemon wrote to stderr so far (its logfmt log).
  std::string log() const;

  /// A stub on a fresh channel to the daemon.
  std::unique_ptr<ingestd::v1::Control::Stub> NewStub() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string grpc_address_;
  std::string http_address_;
};

/// A client context with `authorization: Bearer <token>` (none when empty)
/// and a deadline `seconds` from now.
std::unique_ptr<grpc::ClientContext> AuthContext(const std::string& token, double seconds = 30);

}  // namespace ingestd::testing
