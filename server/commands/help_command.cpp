#include <iostream>

#include "server/commands/command.hpp"

namespace ingestd::commands {

int RunHelp(int /*argc*/, char** /*argv*/) {
  PrintUsage(std::cout);
  return 0;
}

}  // namespace ingestd::commands
