#include "server/commands/command.hpp"

#include <algorithm>
#include <array>
#include <ostream>
#include <string>

namespace ingestd::commands {

// Entry points, each defined in its own <name>_command.cpp.
int RunHelp(int argc, char** argv);
int RunNormalize(int argc, char** argv);
int RunNormalizeWorker(int argc, char** argv);
int RunRun(int argc, char** argv);
int RunServe(int argc, char** argv);
int RunVersion(int argc, char** argv);

namespace {

// To add a command: write server/commands/<name>_command.cpp defining
// `int Run<Name>(int argc, char** argv)` in this namespace, declare it above,
// and add its line here. Keep the lines sorted by name: usage lists them in
// this order.
constexpr std::array kCommands{
    Command{"help", "list the commands", &RunHelp},
    Command{"normalize", "normalize JSON files into typed tables and print them (loads nothing)", &RunNormalize},
    Command{"normalize-worker", "internal: a normalize worker process, started by ingestd itself",
            &RunNormalizeWorker, /*hidden=*/true},
    Command{"run", "run a pipeline once from its spec file and print the load summary", &RunRun},
    Command{"serve", "run the daemon: gRPC control plane, scheduler and /metrics (see serve --help)", &RunServe},
    Command{"version", "print the version of ingestd", &RunVersion},
};

}  // namespace

std::span<const Command> AllCommands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  const auto it = std::ranges::find(kCommands, name, &Command::name);
  return it == kCommands.end() ? nullptr : &*it;
}

void PrintUsage(std::ostream& out) {
  std::size_t name_width = 0;
  for (const Command& command : kCommands) {
    if (!command.hidden) name_width = std::max(name_width, command.name.size());
  }
  out << "usage: ingestd <command> [arguments]\n\ncommands:\n";
  for (const Command& command : kCommands) {
    if (command.hidden) continue;
    out << "  " << command.name << std::string(name_width - command.name.size() + 2, ' ')
        << command.summary << '\n';
  }
}

}  // namespace ingestd::commands
