#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::config {

/// Everything `ingestd serve` can be told. Each field has a flag
/// (`--data-dir`), an environment variable (`INGESTD_DATA_DIR`) and a key in
/// the optional JSON config file (`"data_dir"`); precedence flags >
/// environment > file > the defaults below. `ingestd serve --help` lists
/// them all (DaemonConfigHelp).
/// std::thread::hardware_concurrency(), at least 1.
std::size_t DefaultNormalizeWorkers();

struct DaemonConfig {
  /// Root of pipelines' files, load packages and the SQLite catalog.
  std::string data_dir = ".ingestd";
  /// gRPC listen address, host:port (port 0: any free port, printed at start).
  std::string grpc_listen = "127.0.0.1:50051";
  /// HTTP listen address for /metrics, /healthz, /readyz.
  std::string http_listen = "127.0.0.1:9464";
  /// Catalog: "sqlite" (`<data_dir>/catalog.sqlite`) or "postgres".
  std::string catalog = "sqlite";
  /// For catalog "postgres": a libpq connection string or a secret
  /// reference (`env:NAME`, `file:PATH`).
  std::string catalog_dsn;
  /// For catalog "postgres": the schema holding the catalog's tables.
  std::string catalog_schema = "ingestd_catalog";
  /// Bearer tokens file (auth::TokenStore). Empty: authentication off, only
  /// allowed when both listen addresses are loopback.
  std::string tokens_file;
  /// TLS for gRPC: certificate chain and private key (PEM). Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// CA bundle to verify client certificates; set: clients must present one.
  std::string tls_client_ca_file;
  /// Threads of the io_context (timers, /metrics).
  std::size_t io_threads = 1;
  /// Threads of the blocking pool (runs, catalog, file I/O). At least
  /// max_concurrent_runs + 2 so control calls never wait behind runs.
  std::size_t blocking_threads = 6;
  /// Runs executing at once over all pipelines.
  std::size_t max_concurrent_runs = 2;
  /// Queued runs beyond this are refused (RESOURCE_EXHAUSTED).
  std::size_t max_queued_runs = 100;
  /// Normalize worker processes shared by all runs; 0 normalizes inside the
  /// daemon process (no isolation). Default: the number of cores.
  std::size_t normalize_workers = DefaultNormalizeWorkers();
  /// Address-space limit of each normalize worker, MiB; 0: none.
  std::size_t normalize_memory_limit_mb = 2048;
  /// Largest gRPC message accepted, bytes.
  std::size_t max_message_bytes = 4u << 20;
  /// SIGTERM: how long running runs get to reach a safe point.
  double shutdown_grace_seconds = 30;
  /// Catalog owner name of this instance; default "<hostname>:<pid>".
  std::string instance_id;
  /// Log level: "debug", "info", "warn", "error".
  std::string log_level = "info";
};

/// Parses `args` (after `serve`), the environment (`env`, name → value; the
/// caller passes the process environment) and the file named by
/// `--config`/`INGESTD_CONFIG`. Unknown flags, unknown file keys and bad
/// values are kInvalidArgument naming the flag/variable/key and what it
/// accepts. Validates cross-field rules (TLS pair, auth off only on
/// loopback, thread counts).
Result<DaemonConfig> ParseDaemonConfig(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env);

/// The `ingestd serve --help` text: every option with flag, variable, file
/// key, default and meaning.
std::string DaemonConfigHelp();

/// True when `host_port`'s host is 127.0.0.0/8, ::1 or "localhost".
bool IsLoopbackAddress(const std::string& host_port);

}  // namespace ingestd::config
