#pragma once

#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/catalog/catalog.hpp"
#include "server/auth/token_store.hpp"
#include "server/metrics/daemon_metrics.hpp"
#include "server/runs/run_manager.hpp"
#include "server/scheduler/scheduler.hpp"

namespace ingestd::daemon {

/// What the gRPC service needs from the daemon, built by the composition
/// root (server/commands/serve_command.cpp) and outliving the gRPC server.
struct DaemonContext {
  std::string version;
  /// The data directory (absolute).
  std::string data_dir;
  catalog::Catalog* catalog = nullptr;
  runs::RunManager* runs = nullptr;
  scheduler::Scheduler* scheduler = nullptr;
  const auth::TokenStore* tokens = nullptr;
  /// May be null.
  const server_metrics::DaemonMetrics* metrics = nullptr;
  boost::asio::io_context* io = nullptr;
  /// For handlers that do catalog or file I/O.
  boost::asio::thread_pool* blocking = nullptr;
  /// Unix seconds now.
  std::function<double()> now;
  /// Largest record accepted by PushRecords, bytes.
  std::size_t max_record_bytes = 16u << 20;
};

}  // namespace ingestd::daemon
