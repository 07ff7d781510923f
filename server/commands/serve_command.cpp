// `ingestd serve`: the long-running daemon (gRPC control plane, scheduler,
// /metrics). Configuration from flags, INGESTD_* variables and an optional
// config file (server/config/daemon_config.hpp; docs/daemon.md).

#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/log.hpp"
#include "server/config/daemon_config.hpp"
#include "server/daemon/daemon.hpp"

extern char** environ;

namespace ingestd::commands {

int RunServe(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << "usage: ingestd serve [options]\n\n" << config::DaemonConfigHelp();
      return 0;
    }
    args.emplace_back(arg);
  }
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry = *e;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || !entry.starts_with("INGESTD_")) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  auto config = config::ParseDaemonConfig(args, env);
  if (!config.ok()) {
    std::cerr << "ingestd serve: " << config.error().message() << "\n(see ingestd serve --help)\n";
    return 2;
  }
  if (auto level = log::ParseLevel(config->log_level)) log::SetLevel(*level);
  return daemon::RunDaemon(*config);
}

}  // namespace ingestd::commands
