#pragma once

#include <iosfwd>
#include <span>
#include <string>

#include "client/commands/command.hpp"
#include "client/global_options.hpp"

namespace ingestd::client {

/// Everything of ingestctl's main() but the process: finds the command in
/// `args` (argv without the program name), parses the global and the
/// command's flags wherever they stand, resolves the options against `env`,
/// and runs the command. Returns the exit code (client/exit_codes.hpp).
///
/// `ingestctl`, `ingestctl help`, `ingestctl --help`: usage of every
/// command; `ingestctl <command> --help` and `ingestctl help <command>`:
/// one command's; `ingestctl get --help`: a group's.
int RunIngestctl(std::span<const std::string> args, const EnvLookup& env, std::ostream& out,
                 std::ostream& err, commands::TerminalInfo terminal, commands::ClientFactory factory);

}  // namespace ingestd::client
