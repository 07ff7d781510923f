#include "server/daemon/daemon.hpp"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "core/catalog/catalog.hpp"
#include "core/common/log.hpp"
#include "core/metrics/registry.hpp"
#include "core/package/file_io.hpp"
#include "core/pipeline/pipeline_runner.hpp"
#include "server/auth/token_store.hpp"
#include "server/daemon/daemon_context.hpp"
#include "server/daemon/normalize_pool.hpp"
#include "server/metrics/daemon_metrics.hpp"
#include "server/metrics/metrics_http_server.hpp"
#include "server/rpc/control_service.hpp"
#include "server/runs/run_manager.hpp"
#include "server/scheduler/scheduler.hpp"

namespace ingestd::daemon {
namespace {

namespace asio = boost::asio;

double SystemNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const config::DaemonConfig& config, const std::string& data_dir) {
  if (config.catalog == "postgres") {
    INGESTD_ASSIGN_OR_RETURN(std::string dsn, pipeline::ResolveSecret(config.catalog_dsn));
    return catalog::OpenPostgresCatalog(dsn, config.catalog_schema);
  }
  return catalog::OpenSqliteCatalog(data_dir + "/catalog.sqlite");
}

Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const config::DaemonConfig& config) {
  if (config.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  INGESTD_ASSIGN_OR_RETURN(std::string cert, package::ReadSmallFile(config.tls_cert_file, 1u << 20));
  INGESTD_ASSIGN_OR_RETURN(std::string key, package::ReadSmallFile(config.tls_key_file, 1u << 20));
  options.pem_key_cert_pairs.push_back({std::move(key), std::move(cert)});
  if (!config.tls_client_ca_file.empty()) {
    INGESTD_ASSIGN_OR_RETURN(options.pem_root_certs, package::ReadSmallFile(config.tls_client_ca_file, 4u << 20));
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// Everything the daemon owns, declared in construction order so that the
// destructor tears it down in reverse: the gRPC server before the services
// it calls, the run manager before the pools its runs use.
class Daemon {
 public:
  explicit Daemon(const config::DaemonConfig& config) : config_(config) {}

  Status Start();
  void WaitForSignal();
  void Shutdown();

 private:
  const config::DaemonConfig& config_;
  std::string data_dir_;
  auth::TokenStore tokens_ = auth::TokenStore::Disabled();
  std::unique_ptr<catalog::Catalog> catalog_;
  metrics::Registry registry_;
  server_metrics::DaemonMetrics metrics_;
  // Before runs_: the workers outlive every run that uses them.
  std::unique_ptr<workers::NormalizeWorkerPool> normalize_pool_;
  asio::io_context io_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  std::unique_ptr<asio::thread_pool> blocking_;
  std::unique_ptr<runs::RunManager> runs_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<server_metrics::MetricsHttpServer> http_;
  DaemonContext context_;
  std::unique_ptr<rpc::ControlService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> ready_{false};
};

Status Daemon::Start() {
  std::error_code ec;
  data_dir_ = std::filesystem::absolute(config_.data_dir, ec).lexically_normal().string();
  if (ec) return InvalidArgument("data_dir " + config_.data_dir + ": " + ec.message());
  while (data_dir_.size() > 1 && data_dir_.back() == '/') data_dir_.pop_back();
  INGESTD_TRY(package::MakeDirectories(data_dir_ + "/push"));
  if (!config_.tokens_file.empty()) {
    INGESTD_ASSIGN_OR_RETURN(tokens_, auth::TokenStore::LoadFile(config_.tokens_file));
  } else {
    log::Warn("authentication is off (no tokens file); listening on loopback only");
  }
  INGESTD_ASSIGN_OR_RETURN(catalog_, OpenCatalog(config_, data_dir_));
  INGESTD_ASSIGN_OR_RETURN(metrics_, server_metrics::DaemonMetrics::Register(registry_, INGESTD_VERSION));
  INGESTD_ASSIGN_OR_RETURN(normalize_pool_, StartNormalizePool(config_.normalize_workers,
                                                               config_.normalize_memory_limit_mb,
                                                               metrics_.normalize_pool));

  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(io_.get_executor());
  for (std::size_t i = 0; i < config_.io_threads; ++i) io_threads_.emplace_back([this] { io_.run(); });
  blocking_ = std::make_unique<asio::thread_pool>(config_.blocking_threads);

  runs::RunManagerOptions run_options;
  run_options.data_dir = data_dir_;
  run_options.owner = config_.instance_id;
  run_options.max_concurrent_runs = config_.max_concurrent_runs;
  run_options.max_queued_runs = config_.max_queued_runs;
  run_options.normalize_pool = normalize_pool_.get();
  runs_ = std::make_unique<runs::RunManager>(*catalog_, io_, *blocking_, &metrics_, run_options);
  INGESTD_TRY(runs_->Recover());
  scheduler_ = std::make_unique<scheduler::Scheduler>(*catalog_, *runs_, io_, *blocking_, SystemNow,
                                                      metrics_.schedule_interval);
  INGESTD_TRY(scheduler_->Start());

  INGESTD_ASSIGN_OR_RETURN(http_, server_metrics::MetricsHttpServer::Start(io_, config_.http_listen, registry_,
                                                                           [this] { return ready_.load(); }));

  context_.version = INGESTD_VERSION;
  context_.data_dir = data_dir_;
  context_.catalog = catalog_.get();
  context_.runs = runs_.get();
  context_.scheduler = scheduler_.get();
  context_.tokens = &tokens_;
  context_.metrics = &metrics_;
  context_.io = &io_;
  context_.blocking = blocking_.get();
  context_.now = SystemNow;
  // A record can never be larger than the message carrying it: one limit,
  // so a too-large record gets the gRPC size error, not a second rule.
  context_.max_record_bytes = config_.max_message_bytes;
  service_ = std::make_unique<rpc::ControlService>(context_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  INGESTD_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, ServerCredentials(config_));
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(config_.grpc_listen, credentials, &grpc_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config_.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(config_.max_message_bytes));
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port == 0) {
    return Error(ErrorCode::kUnavailable, "grpc listen " + config_.grpc_listen +
                                              ": cannot bind (address in use or invalid); set --grpc-listen");
  }
  ready_ = true;
  const std::string host = config_.grpc_listen.substr(0, config_.grpc_listen.rfind(':'));
  const std::string http_host = config_.http_listen.substr(0, config_.http_listen.rfind(':'));
  // One machine-readable line on stdout: tests and scripts that pass port
  // 0 read the ports from it.
  std::cout << "ingestd " << INGESTD_VERSION << " serving grpc=" << host << ":" << grpc_port << " http=" << http_host
            << ":" << http_->port() << " data_dir=" << data_dir_ << std::endl;
  log::Info("serving", {{"grpc", host + ":" + std::to_string(grpc_port)},
                        {"http", http_host + ":" + std::to_string(http_->port())},
                        {"catalog", config_.catalog},
                        {"auth", tokens_.enabled() ? "tokens" : "off"}});
  return OkStatus();
}

void Daemon::WaitForSignal() {
  // SIGTERM and SIGINT are blocked in every thread (RunDaemon blocks them
  // before any thread starts), so this thread takes them synchronously.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int number = 0;
  while (sigwait(&set, &number) != 0) {
  }
  log::Info("shutting down", {{"signal", number == SIGTERM ? "SIGTERM" : "SIGINT"}});
}

void Daemon::Shutdown() {
  ready_ = false;
  if (server_ != nullptr) server_->GetHealthCheckService()->SetServingStatus(false);
  if (scheduler_) scheduler_->Stop();
  if (runs_) {
    runs_->BeginShutdown();
    if (!runs_->WaitIdle(config_.shutdown_grace_seconds)) {
      log::Warn("runs still active after the grace period; exiting anyway (their packages stay pending)");
    }
  }
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (http_) http_->Stop();
  if (blocking_) blocking_->join();
  work_.reset();
  io_.stop();
  for (std::thread& t : io_threads_) t.join();
  io_threads_.clear();
}

}  // namespace

int RunDaemon(const config::DaemonConfig& config) {
  // A client that disappears mid-write must not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);
  // Block SIGTERM/SIGINT before any thread starts: threads inherit the
  // mask, so the signal waits for WaitForSignal's sigwait instead of
  // killing the process in whatever thread the kernel picks.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto daemon = std::make_unique<Daemon>(config);
  Status started = daemon->Start();
  if (!started.ok()) {
    log::Error("cannot start", {{"error", started.error().ToString()}});
    daemon->Shutdown();
    return 1;
  }
  daemon->WaitForSignal();
  daemon->Shutdown();
  log::Info("stopped");
  return 0;
}

}  // namespace ingestd::daemon
