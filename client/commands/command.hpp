#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "client/control_client.hpp"
#include "client/flags.hpp"
#include "client/global_options.hpp"
#include "core/common/result.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::client::commands {

class CommandContext;

/// One `ingestctl` command: a word ("run") or a group and a subcommand
/// ("get runs", "schema diff").
///
/// Each top-level command lives in its own client/commands/<name>_command.cpp
/// (picked up by the build's glob), which defines its Command objects; the
/// table in command_table.cpp lists them once. The flags are data, so the
/// parser and the help text read the same list.
struct Command {
  /// What the user types after `ingestctl`: "get runs".
  std::string_view name;
  /// What follows the name in the usage line: "PIPELINE [--wait] ...".
  std::string_view synopsis;
  /// One line for the command list, lower case, no final period.
  std::string_view summary;
  /// Paragraphs for `<command> --help`; may be empty.
  std::string_view description;
  /// The command's own flags (the global ones come on top).
  std::span<const FlagSpec> flags;
  /// How many positional arguments it takes.
  std::size_t min_args = 0;
  std::size_t max_args = 0;
  /// Runs it; returns the process exit code (client/exit_codes.hpp).
  int (*run)(CommandContext& context, const ParsedArgs& args) = nullptr;
};

/// All commands in the order usage lists them (static: valid for the life
/// of the program).
std::span<const Command* const> AllCommands();

/// The command called `name` ("get runs"), or nullptr.
const Command* FindCommand(std::string_view name);

/// True when `word` starts commands of the form "word sub" ("get").
bool IsCommandGroup(std::string_view word);

/// `ingestctl help`: every command's usage line and summary, the global
/// flags, the environment variables and the exit codes.
void PrintUsage(std::ostream& out);

/// `ingestctl <command> --help`: usage line, description, flags.
void PrintCommandUsage(const Command& command, std::ostream& out);

/// `ingestctl get --help`: the usage lines of the group's commands.
void PrintGroupUsage(std::string_view group, std::ostream& out);

/// Makes the connection for a command (ControlClient::Connect; tests put an
/// in-process server behind it).
using ClientFactory = std::function<Result<std::unique_ptr<ControlClient>>(const ConnectionOptions&)>;

/// Whether stderr is a terminal (live progress redraws one line) and how wide.
struct TerminalInfo {
  bool stderr_is_terminal = false;
  std::size_t width = 80;
};

/// What a running command works with: its options, its output streams and
/// (made on first use) its connection. Also the one place that prints
/// errors, so that every failure is one line in the same form.
class CommandContext {
 public:
  CommandContext(const Command& command, GlobalOptions options, std::ostream& out, std::ostream& err,
                 TerminalInfo terminal, ClientFactory factory);

  const Command& command() const { return command_; }
  const GlobalOptions& options() const { return options_; }
  bool json() const { return options_.output == OutputFormat::kJson; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  const TerminalInfo& terminal() const { return terminal_; }

  /// The connection, created on the first call (errors: bad TLS files).
  Result<ControlClient*> Client();

  /// Prints `ingestctl: <CODE>: <message>` and returns the status's exit code.
  int Fail(const grpc::Status& status);
  /// A local failure (unreadable file, invalid input): prints
  /// `ingestctl: <message>` and returns kExitUsage.
  int Fail(const Error& error);
  /// Prints `ingestctl: <command>: <message> (see 'ingestctl <command> --help')`
  /// and returns kExitUsage.
  int UsageError(std::string_view message);
  /// Prints the message as one JSON document on stdout; returns kExitOk.
  int PrintJson(const google::protobuf::Message& message);
  /// For a run that finished without success: prints
  /// `ingestctl: run <id> failed: <CODE>: <message>` and returns kExitRunFailed.
  int RunNotSucceeded(const v1::Run& run);

 private:
  const Command& command_;
  GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  TerminalInfo terminal_;
  ClientFactory factory_;
  std::unique_ptr<ControlClient> client_;
};

/// Follows a run to its end with live progress on stderr (WatchRun, with
/// reconnections), then prints the finished run (details or JSON) on stdout.
/// Returns kExitOk when it succeeded, kExitRunFailed when it failed or was
/// cancelled, or the exit code of the error that ended the watch. Shared by
/// `run --wait` and `watch` (defined in watch_command.cpp).
int FollowRun(CommandContext& context, ControlClient& client, const std::string& run_id);

}  // namespace ingestd::client::commands
