#include <iostream>

#include "ingestd/v1/control.pb.h"
#include "server/commands/command.hpp"

namespace ingestd::commands {

int RunVersion(int argc, char** /*argv*/) {
  if (argc > 1) {
    std::cerr << "usage: ingestd version\n";
    return 2;
  }
  // Goes through the message that the Control.GetVersion RPC returns, so the
  // version a client sees and the one printed here come from one place (the
  // daemon issue moves the filling of it next to the RPC handler).
  v1::GetVersionResponse info;
  info.set_version(INGESTD_VERSION);
  std::cout << "ingestd " << info.version() << '\n';
  return 0;
}

}  // namespace ingestd::commands
