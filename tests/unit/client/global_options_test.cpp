#include "client/global_options.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace ingestd::client {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<GlobalOptions> Resolve(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  auto parsed = ParseFlags(args, GlobalFlags());
  if (!parsed.ok()) return parsed.error();
  return ResolveGlobalOptions(*parsed, FakeEnv(std::move(env)));
}

class TempFile {
 public:
  explicit TempFile(const std::string& contents)
      : path_(std::filesystem::temp_directory_path() /
              ("ingestctl_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)))) {
    std::ofstream(path_) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(GlobalOptionsTest, Defaults) {
  auto options = Resolve({});
  ASSERT_TRUE(options.ok()) << options.error().message();
  EXPECT_EQ(options->connection.address, "127.0.0.1:50051");
  EXPECT_EQ(options->connection.token, "");
  EXPECT_FALSE(options->connection.tls);
  EXPECT_EQ(options->connection.timeout, std::chrono::seconds(30));
  EXPECT_EQ(options->output, OutputFormat::kTable);
}

TEST(GlobalOptionsTest, EnvironmentFillsInAndFlagsWin) {
  const std::map<std::string, std::string> env{{"INGESTD_ADDRESS", "daemon:6000"}, {"INGESTD_TOKEN", "env-token\n"}};
  auto options = Resolve({}, env);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->connection.address, "daemon:6000");
  EXPECT_EQ(options->connection.token, "env-token");

  options = Resolve({"--address", "other:7000", "--token", "flag-token"}, env);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->connection.address, "other:7000");
  EXPECT_EQ(options->connection.token, "flag-token");
}

TEST(GlobalOptionsTest, EmptyAddressVariableMeansUnset) {
  auto options = Resolve({}, {{"INGESTD_ADDRESS", ""}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->connection.address, "127.0.0.1:50051");
}

TEST(GlobalOptionsTest, TokenFileIsReadAndTrimmedAndBeatsTheEnvironment) {
  TempFile file("  secret-token\n\n");
  auto options = Resolve({"--token-file", file.path()}, {{"INGESTD_TOKEN", "env-token"}});
  ASSERT_TRUE(options.ok()) << options.error().message();
  EXPECT_EQ(options->connection.token, "secret-token");
}

TEST(GlobalOptionsTest, TokenMistakesAreUsageErrorsThatNeverShowTheToken) {
  TempFile empty("\n");
  auto options = Resolve({"--token-file", empty.path()});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().message().find("is empty"), std::string::npos);

  options = Resolve({"--token-file", "/nonexistent/token"});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().message().find("cannot read /nonexistent/token"), std::string::npos);

  options = Resolve({"--token", "a", "--token-file", empty.path()});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error().message(), "--token and --token-file exclude each other");

  options = Resolve({"--token", "bad\x01secret"});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error().message().find("secret"), std::string::npos);
  EXPECT_EQ(options.error().code(), ErrorCode::kInvalidArgument);
}

TEST(GlobalOptionsTest, TlsFlags) {
  auto options = Resolve({"--tls"});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->connection.tls);

  options = Resolve({"--tls-ca", "ca.pem", "--tls-cert", "c.pem", "--tls-key", "k.pem"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->connection.tls_ca_file, "ca.pem");
  EXPECT_EQ(options->connection.tls_cert_file, "c.pem");
  EXPECT_EQ(options->connection.tls_key_file, "k.pem");

  options = Resolve({"--tls-cert", "c.pem"});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().message().find("--tls-key"), std::string::npos);
}

TEST(GlobalOptionsTest, OutputAndTimeout) {
  auto options = Resolve({"-o", "json", "--timeout", "2.5"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->output, OutputFormat::kJson);
  EXPECT_EQ(options->connection.timeout, std::chrono::milliseconds(2500));

  options = Resolve({"--timeout", "0"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->connection.timeout.count(), 0);

  options = Resolve({"--output", "yaml"});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error().message(), "-o needs table or json, got 'yaml'");
  EXPECT_FALSE(Resolve({"--timeout", "soon"}).ok());
}

}  // namespace
}  // namespace ingestd::client
