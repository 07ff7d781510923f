// ingestctl: the command-line client of the ingestd daemon.
//
// For now it only knows `--help` and `version`; the daemon issue brings the
// real commands (apply, run, list, watch, cancel...) as
// client/commands/<name>_command.cpp over the ingestd.v1.Control API.
#include <iostream>
#include <string_view>

#include <grpcpp/grpcpp.h>

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: ingestctl <command> [arguments]\n\n"
         "commands:\n"
         "  help     list the commands\n"
         "  version  print the version of ingestctl and of its gRPC library\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  if (command == "--help" || command == "-h" || command == "help") {
    PrintUsage(std::cout);
    return 0;
  }
  if (command == "version" && argc == 2) {
    std::cout << "ingestctl " << INGESTD_VERSION << " (gRPC " << grpc::Version() << ")\n";
    return 0;
  }
  if (!command.empty()) std::cerr << "ingestctl: unknown command '" << command << "'\n\n";
  PrintUsage(std::cerr);
  return 2;
}
