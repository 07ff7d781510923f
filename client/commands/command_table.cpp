#include <algorithm>
#include <array>
#include <ostream>
#include <string>

#include "client/commands/command.hpp"
#include "client/global_options.hpp"

namespace ingestd::client::commands {

// Commands, each defined in its own <name>_command.cpp.
extern const Command kApplyCommand;
extern const Command kCancelCommand;
extern const Command kContractSetCommand;
extern const Command kContractShowCommand;
extern const Command kDescribePipelineCommand;
extern const Command kDescribeRunCommand;
extern const Command kGetPipelinesCommand;
extern const Command kGetRunsCommand;
extern const Command kHelpCommand;
extern const Command kPushCommand;
extern const Command kRunCommand;
extern const Command kSchemaDiffCommand;
extern const Command kSchemaShowCommand;
extern const Command kSchemaVersionsCommand;
extern const Command kStateResetCommand;
extern const Command kStateShowCommand;
extern const Command kVersionCommand;
extern const Command kWatchCommand;

namespace {

// To add a command: write client/commands/<name>_command.cpp defining
// `extern constinit const Command k<Name>Command{...}` in this namespace,
// declare it above, and add it here. Keep the lines sorted by name: usage
// lists them in this order.
constexpr std::array<const Command*, 18> kCommands{
    &kApplyCommand,
    &kCancelCommand,
    &kContractSetCommand,
    &kContractShowCommand,
    &kDescribePipelineCommand,
    &kDescribeRunCommand,
    &kGetPipelinesCommand,
    &kGetRunsCommand,
    &kHelpCommand,
    &kPushCommand,
    &kRunCommand,
    &kSchemaDiffCommand,
    &kSchemaShowCommand,
    &kSchemaVersionsCommand,
    &kStateResetCommand,
    &kStateShowCommand,
    &kVersionCommand,
    &kWatchCommand,
};

constexpr std::string_view kExitCodes =
    R"(exit codes:
  0  success
  1  the run failed or was cancelled (run --wait, watch, push)
  2  usage error: bad flags or arguments, a file that cannot be read
  3  not found (pipeline, run, schema version)
  4  unauthenticated or permission denied
  5  failed precondition (a run is already active, the pipeline is paused, ...)
  6  daemon unavailable or deadline exceeded
  7  any other error from the daemon
)";

std::string FlagLabel(const FlagSpec& flag) {
  std::string label;
  if (!flag.short_name.empty()) label += std::string(flag.short_name) + ", ";
  label += flag.name;
  if (flag.takes_value()) label += " " + std::string(flag.value_name);
  return label;
}

void PrintFlags(std::span<const FlagSpec> flags, std::ostream& out) {
  std::size_t width = 0;
  for (const FlagSpec& flag : flags) width = std::max(width, FlagLabel(flag).size());
  for (const FlagSpec& flag : flags) {
    const std::string label = FlagLabel(flag);
    out << "  " << label << std::string(width - label.size() + 2, ' ') << flag.help << '\n';
  }
}

void PrintUsageLine(const Command& command, std::ostream& out) {
  out << "  " << command.name;
  if (!command.synopsis.empty()) out << ' ' << command.synopsis;
  out << "\n      " << command.summary << '\n';
}

}  // namespace

std::span<const Command* const> AllCommands() { return kCommands; }

const Command* FindCommand(std::string_view name) {
  const auto it = std::ranges::find(kCommands, name, &Command::name);
  return it == kCommands.end() ? nullptr : *it;
}

bool IsCommandGroup(std::string_view word) {
  return std::ranges::any_of(kCommands, [&](const Command* command) {
    return command->name.size() > word.size() && command->name.starts_with(word) &&
           command->name[word.size()] == ' ';
  });
}

void PrintUsage(std::ostream& out) {
  out << "usage: ingestctl [global flags] <command> [arguments]\n\n"
         "The command-line client of the ingestd daemon (API ingestd.v1.Control).\n\n"
         "commands:\n";
  for (const Command* command : kCommands) PrintUsageLine(*command, out);
  out << "\nglobal flags (anywhere on the line):\n";
  PrintFlags(GlobalFlags(), out);
  out << "\nenvironment:\n"
         "  INGESTD_ADDRESS  the daemon's address when --address is not given\n"
         "  INGESTD_TOKEN    the bearer token when neither --token nor --token-file is given\n\n"
      << kExitCodes
      << "\n'ingestctl <command> --help' shows a command's flags.\n";
}

void PrintCommandUsage(const Command& command, std::ostream& out) {
  out << "usage: ingestctl " << command.name;
  if (!command.synopsis.empty()) out << ' ' << command.synopsis;
  out << "\n\n";
  if (!command.description.empty()) {
    out << command.description;
  } else {
    // The summary as a sentence: "Show the usage of every command, or of one."
    std::string sentence(command.summary);
    if (!sentence.empty() && sentence[0] >= 'a' && sentence[0] <= 'z') {
      sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
    }
    out << sentence << ".\n";
  }
  if (!command.flags.empty()) {
    out << "\nflags:\n";
    PrintFlags(command.flags, out);
  }
  out << "\nglobal flags (anywhere on the line):\n";
  PrintFlags(GlobalFlags(), out);
}

void PrintGroupUsage(std::string_view group, std::ostream& out) {
  out << "usage: ingestctl " << group << " <";
  bool first = true;
  for (const Command* command : kCommands) {
    if (command->name.starts_with(group) && command->name.size() > group.size() &&
        command->name[group.size()] == ' ') {
      out << (first ? "" : "|") << command->name.substr(group.size() + 1);
      first = false;
    }
  }
  out << "> ...\n\ncommands:\n";
  for (const Command* command : kCommands) {
    if (command->name.starts_with(group) && command->name.size() > group.size() &&
        command->name[group.size()] == ' ') {
      PrintUsageLine(*command, out);
    }
  }
  out << "\n'ingestctl " << group << " <command> --help' shows a command's flags.\n";
}

}  // namespace ingestd::client::commands
