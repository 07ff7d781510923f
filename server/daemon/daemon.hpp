#pragma once

#include "server/config/daemon_config.hpp"

namespace ingestd::daemon {

/// Runs the daemon until SIGTERM or SIGINT: opens the catalog, recovers
/// runs a previous process left, starts the scheduler, the /metrics HTTP
/// server and the gRPC server, prints one line with the addresses it
/// listens on, then serves. On the signal it shuts down in order: readiness
/// off, no new runs, running runs stop at a safe point (their packages stay
/// pending, resumed at the next start) within the grace period, the gRPC
/// server finishes open calls, threads join. Returns the process exit code:
/// 0 after a clean shutdown, 1 when it could not start (the reason is
/// logged).
int RunDaemon(const config::DaemonConfig& config);

}  // namespace ingestd::daemon
