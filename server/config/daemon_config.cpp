#include "server/config/daemon_config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/common/ascii.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"
#include "core/package/file_io.hpp"

namespace ingestd::config {
namespace {

// A config file is a screenful of keys; anything bigger is the wrong file.
constexpr std::size_t kMaxConfigFileBytes = 1u << 20;

enum class Kind {
  kPath,          // non-empty string
  kOptionalPath,  // string, empty means "not set"
  kSecret,        // string never echoed in messages (a DSN may hold a password)
  kAddress,       // host:port
  kIdentifier,    // SQL identifier: [a-z_][a-z0-9_]*, at most 63 bytes
  kText,          // printable string, empty allowed
  kChoice,        // one of `choices`
  kCount,         // integer in [min, max]
  kSeconds,       // finite number in [min, max]
};

using Field = std::variant<std::monostate, std::string DaemonConfig::*, std::size_t DaemonConfig::*,
                           double DaemonConfig::*>;

struct Option {
  std::string_view key;  // file key and field name; "config" has no file key
  std::string_view value_name;
  Kind kind;
  Field field;
  std::string_view meaning;
  std::string_view default_text = {};  // empty: derived from DaemonConfig{}
  double min = 0;
  double max = 0;
  std::vector<std::string_view> choices = {};
};

}  // namespace

std::size_t DefaultNormalizeWorkers() { return std::max(1u, std::thread::hardware_concurrency()); }

namespace {

// The one list of options: parsing, `--help` and the error suggestions all
// come from it, so they cannot disagree.
const std::vector<Option>& Options() {
  static const std::vector<Option> options = {
      {"config", "PATH", Kind::kPath, std::monostate{},
       "JSON file whose keys are the FILE KEYs here (not itself a file key).", "(none)"},
      {"data_dir", "PATH", Kind::kPath, &DaemonConfig::data_dir,
       "Root of pipelines' files, load packages and the SQLite catalog."},
      {"grpc_listen", "HOST:PORT", Kind::kAddress, &DaemonConfig::grpc_listen,
       "gRPC listen address; [::1]:PORT for IPv6, port 0 picks a free port."},
      {"http_listen", "HOST:PORT", Kind::kAddress, &DaemonConfig::http_listen,
       "HTTP listen address for /metrics, /healthz and /readyz."},
      {"catalog", "KIND", Kind::kChoice, &DaemonConfig::catalog,
       "Stores pipelines and runs: sqlite (<data_dir>/catalog.sqlite) or postgres.", {}, 0, 0,
       {"sqlite", "postgres"}},
      {"catalog_dsn", "DSN", Kind::kSecret, &DaemonConfig::catalog_dsn,
       "For postgres: libpq connection string, or env:NAME / file:PATH holding one.", "(none)"},
      {"catalog_schema", "NAME", Kind::kIdentifier, &DaemonConfig::catalog_schema,
       "For postgres: the schema holding the catalog's tables."},
      {"tokens_file", "PATH", Kind::kOptionalPath, &DaemonConfig::tokens_file,
       "Bearer tokens file (JSON). Unset: auth off, allowed only on loopback.", "(none)"},
      {"tls_cert_file", "PATH", Kind::kOptionalPath, &DaemonConfig::tls_cert_file,
       "TLS certificate chain (PEM) for gRPC; needs --tls-key-file.", "(none: plaintext)"},
      {"tls_key_file", "PATH", Kind::kOptionalPath, &DaemonConfig::tls_key_file,
       "TLS private key (PEM) for gRPC; needs --tls-cert-file.", "(none)"},
      {"tls_client_ca_file", "PATH", Kind::kOptionalPath, &DaemonConfig::tls_client_ca_file,
       "CA bundle (PEM); set, gRPC clients need a certificate it signed. Needs TLS.", "(none)"},
      {"io_threads", "N", Kind::kCount, &DaemonConfig::io_threads, "Threads of the I/O loop (timers, /metrics).", {},
       1, 64},
      {"blocking_threads", "N", Kind::kCount, &DaemonConfig::blocking_threads,
       "Threads for runs, catalog and file I/O; at least max_concurrent_runs + 2.", {}, 1, 1024},
      {"max_concurrent_runs", "N", Kind::kCount, &DaemonConfig::max_concurrent_runs,
       "Runs executing at once over all pipelines.", {}, 1, 256},
      {"max_queued_runs", "N", Kind::kCount, &DaemonConfig::max_queued_runs,
       "Runs waiting beyond this many are refused (RESOURCE_EXHAUSTED).", {}, 0, 100000},
      {"normalize_workers", "N", Kind::kCount, &DaemonConfig::normalize_workers,
       "Normalize worker processes shared by all runs; 0: normalize in the daemon.", "(number of cores)", 0, 256},
      {"normalize_memory_limit_mb", "MIB", Kind::kCount, &DaemonConfig::normalize_memory_limit_mb,
       "Address-space limit of each normalize worker (a job over it fails alone); 0: none.", {}, 0,
       1u << 22},
      {"max_message_bytes", "BYTES", Kind::kCount, &DaemonConfig::max_message_bytes,
       "Largest gRPC message accepted.", {}, 1024, 1u << 30},
      {"shutdown_grace_seconds", "SECONDS", Kind::kSeconds, &DaemonConfig::shutdown_grace_seconds,
       "On SIGTERM, how long running runs get to reach a safe point.", {}, 0, 3600},
      {"instance_id", "ID", Kind::kText, &DaemonConfig::instance_id,
       "This instance's name as owner of catalog rows (runs it executes).", "<hostname>:<pid>"},
      {"log_level", "LEVEL", Kind::kChoice, &DaemonConfig::log_level, "Least severe log lines written.", {}, 0, 0,
       {"debug", "info", "warn", "error"}},
  };
  return options;
}

std::string FlagName(const Option& o) {
  std::string flag = "--" + std::string(o.key);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string EnvName(const Option& o) {
  std::string env = "INGESTD_";
  for (char c : o.key) env += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return env;
}

bool HasFileKey(const Option& o) { return !std::holds_alternative<std::monostate>(o.field); }

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string FormatNumber(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", value);
  return buf;
}

std::string RangeText(const Option& o) {
  return (o.kind == Kind::kCount ? "an integer from " : "a number of seconds from ") + FormatNumber(o.min) +
         " to " + FormatNumber(o.max);
}

std::string ChoicesText(const Option& o) {
  std::string text;
  for (std::size_t i = 0; i < o.choices.size(); ++i) {
    if (i > 0) text += i + 1 == o.choices.size() ? " or " : ", ";
    text += Quoted(o.choices[i]);
  }
  return text;
}

// ---------------------------------------------------------------------------
// Suggestions for misspelt names

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Compares names as the same option however it was spelt: flag, variable or
// file key ("--data-dir", "INGESTD_DATA_DIR" and "data_dir" are all equal).
std::string Normalize(std::string_view name) {
  while (!name.empty() && name.front() == '-') name.remove_prefix(1);
  std::string out;
  for (char c : name) out += c == '-' ? '_' : AsciiLower(c);
  if (out.rfind("ingestd_", 0) == 0) out.erase(0, 8);
  return out;
}

// The option whose name is closest to `name`, if close enough to be a typo.
const Option* Closest(std::string_view name, bool file_keys_only) {
  std::string wanted = Normalize(name);
  const Option* best = nullptr;
  std::size_t best_distance = 0;
  for (const Option& o : Options()) {
    if (file_keys_only && !HasFileKey(o)) continue;
    std::size_t d = EditDistance(wanted, o.key);
    if (best == nullptr || d < best_distance) {
      best = &o;
      best_distance = d;
    }
  }
  if (best == nullptr || best_distance > std::max<std::size_t>(2, wanted.size() / 4)) return nullptr;
  return best;
}

// ---------------------------------------------------------------------------
// Values

std::optional<std::string> AddressProblem(std::string_view address) {
  std::string_view host;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    std::size_t close = address.find(']');
    if (close == std::string_view::npos) return "missing ']' after the IPv6 address";
    host = address.substr(1, close - 1);
    std::string_view rest = address.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return "expected [IPV6]:PORT, as [::1]:50051";
    port = rest.substr(1);
    in6_addr parsed{};
    if (::inet_pton(AF_INET6, std::string(host).c_str(), &parsed) != 1) return "not an IPv6 address inside [...]";
  } else {
    std::size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return "expected HOST:PORT, as 127.0.0.1:50051";
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "an IPv6 address goes in brackets, as [::1]:50051";
    if (host.empty()) return "missing host (0.0.0.0 listens on all IPv4 interfaces, [::] on all IPv6 ones)";
    for (char c : host) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsAsciiDigit(c) || c == '-' || c == '.' ||
                c == '_';
      if (!ok) return "the host may hold only letters, digits, '-', '.' and '_'";
    }
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || port.size() > 5 || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return "the port must be a number from 0 to 65535";
  }
  return std::nullopt;
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Sets a string-valued option from `text`. `where` names the source
// ("--catalog", "INGESTD_CATALOG", "config file x.json: catalog").
Status SetString(DaemonConfig& config, const Option& o, std::string_view text, const std::string& where) {
  // Secrets are never echoed; other values are, to show what was read.
  std::string got = o.kind == Kind::kSecret ? std::string() : ", got " + Quoted(text);
  switch (o.kind) {
    case Kind::kPath:
      if (text.empty()) return InvalidArgument(where + ": expected a path, got an empty string");
      break;
    case Kind::kOptionalPath:
    case Kind::kSecret:
      break;
    case Kind::kText:
      if (HasControl(text)) return InvalidArgument(where + ": expected no control characters" + got);
      break;
    case Kind::kAddress:
      if (auto problem = AddressProblem(text)) return InvalidArgument(where + ": " + *problem + got);
      break;
    case Kind::kIdentifier: {
      bool ok = !text.empty() && text.size() <= 63 && !IsAsciiDigit(text.front());
      for (char c : text) ok = ok && ((c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '_');
      if (!ok) {
        return InvalidArgument(where + ": expected a lower-case SQL identifier (a-z, 0-9, _; at most 63 bytes)" +
                               got);
      }
      break;
    }
    case Kind::kChoice:
      if (std::find(o.choices.begin(), o.choices.end(), text) == o.choices.end()) {
        return InvalidArgument(where + ": expected " + ChoicesText(o) + got);
      }
      break;
    case Kind::kCount:
    case Kind::kSeconds:
      return Internal(where + ": not a string option");
  }
  config.*std::get<std::string DaemonConfig::*>(o.field) = std::string(text);
  return OkStatus();
}

Status SetCount(DaemonConfig& config, const Option& o, std::uint64_t value, std::string_view shown,
                const std::string& where) {
  if (static_cast<double>(value) < o.min || static_cast<double>(value) > o.max) {
    return InvalidArgument(where + ": expected " + RangeText(o) + ", got " + std::string(shown));
  }
  config.*std::get<std::size_t DaemonConfig::*>(o.field) = static_cast<std::size_t>(value);
  return OkStatus();
}

Status SetSeconds(DaemonConfig& config, const Option& o, double value, std::string_view shown,
                  const std::string& where) {
  if (!std::isfinite(value) || value < o.min || value > o.max) {
    return InvalidArgument(where + ": expected " + RangeText(o) + ", got " + std::string(shown));
  }
  config.*std::get<double DaemonConfig::*>(o.field) = value;
  return OkStatus();
}

// A value given as text: a flag's or an environment variable's.
Status SetFromText(DaemonConfig& config, const Option& o, std::string_view text, const std::string& where) {
  if (o.kind == Kind::kCount) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return InvalidArgument(where + ": expected " + RangeText(o) + ", got " + Quoted(text));
    }
    return SetCount(config, o, value, Quoted(text), where);
  }
  if (o.kind == Kind::kSeconds) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      return InvalidArgument(where + ": expected " + RangeText(o) + ", got " + Quoted(text));
    }
    return SetSeconds(config, o, value, Quoted(text), where);
  }
  return SetString(config, o, text, where);
}

std::string DescribeJson(const rapidjson::Value& v) {
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) return FormatNumber(v.GetDouble());
  return std::string(JsonTypeName(v));
}

// A value from the config file: numbers must be JSON numbers and strings
// JSON strings (no "4" for 4).
Status SetFromJson(DaemonConfig& config, const Option& o, const rapidjson::Value& v, const std::string& where) {
  if (o.kind == Kind::kCount) {
    if (!v.IsUint64()) return InvalidArgument(where + ": expected " + RangeText(o) + ", got " + DescribeJson(v));
    return SetCount(config, o, v.GetUint64(), DescribeJson(v), where);
  }
  if (o.kind == Kind::kSeconds) {
    if (!v.IsNumber()) return InvalidArgument(where + ": expected " + RangeText(o) + ", got " + DescribeJson(v));
    return SetSeconds(config, o, v.GetDouble(), DescribeJson(v), where);
  }
  if (!v.IsString()) return InvalidArgument(where + ": expected a string, got " + std::string(JsonTypeName(v)));
  return SetString(config, o, std::string_view(v.GetString(), v.GetStringLength()), where);
}

// ---------------------------------------------------------------------------
// Sources

struct FlagValue {
  const Option* option;
  std::string value;
  std::string flag;
};

Result<std::vector<FlagValue>> ParseFlags(const std::vector<std::string>& args) {
  std::vector<FlagValue> values;
  std::set<const Option*> seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      // Only the name part of a dash argument is echoed (`-x=secret`).
      if (!arg.empty() && arg.front() == '-') {
        return InvalidArgument("unknown flag " + std::string(arg.substr(0, arg.find('='))) +
                               " (flags are --name VALUE or --name=VALUE; see --help)");
      }
      return InvalidArgument("unexpected argument " + Quoted(arg) + " (serve takes no positional arguments)");
    }
    std::size_t eq = arg.find('=');
    std::string flag(arg.substr(0, eq));
    const Option* option = nullptr;
    for (const Option& o : Options()) {
      if (FlagName(o) == flag) option = &o;
    }
    if (option == nullptr) {
      std::string message = "unknown flag " + flag;
      if (const Option* near = Closest(flag, false)) message += " (did you mean " + FlagName(*near) + "?)";
      return InvalidArgument(message + "; see --help");
    }
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    } else {
      return InvalidArgument(flag + " needs a value: " + flag + " " + std::string(option->value_name) + " or " +
                             flag + "=" + std::string(option->value_name));
    }
    if (!seen.insert(option).second) return InvalidArgument(flag + " is given more than once");
    values.push_back({option, std::move(value), std::move(flag)});
  }
  return values;
}

Status ApplyFile(DaemonConfig& config, const std::string& path) {
  std::string where = "config file " + path;
  auto text = package::ReadSmallFile(path, kMaxConfigFileBytes);
  // The message names the path already ("open /x.json: No such file ...").
  // A file the operator named that cannot be read is their input's fault.
  if (!text.ok()) return InvalidArgument("config file: " + text.error().message());
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text->data(), text->size());
  if (doc.HasParseError()) {
    return InvalidArgument(where + ": invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return InvalidArgument(where + ": expected an object, got " + std::string(JsonTypeName(doc)));
  std::set<std::string, std::less<>> seen;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    const Option* option = nullptr;
    for (const Option& o : Options()) {
      if (HasFileKey(o) && o.key == key) option = &o;
    }
    if (option == nullptr) {
      std::string message = where + ": unknown key " + Quoted(key);
      if (key == "config") {
        message += " (a config file cannot name another one)";
      } else if (const Option* near = Closest(key, true)) {
        message += " (did you mean " + Quoted(near->key) + "?)";
      }
      return InvalidArgument(message);
    }
    if (!seen.insert(key).second) return InvalidArgument(where + ": key " + Quoted(key) + " appears twice");
    INGESTD_TRY(SetFromJson(config, *option, it->value, where + ": " + key));
  }
  return OkStatus();
}

std::string DefaultInstanceId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + ":" + std::to_string(::getpid());
}

Status ValidateTogether(const DaemonConfig& c) {
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return InvalidArgument(std::string("--tls-cert-file and --tls-key-file go together: set both or neither (only ") +
                           (c.tls_cert_file.empty() ? "--tls-key-file" : "--tls-cert-file") + " is set)");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    return InvalidArgument(
        "--tls-client-ca-file needs --tls-cert-file and --tls-key-file: client certificates are checked only over "
        "TLS");
  }
  if (c.tokens_file.empty()) {
    for (const auto& [flag, address] : {std::pair<std::string_view, const std::string&>{"--grpc-listen", c.grpc_listen},
                                        {"--http-listen", c.http_listen}}) {
      if (!IsLoopbackAddress(address)) {
        return InvalidArgument("authentication is off (no --tokens-file) but " + std::string(flag) + " " + address +
                               " is not a loopback address: set --tokens-file or listen on 127.0.0.1");
      }
    }
  }
  if (c.blocking_threads < c.max_concurrent_runs + 2) {
    return InvalidArgument("--blocking-threads " + std::to_string(c.blocking_threads) +
                           " is too few: it must be at least --max-concurrent-runs + 2 (" +
                           std::to_string(c.max_concurrent_runs + 2) +
                           ") so control calls never wait behind runs; raise --blocking-threads or lower "
                           "--max-concurrent-runs");
  }
  if (c.catalog == "postgres" && c.catalog_dsn.empty()) {
    return InvalidArgument(
        "--catalog postgres needs --catalog-dsn (a libpq connection string, or env:NAME / file:PATH holding one)");
  }
  if (c.catalog == "sqlite" && !c.catalog_dsn.empty()) {
    return InvalidArgument("--catalog-dsn is set but --catalog is sqlite: set --catalog postgres or drop the DSN");
  }
  if (c.grpc_listen == c.http_listen && !c.grpc_listen.ends_with(":0")) {
    return InvalidArgument("--grpc-listen and --http-listen are both " + c.grpc_listen + "; they need two ports");
  }
  return OkStatus();
}

}  // namespace

Result<DaemonConfig> ParseDaemonConfig(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env) {
  INGESTD_ASSIGN_OR_RETURN(std::vector<FlagValue> flags, ParseFlags(args));
  DaemonConfig config;

  // The config file's path itself follows flags > environment.
  const Option& config_option = Options().front();
  std::optional<std::pair<std::string, std::string>> config_path;  // path, where it came from
  if (auto it = env.find(EnvName(config_option)); it != env.end()) config_path = {it->second, EnvName(config_option)};
  for (const FlagValue& f : flags) {
    if (f.option == &config_option) config_path = {f.value, f.flag};
  }
  if (config_path) {
    if (config_path->first.empty()) return InvalidArgument(config_path->second + ": expected a path, got \"\"");
    INGESTD_TRY(ApplyFile(config, config_path->first));
  }

  for (const Option& o : Options()) {
    if (!HasFileKey(o)) continue;
    std::string name = EnvName(o);
    if (auto it = env.find(name); it != env.end()) INGESTD_TRY(SetFromText(config, o, it->second, name));
  }
  for (const FlagValue& f : flags) {
    if (HasFileKey(*f.option)) INGESTD_TRY(SetFromText(config, *f.option, f.value, f.flag));
  }

  INGESTD_TRY(ValidateTogether(config));
  if (config.instance_id.empty()) config.instance_id = DefaultInstanceId();
  return config;
}

std::string DaemonConfigHelp() {
  const DaemonConfig defaults;
  struct Row {
    std::string flag;
    std::string env;
    std::string key;
    const Option* option;
  };
  std::vector<Row> rows;
  std::size_t flag_width = 4;
  std::size_t env_width = 11;
  for (const Option& o : Options()) {
    Row row{FlagName(o) + " " + std::string(o.value_name), EnvName(o), HasFileKey(o) ? std::string(o.key) : "-", &o};
    flag_width = std::max(flag_width, row.flag.size());
    env_width = std::max(env_width, row.env.size());
    rows.push_back(std::move(row));
  }
  auto pad = [](std::string s, std::size_t width) {
    s.resize(std::max(s.size(), width) + 2, ' ');
    return s;
  };

  std::string text =
      "usage: ingestd serve [options]\n"
      "\n"
      "Runs the daemon. Each option is a flag (--name VALUE or --name=VALUE), an\n"
      "environment variable or a key of the JSON config file (--config). A flag wins\n"
      "over the environment, the environment over the file, the file over the default.\n"
      "\n";
  text += "  " + pad("FLAG", flag_width) + pad("ENVIRONMENT", env_width) + "FILE KEY\n";
  for (const Row& row : rows) {
    const Option& o = *row.option;
    text += "  " + pad(row.flag, flag_width) + pad(row.env, env_width) + row.key + "\n";
    text += "      " + std::string(o.meaning) + "\n";
    std::string default_text(o.default_text);
    if (default_text.empty()) {
      if (const auto* s = std::get_if<std::string DaemonConfig::*>(&o.field)) {
        default_text = defaults.**s;
      } else if (const auto* n = std::get_if<std::size_t DaemonConfig::*>(&o.field)) {
        default_text = std::to_string(defaults.**n);
      } else if (const auto* d = std::get_if<double DaemonConfig::*>(&o.field)) {
        default_text = FormatNumber(defaults.**d);
      }
    }
    text += "      Default: " + default_text + ".";
    if (o.kind == Kind::kCount || o.kind == Kind::kSeconds) text += " Accepts " + RangeText(o) + ".";
    if (o.kind == Kind::kChoice) text += " Accepts " + ChoicesText(o) + ".";
    text += "\n";
  }
  return text;
}

bool IsLoopbackAddress(const std::string& host_port) {
  std::string_view host = host_port;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(1, close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  if (EqualsIgnoreAsciiCase(host, "localhost")) return true;
  std::string h(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace ingestd::config
