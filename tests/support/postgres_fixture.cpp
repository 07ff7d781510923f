#include "tests/support/postgres_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/destinations/postgres/pg_connection.hpp"

namespace ingestd::testing {
namespace {

namespace fs = std::filesystem;
using destinations::postgres::PgConnection;

// A port the kernel just handed out on 127.0.0.1 (free a moment ago).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Tail(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  constexpr std::size_t kTail = 2000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

class LocalCluster {
 public:
  ~LocalCluster() { Stop(); }

  Result<std::string> Start() {
    const char* bindir_env = std::getenv("INGESTD_TEST_PG_BINDIR");
    bindir_ = bindir_env != nullptr ? bindir_env : "/usr/lib/postgresql/15/bin";
    if (!fs::exists(fs::path(bindir_) / "initdb")) {
      return FailedPrecondition("no initdb in " + bindir_ +
                                " (install postgresql-15, set INGESTD_TEST_PG_BINDIR, or set "
                                "INGESTD_TEST_PG_DSN to an existing server)");
    }
    char tmpl[] = "/tmp/ingestd-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return Internal("mkdtemp failed");
    dir_ = tmpl;
    as_user_.clear();
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) return FailedPrecondition("running as root but there is no postgres user");
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Internal("chown " + dir_.string());
      as_user_ = "runuser -u postgres -- ";
    }
    const fs::path data = dir_ / "data";
    const fs::path log = dir_ / "initdb.log";
    std::string cmd = as_user_ + bindir_ + "/initdb -D " + data.string() +
                      " -U postgres -A trust -E UTF8 --locale=C --no-sync > " + log.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0) return Internal("initdb failed: " + Tail(log));

    // The port may be taken between FreePort() and start: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      const fs::path server_log = dir_ / "server.log";
      cmd = as_user_ + bindir_ + "/pg_ctl -D " + data.string() + " -l " + server_log.string() +
            " -w -t 60 -o \"-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
            " -c unix_socket_directories=" + dir_.string() +
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start > " +
            (dir_ / "pg_ctl.log").string() + " 2>&1";
      if (std::system(cmd.c_str()) == 0) {
        started_ = true;
        break;
      }
      if (attempt == 4) return Internal("pg_ctl start failed: " + Tail(server_log));
    }
    const std::string base = "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres";
    // pg_ctl -w waits for readiness; connecting confirms it over TCP.
    Result<PgConnection> conn = PgConnection::Connect(base + " dbname=postgres");
    for (int i = 0; i < 50 && !conn.ok(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      conn = PgConnection::Connect(base + " dbname=postgres");
    }
    if (!conn.ok()) return conn.error();
    INGESTD_TRY(conn->Exec("CREATE DATABASE ingestd_test"));
    return base + " dbname=ingestd_test";
  }

  void Stop() {
    if (started_) {
      const std::string cmd = as_user_ + bindir_ + "/pg_ctl -D " + (dir_ / "data").string() +
                              " -m fast -w stop > /dev/null 2>&1";
      const int rc = std::system(cmd.c_str());
      (void)rc;
      started_ = false;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      dir_.clear();
    }
  }

 private:
  std::string bindir_;
  std::string as_user_;
  fs::path dir_;
  int port_ = 0;
  bool started_ = false;
};

}  // namespace

Result<std::string> TestPostgresDsn() {
  if (const char* dsn = std::getenv("INGESTD_TEST_PG_DSN"); dsn != nullptr && *dsn != '\0') {
    return std::string(dsn);
  }
  // Function-local statics: started on first use, stopped at exit.
  static LocalCluster cluster;
  static const Result<std::string> dsn = cluster.Start();
  return dsn;
}

std::string FreshDatasetName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::string name = prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::string UnreachableDsn() {
  return "host=127.0.0.1 port=" + std::to_string(FreePort()) + " user=postgres dbname=x connect_timeout=5";
}

}  // namespace ingestd::testing
