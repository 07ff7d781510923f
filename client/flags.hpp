#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace ingestd::client {

/// One flag that ingestctl or one of its commands accepts. Plain data, so a
/// command's flags are a constexpr array that both the parser and the help
/// text read (they cannot drift apart).
struct FlagSpec {
  /// Long form with its dashes: "--limit".
  std::string_view name;
  /// Short form with its dash ("-f"), or empty.
  std::string_view short_name;
  /// Placeholder of the value in help ("N"); empty for a switch.
  std::string_view value_name;
  /// One line for the help text, lower case, no final period.
  std::string_view help;
  /// May be given more than once (all values are kept); otherwise a second
  /// occurrence is a usage error.
  bool repeatable = false;

  bool takes_value() const { return !value_name.empty(); }
};

/// What ParseFlags found: flag values by long name, and the positional
/// arguments in order.
class ParsedArgs {
 public:
  /// The flag (long name, "--limit") was given.
  bool Has(std::string_view flag) const;
  /// The flag's last value; nullopt when it was not given ("" for a switch).
  std::optional<std::string> Value(std::string_view flag) const;
  /// Every value given for the flag, in order (empty when not given).
  const std::vector<std::string>& Values(std::string_view flag) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  /// `--help` or `-h` appeared.
  bool help() const { return help_; }

 private:
  friend Result<ParsedArgs> ParseFlags(std::span<const std::string> args,
                                       std::span<const FlagSpec> specs,
                                       std::span<const FlagSpec> more_specs);

  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

/// Parses `args` (no program or command name) against the flags of `specs`
/// and `more_specs` (ingestctl's global flags and a command's own).
///
/// Accepted forms: `--name value`, `--name=value`, `-f value`, and `--`
/// (everything after it is positional). A value flag takes the next argument
/// whatever it looks like, so `-f -` means stdin. A lone `-` is positional.
/// `--help` and `-h` set help(). Errors (kInvalidArgument, the message names
/// the flag): unknown flag, missing value, a value given to a switch, and a
/// flag that is not repeatable given twice.
Result<ParsedArgs> ParseFlags(std::span<const std::string> args, std::span<const FlagSpec> specs,
                              std::span<const FlagSpec> more_specs = {});

/// The spec whose long or short name is `arg`'s flag part (`--a=b` → `--a`),
/// or nullptr.
const FlagSpec* FindFlag(std::string_view arg, std::span<const FlagSpec> specs);

/// A whole non-negative decimal number no larger than `max`, for the value
/// of `flag` (the error message names it).
Result<std::uint64_t> ParseUnsignedFlag(std::string_view flag, std::string_view text,
                                        std::uint64_t max);

/// A non-negative number of seconds, decimals allowed ("2.5").
Result<double> ParseSecondsFlag(std::string_view flag, std::string_view text);

/// Splits "a,b,,c" into {"a", "b", "c"} (empty items dropped).
std::vector<std::string> SplitCommaList(std::string_view text);

}  // namespace ingestd::client
