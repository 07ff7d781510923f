#include "server/config/daemon_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace ingestd::config {
namespace {

using Env = std::map<std::string, std::string>;
using Args = std::vector<std::string>;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

DaemonConfig Parse(const Args& args, const Env& env = {}) {
  auto config = ParseDaemonConfig(args, env);
  EXPECT_TRUE(config.ok()) << config.error().ToString();
  if (!config.ok()) return DaemonConfig{};
  return std::move(config).value();
}

std::string ParseError(const Args& args, const Env& env = {}) {
  auto config = ParseDaemonConfig(args, env);
  EXPECT_FALSE(config.ok());
  if (config.ok()) return "";
  EXPECT_EQ(config.error().code(), ErrorCode::kInvalidArgument);
  return config.error().message();
}

class ConfigFile {
 public:
  explicit ConfigFile(const std::string& json) : path_(dir_.path() + "/ingestd.json") {
    testing::WriteAll(path_, json);
  }
  const std::string& path() const { return path_; }

 private:
  testing::TempDir dir_{"daemon_config"};
  std::string path_;
};

TEST(DaemonConfigTest, DefaultsWithNothingGiven) {
  DaemonConfig c = Parse({});
  DaemonConfig defaults;
  EXPECT_EQ(c.data_dir, ".ingestd");
  EXPECT_EQ(c.grpc_listen, "127.0.0.1:50051");
  EXPECT_EQ(c.http_listen, "127.0.0.1:9464");
  EXPECT_EQ(c.catalog, "sqlite");
  EXPECT_EQ(c.catalog_schema, "ingestd_catalog");
  EXPECT_EQ(c.tokens_file, "");
  EXPECT_EQ(c.io_threads, defaults.io_threads);
  EXPECT_EQ(c.blocking_threads, defaults.blocking_threads);
  EXPECT_EQ(c.max_concurrent_runs, defaults.max_concurrent_runs);
  EXPECT_EQ(c.max_message_bytes, 4u << 20);
  EXPECT_EQ(c.shutdown_grace_seconds, 30);
  EXPECT_EQ(c.log_level, "info");
}

TEST(DaemonConfigTest, DefaultInstanceIdIsHostnameColonPid) {
  DaemonConfig c = Parse({});
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(c.instance_id, std::string(host) + ":" + std::to_string(::getpid()));
  EXPECT_EQ(Parse({"--instance-id", "worker-7"}).instance_id, "worker-7");
}

TEST(DaemonConfigTest, FlagsTakeSpaceOrEqualsForm) {
  DaemonConfig c = Parse({"--data-dir", "/var/lib/ingestd", "--io-threads=3", "--grpc-listen=[::1]:7000",
                          "--shutdown-grace-seconds", "2.5", "--log-level=debug"});
  EXPECT_EQ(c.data_dir, "/var/lib/ingestd");
  EXPECT_EQ(c.io_threads, 3u);
  EXPECT_EQ(c.grpc_listen, "[::1]:7000");
  EXPECT_EQ(c.shutdown_grace_seconds, 2.5);
  EXPECT_EQ(c.log_level, "debug");
  // A value may contain '=' itself.
  EXPECT_EQ(Parse({"--data-dir=/tmp/a=b"}).data_dir, "/tmp/a=b");
}

TEST(DaemonConfigTest, EveryFieldFromTheEnvironment) {
  DaemonConfig c = Parse({}, {{"INGESTD_DATA_DIR", "/d"},
                              {"INGESTD_GRPC_LISTEN", "0.0.0.0:1"},
                              {"INGESTD_HTTP_LISTEN", "[::]:2"},
                              {"INGESTD_CATALOG", "postgres"},
                              {"INGESTD_CATALOG_DSN", "env:PG_DSN"},
                              {"INGESTD_CATALOG_SCHEMA", "cat_2"},
                              {"INGESTD_TOKENS_FILE", "/etc/ingestd/tokens.json"},
                              {"INGESTD_TLS_CERT_FILE", "/c.pem"},
                              {"INGESTD_TLS_KEY_FILE", "/k.pem"},
                              {"INGESTD_TLS_CLIENT_CA_FILE", "/ca.pem"},
                              {"INGESTD_IO_THREADS", "2"},
                              {"INGESTD_BLOCKING_THREADS", "10"},
                              {"INGESTD_MAX_CONCURRENT_RUNS", "8"},
                              {"INGESTD_MAX_QUEUED_RUNS", "0"},
                              {"INGESTD_MAX_MESSAGE_BYTES", "1048576"},
                              {"INGESTD_SHUTDOWN_GRACE_SECONDS", "0"},
                              {"INGESTD_INSTANCE_ID", "pod-1"},
                              {"INGESTD_LOG_LEVEL", "warn"},
                              // Other INGESTD_* variables belong to others (secret references).
                              {"INGESTD_ADMIN_TOKEN", "x"}});
  EXPECT_EQ(c.data_dir, "/d");
  EXPECT_EQ(c.grpc_listen, "0.0.0.0:1");
  EXPECT_EQ(c.http_listen, "[::]:2");
  EXPECT_EQ(c.catalog, "postgres");
  EXPECT_EQ(c.catalog_dsn, "env:PG_DSN");
  EXPECT_EQ(c.catalog_schema, "cat_2");
  EXPECT_EQ(c.tokens_file, "/etc/ingestd/tokens.json");
  EXPECT_EQ(c.tls_cert_file, "/c.pem");
  EXPECT_EQ(c.tls_key_file, "/k.pem");
  EXPECT_EQ(c.tls_client_ca_file, "/ca.pem");
  EXPECT_EQ(c.io_threads, 2u);
  EXPECT_EQ(c.blocking_threads, 10u);
  EXPECT_EQ(c.max_concurrent_runs, 8u);
  EXPECT_EQ(c.max_queued_runs, 0u);
  EXPECT_EQ(c.max_message_bytes, 1048576u);
  EXPECT_EQ(c.shutdown_grace_seconds, 0);
  EXPECT_EQ(c.instance_id, "pod-1");
  EXPECT_EQ(c.log_level, "warn");
}

TEST(DaemonConfigTest, FileKeysAreFieldNames) {
  ConfigFile file(R"({"data_dir": "/srv", "io_threads": 4, "blocking_threads": 12, "max_concurrent_runs": 10,
                      "shutdown_grace_seconds": 1.5, "catalog": "postgres", "catalog_dsn": "host=db",
                      "log_level": "error", "grpc_listen": "localhost:5"})");
  DaemonConfig c = Parse({"--config", file.path()});
  EXPECT_EQ(c.data_dir, "/srv");
  EXPECT_EQ(c.io_threads, 4u);
  EXPECT_EQ(c.blocking_threads, 12u);
  EXPECT_EQ(c.max_concurrent_runs, 10u);
  EXPECT_EQ(c.shutdown_grace_seconds, 1.5);
  EXPECT_EQ(c.catalog, "postgres");
  EXPECT_EQ(c.catalog_dsn, "host=db");
  EXPECT_EQ(c.log_level, "error");
  EXPECT_EQ(c.grpc_listen, "localhost:5");
}

TEST(DaemonConfigTest, PrecedenceIsFlagsThenEnvironmentThenFileThenDefault) {
  ConfigFile file(R"({"io_threads": 3, "data_dir": "/from-file", "log_level": "warn"})");
  Env env = {{"INGESTD_CONFIG", file.path()}, {"INGESTD_IO_THREADS", "4"}, {"INGESTD_DATA_DIR", "/from-env"}};

  DaemonConfig all = Parse({"--io-threads", "5"}, env);
  EXPECT_EQ(all.io_threads, 5u);            // flag over environment and file
  EXPECT_EQ(all.data_dir, "/from-env");     // environment over file
  EXPECT_EQ(all.log_level, "warn");         // file over default
  EXPECT_EQ(all.catalog, "sqlite");         // default

  env.erase("INGESTD_IO_THREADS");
  EXPECT_EQ(Parse({}, env).io_threads, 3u);  // file once the environment is silent
}

TEST(DaemonConfigTest, ConfigFlagWinsOverConfigVariable) {
  ConfigFile from_env(R"({"data_dir": "/env-file"})");
  ConfigFile from_flag(R"({"data_dir": "/flag-file"})");
  DaemonConfig c = Parse({"--config=" + from_flag.path()}, {{"INGESTD_CONFIG", from_env.path()}});
  EXPECT_EQ(c.data_dir, "/flag-file");
  EXPECT_EQ(Parse({}, {{"INGESTD_CONFIG", from_env.path()}}).data_dir, "/env-file");
}

TEST(DaemonConfigTest, UnknownFlagIsNamedWithASuggestion) {
  std::string message = ParseError({"--data-dri", "/x"});
  EXPECT_THAT(message, HasSubstr("unknown flag --data-dri"));
  EXPECT_THAT(message, HasSubstr("did you mean --data-dir?"));
  EXPECT_THAT(ParseError({"--io_threads=3"}), HasSubstr("did you mean --io-threads?"));
  EXPECT_THAT(ParseError({"--frobnicate=1"}), AllOf(HasSubstr("--frobnicate"), Not(HasSubstr("did you mean"))));
  EXPECT_THAT(ParseError({"-v"}), HasSubstr("unknown flag -v"));
}

TEST(DaemonConfigTest, FlagErrors) {
  EXPECT_THAT(ParseError({"--data-dir"}), HasSubstr("--data-dir needs a value"));
  EXPECT_THAT(ParseError({"--data-dir", "--io-threads", "2"}), HasSubstr("--data-dir needs a value"));
  EXPECT_THAT(ParseError({"--io-threads=2", "--io-threads", "3"}), HasSubstr("--io-threads is given more than once"));
  EXPECT_THAT(ParseError({"extra"}), HasSubstr("unexpected argument \"extra\""));
}

TEST(DaemonConfigTest, UnknownFileKeyIsNamedWithASuggestion) {
  ConfigFile file(R"({"data_dir": "/d", "max_concurent_runs": 3})");
  std::string message = ParseError({"--config", file.path()});
  EXPECT_THAT(message, HasSubstr(file.path()));
  EXPECT_THAT(message, HasSubstr("unknown key \"max_concurent_runs\""));
  EXPECT_THAT(message, HasSubstr("did you mean \"max_concurrent_runs\"?"));

  ConfigFile dashed(R"({"data-dir": "/d"})");
  EXPECT_THAT(ParseError({"--config", dashed.path()}), HasSubstr("did you mean \"data_dir\"?"));
  ConfigFile nested(R"({"config": "/other.json"})");
  EXPECT_THAT(ParseError({"--config", nested.path()}), HasSubstr("unknown key \"config\""));
}

TEST(DaemonConfigTest, FileErrors) {
  EXPECT_THAT(ParseError({"--config", "/nonexistent/ingestd.json"}), HasSubstr("/nonexistent/ingestd.json"));
  EXPECT_THAT(ParseError({}, {{"INGESTD_CONFIG", ""}}), HasSubstr("INGESTD_CONFIG: expected a path"));
  ConfigFile broken(R"({"data_dir": )");
  EXPECT_THAT(ParseError({"--config", broken.path()}), HasSubstr("invalid JSON"));
  ConfigFile array(R"([])");
  EXPECT_THAT(ParseError({"--config", array.path()}), HasSubstr("expected an object"));
  ConfigFile twice(R"({"io_threads": 1, "io_threads": 2})");
  EXPECT_THAT(ParseError({"--config", twice.path()}), HasSubstr("\"io_threads\" appears twice"));
  // Types are strict in the file: numbers are JSON numbers, strings strings.
  ConfigFile quoted_number(R"({"io_threads": "4"})");
  EXPECT_THAT(ParseError({"--config", quoted_number.path()}),
              HasSubstr("io_threads: expected an integer from 1 to 64, got a string"));
  ConfigFile number_path(R"({"data_dir": 4})");
  EXPECT_THAT(ParseError({"--config", number_path.path()}), HasSubstr("data_dir: expected a string, got a number"));
  ConfigFile fraction(R"({"max_queued_runs": 1.5})");
  EXPECT_THAT(ParseError({"--config", fraction.path()}), HasSubstr("max_queued_runs: expected an integer"));
  ConfigFile negative(R"({"max_queued_runs": -1})");
  EXPECT_THAT(ParseError({"--config", negative.path()}), HasSubstr("got -1"));
  ConfigFile null_value(R"({"log_level": null})");
  EXPECT_THAT(ParseError({"--config", null_value.path()}), HasSubstr("got null"));
}

TEST(DaemonConfigTest, NumbersAreValidatedWithRanges) {
  struct Case {
    std::string flag;
    std::string value;
    std::string expected;
  };
  const Case cases[] = {
      {"--io-threads", "0", "--io-threads: expected an integer from 1 to 64, got \"0\""},
      {"--io-threads", "65", "from 1 to 64"},
      {"--io-threads", "abc", "got \"abc\""},
      {"--io-threads", "-1", "got \"-1\""},
      {"--io-threads", "+2", "got \"+2\""},
      {"--io-threads", "2 ", "got \"2 \""},
      {"--io-threads", "", "got \"\""},
      {"--io-threads", "99999999999999999999999", "from 1 to 64"},
      {"--blocking-threads", "0", "from 1 to 1024"},
      {"--max-concurrent-runs", "0", "from 1 to 256"},
      {"--max-queued-runs", "100001", "from 0 to 100000"},
      {"--max-message-bytes", "100", "from 1024 to 1073741824"},
      {"--shutdown-grace-seconds", "-1", "a number of seconds from 0 to 3600"},
      {"--shutdown-grace-seconds", "3601", "from 0 to 3600"},
      {"--shutdown-grace-seconds", "nan", "from 0 to 3600"},
      {"--shutdown-grace-seconds", "inf", "from 0 to 3600"},
      {"--shutdown-grace-seconds", "1s", "got \"1s\""},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseError({c.flag, c.value}), HasSubstr(c.expected)) << c.flag << " " << c.value;
  }
  EXPECT_THAT(ParseError({}, {{"INGESTD_MAX_CONCURRENT_RUNS", "x"}}),
              HasSubstr("INGESTD_MAX_CONCURRENT_RUNS: expected an integer"));
}

TEST(DaemonConfigTest, AddressesAreHostColonPort) {
  for (const char* ok : {"127.0.0.1:0", "localhost:50051", "[::1]:65535", "127.0.0.2:80", "my-host.local:1"}) {
    EXPECT_TRUE(ParseDaemonConfig({"--grpc-listen", ok}, {}).ok() ||
                // Non-loopback hosts need a tokens file; the address itself parsed.
                ParseDaemonConfig({"--grpc-listen", ok, "--tokens-file", "/t"}, {}).ok())
        << ok;
  }
  struct Case {
    std::string address;
    std::string expected;
  };
  const Case cases[] = {
      {"localhost", "expected HOST:PORT"},
      {"127.0.0.1:", "the port must be a number from 0 to 65535"},
      {"127.0.0.1:65536", "the port must be a number from 0 to 65535"},
      {"127.0.0.1:http", "the port must be a number"},
      {":50051", "missing host"},
      {"::1:50051", "an IPv6 address goes in brackets, as [::1]:50051"},
      {"[::1]", "expected [IPV6]:PORT"},
      {"[::1:50051", "missing ']'"},
      {"[nope]:1", "not an IPv6 address"},
      {"my host:1", "the host may hold only"},
  };
  for (const Case& c : cases) {
    std::string message = ParseError({"--grpc-listen", c.address});
    EXPECT_THAT(message, HasSubstr("--grpc-listen: " + c.expected)) << c.address;
    EXPECT_THAT(message, HasSubstr("\"" + c.address + "\"")) << c.address;
  }
  EXPECT_THAT(ParseError({}, {{"INGESTD_HTTP_LISTEN", "9464"}}), HasSubstr("INGESTD_HTTP_LISTEN: expected HOST:PORT"));
}

TEST(DaemonConfigTest, ChoicesAndIdentifiers) {
  EXPECT_THAT(ParseError({"--catalog", "mysql"}),
              HasSubstr("--catalog: expected \"sqlite\" or \"postgres\", got \"mysql\""));
  EXPECT_THAT(ParseError({"--log-level", "verbose"}),
              HasSubstr("expected \"debug\", \"info\", \"warn\" or \"error\", got \"verbose\""));
  EXPECT_THAT(ParseError({"--log-level", "INFO"}), HasSubstr("--log-level"));
  EXPECT_THAT(ParseError({"--catalog-schema", "Bad-Name"}), HasSubstr("--catalog-schema: expected a lower-case SQL"));
  EXPECT_THAT(ParseError({"--catalog-schema", "1x"}), HasSubstr("--catalog-schema"));
  EXPECT_THAT(ParseError({"--catalog-schema", std::string(64, 'a')}), HasSubstr("at most 63"));
  EXPECT_THAT(ParseError({"--data-dir", ""}), HasSubstr("--data-dir: expected a path"));
  EXPECT_THAT(ParseError({"--instance-id", "a\nb"}), HasSubstr("--instance-id: expected no control characters"));
}

TEST(DaemonConfigTest, TlsCertificateAndKeyGoTogether) {
  EXPECT_THAT(ParseError({"--tls-cert-file", "/c.pem"}),
              AllOf(HasSubstr("--tls-cert-file and --tls-key-file go together"), HasSubstr("only --tls-cert-file")));
  EXPECT_THAT(ParseError({"--tls-key-file", "/k.pem"}), HasSubstr("only --tls-key-file"));
  EXPECT_THAT(ParseError({"--tls-client-ca-file", "/ca.pem"}),
              HasSubstr("--tls-client-ca-file needs --tls-cert-file and --tls-key-file"));
  DaemonConfig c = Parse({"--tls-cert-file", "/c.pem", "--tls-key-file", "/k.pem", "--tls-client-ca-file", "/ca"});
  EXPECT_EQ(c.tls_client_ca_file, "/ca");
}

TEST(DaemonConfigTest, AuthenticationOffOnlyOnLoopback) {
  std::string grpc = ParseError({"--grpc-listen", "0.0.0.0:50051"});
  EXPECT_THAT(grpc, HasSubstr("--grpc-listen 0.0.0.0:50051 is not a loopback address"));
  EXPECT_THAT(grpc, HasSubstr("set --tokens-file or listen on 127.0.0.1"));
  EXPECT_THAT(ParseError({}, {{"INGESTD_HTTP_LISTEN", "[::]:9464"}}), HasSubstr("--http-listen [::]:9464"));
  EXPECT_THAT(ParseError({"--http-listen", "example.com:1"}), HasSubstr("not a loopback address"));

  DaemonConfig c = Parse({"--grpc-listen", "0.0.0.0:50051", "--http-listen", "[::]:9464"},
                         {{"INGESTD_TOKENS_FILE", "/etc/tokens.json"}});
  EXPECT_EQ(c.tokens_file, "/etc/tokens.json");
  EXPECT_TRUE(ParseDaemonConfig({"--grpc-listen", "localhost:1", "--http-listen", "[::1]:2"}, {}).ok());
}

TEST(DaemonConfigTest, BlockingThreadsCoverRunsPlusTwo) {
  std::string message = ParseError({"--blocking-threads", "3", "--max-concurrent-runs", "2"});
  EXPECT_THAT(message, HasSubstr("--blocking-threads 3 is too few"));
  EXPECT_THAT(message, HasSubstr("at least --max-concurrent-runs + 2 (4)"));
  EXPECT_THAT(ParseError({"--max-concurrent-runs", "5"}), HasSubstr("(7)"));  // default blocking_threads 6
  EXPECT_TRUE(ParseDaemonConfig({"--blocking-threads", "4", "--max-concurrent-runs", "2"}, {}).ok());
}

TEST(DaemonConfigTest, PostgresCatalogNeedsADsn) {
  EXPECT_THAT(ParseError({"--catalog", "postgres"}), HasSubstr("--catalog postgres needs --catalog-dsn"));
  DaemonConfig c = Parse({"--catalog", "postgres", "--catalog-dsn", "env:INGESTD_PG"});
  EXPECT_EQ(c.catalog_dsn, "env:INGESTD_PG");
}

TEST(DaemonConfigTest, DsnWithSqliteCatalogIsAnErrorThatDoesNotEchoIt) {
  std::string message = ParseError({"--catalog-dsn", "postgresql://u:hunter2@db/ingestd"});
  EXPECT_THAT(message, HasSubstr("--catalog-dsn is set but --catalog is sqlite"));
  EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  ConfigFile file(R"({"catalog_dsn": ["hunter2"]})");
  EXPECT_THAT(ParseError({"--config", file.path()}), Not(HasSubstr("hunter2")));
}

TEST(DaemonConfigTest, SameAddressForBothListenersIsRefused) {
  EXPECT_THAT(ParseError({"--grpc-listen", "127.0.0.1:7000", "--http-listen", "127.0.0.1:7000"}),
              HasSubstr("they need two ports"));
  EXPECT_TRUE(ParseDaemonConfig({"--grpc-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"}, {}).ok());
}

TEST(DaemonConfigHelpTest, ListsEveryOptionWithFlagVariableAndKey) {
  std::string help = DaemonConfigHelp();
  const std::vector<std::string> keys = {
      "data_dir",     "grpc_listen",        "http_listen",      "catalog",
      "catalog_dsn",  "catalog_schema",     "tokens_file",      "tls_cert_file",
      "tls_key_file", "tls_client_ca_file", "io_threads",       "blocking_threads",
      "max_concurrent_runs", "max_queued_runs", "max_message_bytes", "shutdown_grace_seconds",
      "instance_id",  "log_level",
  };
  for (const std::string& key : keys) {
    std::string env = "INGESTD_";
    std::string flag = "--";
    for (char c : key) {
      env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      flag += c == '_' ? '-' : c;
    }
    EXPECT_THAT(help, HasSubstr(env)) << key;
    EXPECT_THAT(help, HasSubstr(flag + " ")) << key;
    EXPECT_THAT(help, HasSubstr(" " + key + "\n")) << key;
  }
  EXPECT_THAT(help, HasSubstr("INGESTD_CONFIG"));
  EXPECT_THAT(help, HasSubstr("--config PATH"));
  EXPECT_THAT(help, HasSubstr("Default: 127.0.0.1:50051."));
  EXPECT_THAT(help, HasSubstr("Default: <hostname>:<pid>."));
  EXPECT_THAT(help, HasSubstr("Accepts an integer from 1 to 64."));
  // Every documented flag parses: the help cannot drift from the parser.
  for (const std::string& key : keys) {
    std::string flag = "--";
    for (char c : key) flag += c == '_' ? '-' : c;
    auto parsed = ParseDaemonConfig({flag + "=?"}, {});
    if (!parsed.ok()) {
      EXPECT_THAT(parsed.error().message(), Not(HasSubstr("unknown flag"))) << flag;
    }
  }
}

TEST(IsLoopbackAddressTest, LoopbackHosts) {
  for (const char* address : {"127.0.0.1:1", "127.1.2.3:80", "localhost:9", "LOCALHOST:9", "[::1]:5",
                              "[::ffff:127.0.0.1]:5", "127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address : {"0.0.0.0:1", "[::]:1", "10.0.0.1:1", "128.0.0.1:1", "example.com:1",
                              "localhost.example.com:1", "[::2]:1", "", "[::1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

}  // namespace
}  // namespace ingestd::config
