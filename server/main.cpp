// ingestd: the daemon's binary. `ingestd <command> [arguments]`; the commands
// live in server/commands/, one file each, listed in command_table.cpp.
#include <exception>
#include <iostream>
#include <string_view>

#include "server/commands/command.hpp"

int main(int argc, char** argv) {
  namespace commands = ingestd::commands;
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (first == "--help" || first == "-h") {
    commands::PrintUsage(std::cout);
    return 0;
  }
  const commands::Command* command = commands::FindCommand(first);
  if (command == nullptr) {
    if (!first.empty()) std::cerr << "ingestd: unknown command '" << first << "'\n\n";
    commands::PrintUsage(std::cerr);
    return 2;
  }
  try {
    return command->run(argc - 1, argv + 1);
  } catch (const std::exception& e) {
    std::cerr << "ingestd " << command->name << ": " << e.what() << '\n';
    return 1;
  }
}
