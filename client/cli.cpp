#include "client/cli.hpp"

#include <ostream>
#include <vector>

#include "client/exit_codes.hpp"
#include "client/output_format.hpp"

namespace ingestd::client {
namespace {

bool IsHelpFlag(std::string_view arg) { return arg == "--help" || arg == "-h"; }

// Moves the global flags at args[i...] (and their values) to `globals` and
// advances i to the first argument that is not one. False for a flag that is
// neither global nor --help (it belongs to no command yet).
bool TakeGlobalFlags(std::span<const std::string> args, std::size_t& i, std::vector<std::string>& globals,
                     bool& help, std::string& unknown) {
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (IsHelpFlag(arg)) {
      help = true;
      continue;
    }
    if (!arg.starts_with('-') || arg == "-") return true;
    const FlagSpec* flag = FindFlag(arg, GlobalFlags());
    if (flag == nullptr) {
      unknown = arg;
      return false;
    }
    globals.push_back(arg);
    // A missing value is ParseFlags' to report, with the command's name.
    if (flag->takes_value() && arg.find('=') == std::string::npos && i + 1 < args.size()) {
      globals.push_back(args[++i]);
    }
  }
  return true;
}

int CommandLineError(std::ostream& out, std::ostream& err, std::string_view message, std::string_view see) {
  out << std::flush;
  err << "ingestctl: " << message << " (see 'ingestctl " << see << "')" << std::endl;
  return kExitUsage;
}

}  // namespace

int RunIngestctl(std::span<const std::string> args, const EnvLookup& env, std::ostream& out,
                 std::ostream& err, commands::TerminalInfo terminal, commands::ClientFactory factory) {
  std::vector<std::string> globals;
  bool help = false;
  std::string unknown;
  std::size_t i = 0;
  if (!TakeGlobalFlags(args, i, globals, help, unknown)) {
    return CommandLineError(out, err, "unknown flag " + unknown, "help");
  }
  if (i == args.size()) {
    commands::PrintUsage(help ? out : err);
    return help ? kExitOk : kExitUsage;
  }

  const std::string word = args[i++];
  const commands::Command* command = commands::FindCommand(word);
  if (command == nullptr && commands::IsCommandGroup(word)) {
    if (!TakeGlobalFlags(args, i, globals, help, unknown)) {
      return CommandLineError(out, err, word + " needs a command before " + unknown, word + " --help");
    }
    if (i == args.size()) {
      if (help) {
        commands::PrintGroupUsage(word, out);
        return kExitOk;
      }
      return CommandLineError(out, err, word + " needs a command", word + " --help");
    }
    const std::string name = word + " " + args[i++];
    command = commands::FindCommand(name);
    if (command == nullptr) {
      return CommandLineError(out, err, "unknown command '" + name + "'", word + " --help");
    }
  }
  if (command == nullptr) return CommandLineError(out, err, "unknown command '" + word + "'", "help");

  std::vector<std::string> rest = std::move(globals);
  rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  auto parsed = ParseFlags(rest, GlobalFlags(), command->flags);
  const std::string see = std::string(command->name) + " --help";
  if (!parsed.ok()) {
    return CommandLineError(out, err, std::string(command->name) + ": " + parsed.error().message(), see);
  }
  if (help || parsed->help()) {
    commands::PrintCommandUsage(*command, out);
    return kExitOk;
  }
  const std::size_t count = parsed->positionals().size();
  if (count < command->min_args) {
    return CommandLineError(out, err,
                            std::string(command->name) + ": missing argument; usage: ingestctl " +
                                std::string(command->name) + " " + std::string(command->synopsis),
                            see);
  }
  if (count > command->max_args) {
    return CommandLineError(
        out, err,
        std::string(command->name) + ": unexpected argument '" + parsed->positionals()[command->max_args] + "'",
        see);
  }
  auto options = ResolveGlobalOptions(*parsed, env);
  if (!options.ok()) {
    out << std::flush;
    err << "ingestctl: " << OneLine(options.error().message()) << std::endl;
    return kExitUsage;
  }
  commands::CommandContext context(*command, std::move(*options), out, err, terminal, std::move(factory));
  return command->run(context, *parsed);
}

}  // namespace ingestd::client
