// ingestctl: the command-line client of the ingestd daemon.
//
// `ingestctl [global flags] <command> [arguments]`. This file is the process
// entry only: the commands live in client/commands/ (one file each, listed
// in command_table.cpp) and the dispatch in client/cli.cpp, so that tests
// run the same code.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "client/cli.hpp"
#include "client/control_client.hpp"
#include "client/exit_codes.hpp"
#include "client/progress.hpp"

int main(int argc, char** argv) {
  namespace client = ingestd::client;
  const std::vector<std::string> args(argv + 1, argv + argc);
  client::commands::TerminalInfo terminal;
  terminal.stderr_is_terminal = isatty(STDERR_FILENO) == 1;
  if (terminal.stderr_is_terminal) terminal.width = client::TerminalWidth(STDERR_FILENO);
  try {
    return client::RunIngestctl(args, client::ProcessEnvironment(), std::cout, std::cerr, terminal,
                                &client::ControlClient::Connect);
  } catch (const std::exception& e) {
    std::cout << std::flush;
    std::cerr << "ingestctl: INTERNAL: " << e.what() << std::endl;
    return client::kExitRpcError;
  }
}
