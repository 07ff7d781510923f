#include "client/flags.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace ingestd::client {
namespace {

const std::vector<std::string>& NoValues() {
  static const std::vector<std::string> kEmpty;
  return kEmpty;
}

std::string_view FlagPart(std::string_view arg) {
  if (arg.starts_with("--")) {
    if (const auto eq = arg.find('='); eq != std::string_view::npos) return arg.substr(0, eq);
  }
  return arg;
}

}  // namespace

bool ParsedArgs::Has(std::string_view flag) const { return values_.find(flag) != values_.end(); }

std::optional<std::string> ParsedArgs::Value(std::string_view flag) const {
  const auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

const std::vector<std::string>& ParsedArgs::Values(std::string_view flag) const {
  const auto it = values_.find(flag);
  return it == values_.end() ? NoValues() : it->second;
}

const FlagSpec* FindFlag(std::string_view arg, std::span<const FlagSpec> specs) {
  const std::string_view flag = FlagPart(arg);
  for (const FlagSpec& spec : specs) {
    if (flag == spec.name || (!spec.short_name.empty() && flag == spec.short_name)) return &spec;
  }
  return nullptr;
}

Result<ParsedArgs> ParseFlags(std::span<const std::string> args, std::span<const FlagSpec> specs,
                              std::span<const FlagSpec> more_specs) {
  ParsedArgs parsed;
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg == "-" || !arg.starts_with('-')) {
      parsed.positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help_ = true;
      continue;
    }
    const FlagSpec* spec = FindFlag(arg, specs);
    if (spec == nullptr) spec = FindFlag(arg, more_specs);
    if (spec == nullptr) return InvalidArgument("unknown flag " + std::string(FlagPart(arg)));

    const std::string name(spec->name);
    std::vector<std::string>& values = parsed.values_[name];
    if (!values.empty() && !spec->repeatable) return InvalidArgument(name + " given twice");
    const auto eq = arg.starts_with("--") ? arg.find('=') : std::string::npos;
    if (!spec->takes_value()) {
      if (eq != std::string::npos) return InvalidArgument(name + " takes no value");
      values.emplace_back();
      continue;
    }
    if (eq != std::string::npos) {
      values.push_back(arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      values.push_back(args[++i]);
    } else {
      return InvalidArgument(name + " needs a value (" + name + " " + std::string(spec->value_name) +
                             ")");
    }
  }
  return parsed;
}

Result<std::uint64_t> ParseUnsignedFlag(std::string_view flag, std::string_view text,
                                        std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > max) {
    return InvalidArgument(std::string(flag) + " needs a whole number from 0 to " +
                           std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  return value;
}

Result<double> ParseSecondsFlag(std::string_view flag, std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = copy.empty() ? -1 : std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0 ||
      value > 1e9) {
    return InvalidArgument(std::string(flag) + " needs a number of seconds, got '" + copy + "'");
  }
  return value;
}

std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace ingestd::client
