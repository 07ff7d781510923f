// `ingestctl help [COMMAND]`: usage of every command, or of one.

#include <ostream>

#include "client/commands/command.hpp"
#include "client/exit_codes.hpp"

namespace ingestd::client::commands {
namespace {

int RunHelp(CommandContext& context, const ParsedArgs& args) {
  const auto& words = args.positionals();
  if (words.empty()) {
    PrintUsage(context.out());
    return kExitOk;
  }
  std::string name = words[0];
  for (std::size_t i = 1; i < words.size(); ++i) name += " " + words[i];
  if (const Command* command = FindCommand(name)) {
    PrintCommandUsage(*command, context.out());
    return kExitOk;
  }
  if (words.size() == 1 && IsCommandGroup(name)) {
    PrintGroupUsage(name, context.out());
    return kExitOk;
  }
  return context.UsageError("unknown command '" + name + "'");
}

}  // namespace

extern constinit const Command kHelpCommand{
    .name = "help",
    .synopsis = "[COMMAND]",
    .summary = "show the usage of every command, or of one",
    .description = "",
    .flags = {},
    .min_args = 0,
    .max_args = 2,
    .run = &RunHelp,
};

}  // namespace ingestd::client::commands
