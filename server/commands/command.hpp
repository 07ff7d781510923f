#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace ingestd::commands {

/// One `ingestd` subcommand (`ingestd <name> [arguments]`).
///
/// Each command lives in its own `server/commands/<name>_command.cpp`
/// (picked up by the build's glob) and is listed once in command_table.cpp.
struct Command {
  /// What the user types after `ingestd`.
  std::string_view name;
  /// One line for the usage text, lower case, no final period.
  std::string_view summary;
  /// Runs the command like a sub-`main`: `argv[0]` is the command name and
  /// `argv[1..argc)` are its arguments. Returns the process exit code
  /// (0 success, 1 failure, 2 usage error).
  int (*run)(int argc, char** argv);
  /// Internal commands (started by ingestd itself, e.g. normalize workers)
  /// run when named but are left out of the usage text.
  bool hidden = false;
};

/// All commands in the order usage lists them. The table is static, so the
/// span is valid for the life of the program.
std::span<const Command> AllCommands();

/// The command called `name`, or nullptr when there is none.
const Command* FindCommand(std::string_view name);

/// Writes the usage text, listing AllCommands() with their summaries
/// (hidden ones left out).
void PrintUsage(std::ostream& out);

}  // namespace ingestd::commands
