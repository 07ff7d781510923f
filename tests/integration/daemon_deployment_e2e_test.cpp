// End-to-end tests of how `ingestd serve` is deployed: schedules firing by
// themselves, gRPC over TLS with client certificates, the catalog in
// PostgreSQL, and server reflection. The real daemon process on loopback
// ports, driven over gRPC.

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/postgres_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace ingestd {
namespace {

namespace v1 = ingestd::v1;
using ::testing::HasSubstr;
using testing::AuthContext;
using testing::DaemonProcess;

::testing::AssertionResult Ok(const grpc::Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "status " << s.error_code() << ": " << s.error_message();
}

// GET http://address/path on the daemon's metrics server; the body.
std::string HttpGet(const std::string& address, const std::string& path) {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  const auto colon = address.rfind(':');
  beast::tcp_stream stream(io);
  stream.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
  beast::http::request<beast::http::empty_body> request(beast::http::verb::get, path, 11);
  request.set(beast::http::field::host, address);
  beast::http::write(stream, request);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(stream, buffer, response);
  return response.body();
}

// The sample line of `series` (e.g. `name{pipeline="p"}`) in a scrape: its
// value, or nullopt when absent.
std::optional<double> Sample(const std::string& scrape, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const auto at = scrape.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  const std::string value = scrape.substr(at + prefix.size(), scrape.find('\n', at + 1) - at - prefix.size());
  return value == "NaN" ? std::nan("") : std::stod(value);
}

std::vector<v1::Run> ScheduledRuns(v1::Control::Stub& stub, const std::string& pipeline) {
  v1::ListRunsRequest request;
  request.set_pipeline(pipeline);
  request.set_page_size(100);
  v1::ListRunsResponse response;
  EXPECT_TRUE(Ok(stub.ListRuns(AuthContext("").get(), request, &response)));
  std::vector<v1::Run> runs;
  for (const v1::Run& r : response.runs()) {
    if (r.trigger() == v1::RUN_TRIGGER_SCHEDULE) runs.push_back(r);
  }
  return runs;
}

class DaemonDeploymentTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  DaemonProcess::Options BaseOptions() const {
    DaemonProcess::Options options;
    options.binary = INGESTD_BINARY;
    options.data_dir = Path("data");
    return options;
  }

  std::string FilesSpec(const std::string& name, const std::string& more = "") const {
    return R"({"name": ")" + name + R"(", "resources": [{"name": "items", "write_disposition": "append",
        "source": {"kind": "files", "paths": [")" + Path("items.jsonl") + R"("], "format": "jsonl"}}],
        "destination": {"kind": "sqlite", "path": ")" + Path(name + ".sqlite") + "\"}" + more + "}";
  }

  testing::TempDir dir_{"deploy"};
};

// An interval schedule starts runs with no client asking; pausing stops
// them; the schedule's period is exported for the staleness alert.
TEST_F(DaemonDeploymentTest, AnIntervalScheduleStartsRunsByItselfUntilPaused) {
  testing::WriteAll(Path("items.jsonl"), "{\"id\": 1}\n{\"id\": 2}\n");
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start(BaseOptions())) << daemon.log();
  auto stub = daemon.NewStub();
  v1::ApplyPipelineRequest apply;
  apply.set_spec_json(FilesSpec("ticking", R"(, "schedule": {"interval_seconds": 1})"));
  v1::ApplyPipelineResponse applied;
  ASSERT_TRUE(Ok(stub->ApplyPipeline(AuthContext("").get(), apply, &applied)));

  // Two scheduled runs within ten seconds, both loading the file.
  std::vector<v1::Run> runs;
  for (int i = 0; i < 100; ++i) {
    runs = ScheduledRuns(*stub, "ticking");
    int succeeded = 0;
    for (const v1::Run& r : runs) succeeded += r.status() == v1::RUN_STATUS_SUCCEEDED ? 1 : 0;
    if (succeeded >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(runs.size(), 2u) << daemon.log();
  for (const v1::Run& r : runs) {
    if (r.status() == v1::RUN_STATUS_SUCCEEDED) {
      EXPECT_EQ(r.requested_by(), "scheduler");
    }
  }
  const std::string scrape = HttpGet(daemon.http_address(), "/metrics");
  EXPECT_EQ(Sample(scrape, R"(ingestd_pipeline_schedule_interval_seconds{pipeline="ticking"})"), 1.0) << scrape;
  EXPECT_TRUE(Sample(scrape, R"(ingestd_last_success_timestamp_seconds{pipeline="ticking"})").has_value());

  v1::PausePipelineRequest pause;
  pause.set_name("ticking");
  v1::Pipeline paused;
  ASSERT_TRUE(Ok(stub->PausePipeline(AuthContext("").get(), pause, &paused)));
  // A run the scheduler started just before the pause may still finish.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::size_t after_pause = ScheduledRuns(*stub, "ticking").size();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(ScheduledRuns(*stub, "ticking").size(), after_pause) << "no scheduled run while paused";
  auto interval = Sample(HttpGet(daemon.http_address(), "/metrics"),
                         R"(ingestd_pipeline_schedule_interval_seconds{pipeline="ticking"})");
  ASSERT_TRUE(interval.has_value());
  EXPECT_TRUE(std::isnan(*interval)) << "paused: no schedule to be late for";
  EXPECT_EQ(daemon.Stop(), 0);
}

// TLS with client certificates: only a client that trusts the server's
// certificate and presents one the daemon's client CA signed gets in.
TEST_F(DaemonDeploymentTest, TlsWithClientCertificatesAdmitsOnlyCertifiedClients) {
  const testing::SelfSignedCert server_cert = testing::SelfSignedCert::Generate();
  const testing::SelfSignedCert client_cert = testing::SelfSignedCert::Generate();
  const testing::SelfSignedCert stranger = testing::SelfSignedCert::Generate();
  testing::WriteAll(Path("server.pem"), server_cert.cert_pem);
  testing::WriteAll(Path("server.key"), server_cert.key_pem);
  testing::WriteAll(Path("clients-ca.pem"), client_cert.cert_pem);
  DaemonProcess daemon;
  DaemonProcess::Options options = BaseOptions();
  options.extra_args = {"--tls-cert-file", Path("server.pem"), "--tls-key-file", Path("server.key"),
                        "--tls-client-ca-file", Path("clients-ca.pem")};
  ASSERT_TRUE(daemon.Start(options)) << daemon.log();

  auto version = [&](std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = v1::Control::NewStub(grpc::CreateChannel(daemon.grpc_address(), credentials));
    v1::GetVersionRequest request;
    v1::GetVersionResponse response;
    grpc::Status s = stub->GetVersion(AuthContext("", 10).get(), request, &response);
    return std::make_pair(s, response);
  };
  grpc::SslCredentialsOptions certified;
  certified.pem_root_certs = server_cert.cert_pem;
  certified.pem_cert_chain = client_cert.cert_pem;
  certified.pem_private_key = client_cert.key_pem;
  auto [ok, response] = version(grpc::SslCredentials(certified));
  ASSERT_TRUE(Ok(ok)) << daemon.log();
  EXPECT_FALSE(response.version().empty());

  grpc::SslCredentialsOptions no_client_cert;
  no_client_cert.pem_root_certs = server_cert.cert_pem;
  EXPECT_EQ(version(grpc::SslCredentials(no_client_cert)).first.error_code(), grpc::StatusCode::UNAVAILABLE);
  grpc::SslCredentialsOptions unknown_client = certified;
  unknown_client.pem_cert_chain = stranger.cert_pem;
  unknown_client.pem_private_key = stranger.key_pem;
  EXPECT_EQ(version(grpc::SslCredentials(unknown_client)).first.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(version(grpc::InsecureChannelCredentials()).first.error_code(), grpc::StatusCode::UNAVAILABLE);
  // The daemon trusts no server certificate it did not present.
  grpc::SslCredentialsOptions wrong_root = certified;
  wrong_root.pem_root_certs = stranger.cert_pem;
  EXPECT_EQ(version(grpc::SslCredentials(wrong_root)).first.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(daemon.Stop(), 0);
}

// The catalog in PostgreSQL: pipelines and runs live in the server, so a
// daemon started on a fresh data directory sees them.
TEST_F(DaemonDeploymentTest, APostgresCatalogKeepsPipelinesAndRunsAcrossDataDirectories) {
  Result<std::string> dsn = testing::TestPostgresDsn();
  ASSERT_TRUE(dsn.ok()) << dsn.error().ToString();
  const std::string schema = testing::FreshDatasetName("catalog");
  testing::WriteAll(Path("items.jsonl"), "{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3}\n");
  auto options = [&](const std::string& data_dir) {
    DaemonProcess::Options o = BaseOptions();
    o.data_dir = Path(data_dir);
    o.extra_args = {"--catalog", "postgres", "--catalog-dsn", "env:TEST_CATALOG_DSN", "--catalog-schema", schema};
    o.environment = {"TEST_CATALOG_DSN=" + *dsn};
    return o;
  };
  std::string run_id;
  {
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.Start(options("first"))) << daemon.log();
    auto stub = daemon.NewStub();
    v1::ApplyPipelineRequest apply;
    apply.set_spec_json(FilesSpec("shared"));
    v1::ApplyPipelineResponse applied;
    ASSERT_TRUE(Ok(stub->ApplyPipeline(AuthContext("").get(), apply, &applied)));
    v1::StartRunRequest start;
    start.set_pipeline("shared");
    start.set_idempotency_key("airflow/run/1");
    v1::StartRunResponse started;
    ASSERT_TRUE(Ok(stub->StartRun(AuthContext("").get(), start, &started)));
    run_id = started.run().run_id();
    v1::WatchRunRequest watch;
    watch.set_run_id(run_id);
    auto context = AuthContext("", 60);
    auto reader = stub->WatchRun(context.get(), watch);
    v1::RunEvent event;
    v1::RunEvent last;
    while (reader->Read(&event)) last = event;
    ASSERT_TRUE(Ok(reader->Finish()));
    ASSERT_TRUE(last.has_finished());
    EXPECT_EQ(last.finished().run().status(), v1::RUN_STATUS_SUCCEEDED) << last.finished().run().error().message();
    EXPECT_EQ(daemon.Stop(), 0);
  }
  // The DSN is a secret reference: its text is not in the process list.
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start(options("second"))) << daemon.log();
  auto stub = daemon.NewStub();
  v1::GetPipelineRequest get;
  get.set_name("shared");
  v1::Pipeline pipeline;
  ASSERT_TRUE(Ok(stub->GetPipeline(AuthContext("").get(), get, &pipeline)));
  EXPECT_EQ(pipeline.version(), 1);
  v1::GetRunRequest get_run;
  get_run.set_run_id(run_id);
  v1::Run run;
  ASSERT_TRUE(Ok(stub->GetRun(AuthContext("").get(), get_run, &run)));
  EXPECT_EQ(run.status(), v1::RUN_STATUS_SUCCEEDED);
  EXPECT_EQ(run.summary().items_extracted(), 3u);
  // The idempotency key still names that run.
  v1::StartRunRequest again;
  again.set_pipeline("shared");
  again.set_idempotency_key("airflow/run/1");
  v1::StartRunResponse reattached;
  ASSERT_TRUE(Ok(stub->StartRun(AuthContext("").get(), again, &reattached)));
  EXPECT_FALSE(reattached.created());
  EXPECT_EQ(reattached.run().run_id(), run_id);
  EXPECT_THAT(daemon.log(), ::testing::Not(HasSubstr(*dsn)));
  EXPECT_EQ(daemon.Stop(), 0);
}

// Server reflection lists the services (what grpcurl and grpc_cli use),
// called through a generic bidi stream: ServerReflectionRequest with
// list_services (field 7) = "".
class ReflectionCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ReflectionCall(grpc::GenericStub& stub, const std::string& method) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice slice(std::string("\x3a\x00", 2));
    request_ = grpc::ByteBuffer(&slice, 1);
    stub.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    StartWrite(&request_);
    StartRead(&response_);
    StartCall();
  }
  void OnWriteDone(bool) override { StartWritesDone(); }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    std::vector<grpc::Slice> slices;
    if (response_.Dump(&slices).ok()) {
      for (const auto& s : slices) bytes_.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& s) override { done_.set_value(s); }

  grpc::Status Wait() { return done_.get_future().get(); }
  const std::string& bytes() const { return bytes_; }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::string bytes_;
  std::promise<grpc::Status> done_;
};

// A pipeline's run counters exist at 0 from the moment it is applied, and
// again after a restart, so that `increase(ingestd_runs_total{outcome=
// "failed"}[1h])` sees the first failure instead of a series born at 1.
TEST_F(DaemonDeploymentTest, RunCountersStartAtZeroForEveryKnownPipeline) {
  const auto counters = [](const std::string& scrape, const std::string& pipeline) {
    std::vector<std::optional<double>> values;
    for (const char* outcome : {"succeeded", "failed", "cancelled"}) {
      values.push_back(Sample(scrape, "ingestd_runs_total{pipeline=\"" + pipeline + "\",outcome=\"" + outcome + "\"}"));
    }
    return values;
  };
  const std::vector<std::optional<double>> zeros = {0.0, 0.0, 0.0};
  {
    DaemonProcess daemon;
    ASSERT_TRUE(daemon.Start(BaseOptions())) << daemon.log();
    auto stub = daemon.NewStub();
    v1::ApplyPipelineRequest apply;
    apply.set_spec_json(FilesSpec("quiet"));
    v1::ApplyPipelineResponse applied;
    ASSERT_TRUE(Ok(stub->ApplyPipeline(AuthContext("").get(), apply, &applied)));
    const std::string scrape = HttpGet(daemon.http_address(), "/metrics");
    EXPECT_EQ(counters(scrape, "quiet"), zeros) << scrape;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  DaemonProcess restarted;
  ASSERT_TRUE(restarted.Start(BaseOptions())) << restarted.log();
  const std::string scrape = HttpGet(restarted.http_address(), "/metrics");
  EXPECT_EQ(counters(scrape, "quiet"), zeros) << scrape;
  EXPECT_EQ(restarted.Stop(), 0);
}

TEST_F(DaemonDeploymentTest, ServerReflectionListsTheControlAndHealthServices) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start(BaseOptions())) << daemon.log();
  grpc::GenericStub generic(grpc::CreateChannel(daemon.grpc_address(), grpc::InsecureChannelCredentials()));
  ReflectionCall call(generic, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  ASSERT_TRUE(Ok(call.Wait()));
  EXPECT_THAT(call.bytes(), HasSubstr("ingestd.v1.Control"));
  EXPECT_THAT(call.bytes(), HasSubstr("grpc.health.v1.Health"));
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace ingestd
