#include "client/output_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <ostream>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "core/common/check.hpp"

namespace ingestd::client {

std::optional<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "table") return OutputFormat::kTable;
  if (text == "json") return OutputFormat::kJson;
  return std::nullopt;
}

// ---------------------------------------------------------------- tables

TextTable::TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void TextTable::AddRow(std::vector<std::string> cells) {
  INGESTD_CHECK(cells.size() == headers_.size());
  rows_.push_back(std::move(cells));
}

void TextTable::Render(std::ostream& out, std::string_view indent) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], DisplayWidth(row[column]));
    }
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);

  auto write = [&](const std::vector<std::string>& row) {
    std::string line(indent);
    for (std::size_t column = 0; column < row.size(); ++column) {
      line += row[column];
      if (column + 1 < row.size()) line.append(widths[column] - DisplayWidth(row[column]) + 2, ' ');
    }
    // An empty last cell would leave the padding of the one before it.
    while (line.size() > indent.size() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  write(headers_);
  for (const auto& row : rows_) write(row);
}

std::string TextTable::ToString(std::string_view indent) const {
  std::ostringstream out;
  Render(out, indent);
  return out.str();
}

void DetailList::Add(std::string key, std::string value) {
  items_.emplace_back(std::move(key), std::move(value));
}

void DetailList::Render(std::ostream& out, std::string_view indent) const {
  std::size_t width = 0;
  for (const auto& [key, value] : items_) width = std::max(width, DisplayWidth(key) + 1);
  for (const auto& [key, value] : items_) {
    out << indent << key << ':';
    if (!value.empty()) out << std::string(width - DisplayWidth(key) - 1 + 2, ' ') << value;
    out << '\n';
  }
}

std::string DetailList::ToString(std::string_view indent) const {
  std::ostringstream out;
  Render(out, indent);
  return out.str();
}

std::size_t DisplayWidth(std::string_view text) {
  // Count the bytes that start a code point (not 10xxxxxx continuations).
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// ---------------------------------------------------------------- values

bool IsSet(const google::protobuf::Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (!IsSet(time)) return "-";
  const std::time_t seconds = static_cast<std::time_t>(time.seconds());
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "-";
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buffer, n);
}

double SecondsBetween(const google::protobuf::Timestamp& from, const google::protobuf::Timestamp& to) {
  return static_cast<double>(to.seconds() - from.seconds()) +
         static_cast<double>(to.nanos() - from.nanos()) / 1e9;
}

std::string FormatDuration(double seconds) {
  if (!(seconds > 0)) seconds = 0;  // also NaN
  const double tenths = std::round(seconds * 10);
  char buffer[48];
  if (tenths < 600) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", tenths / 10);
    return buffer;
  }
  const auto total = static_cast<long long>(std::round(seconds));
  const long long hours = total / 3600;
  const long long minutes = total / 60 % 60;
  const long long secs = total % 60;
  if (hours > 0) {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm%02llds", hours, minutes, secs);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", minutes, secs);
  }
  return buffer;
}

std::string FormatBytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string FormatRate(double per_second) {
  if (!(per_second > 0)) per_second = 0;
  char buffer[32];
  if (per_second < 99.95) {
    std::snprintf(buffer, sizeof buffer, "%.1f", per_second);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.0f", per_second);
  }
  return buffer;
}

std::string_view YesNo(bool value) { return value ? "yes" : "no"; }

std::string OneLine(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string Truncate(std::string_view text, std::size_t max_width) {
  if (DisplayWidth(text) <= max_width) return std::string(text);
  if (max_width <= 3) return std::string(max_width, '.');
  // Cut at a code point boundary so the result stays valid UTF-8.
  std::size_t kept = 0;
  std::size_t end = 0;
  while (end < text.size()) {
    std::size_t next = end + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    if (kept + 1 > max_width - 3) break;
    ++kept;
    end = next;
  }
  return std::string(text.substr(0, end)) + "...";
}

std::string JoinList(const google::protobuf::RepeatedPtrField<std::string>& items,
                     std::string_view when_empty, std::size_t max_items) {
  if (items.empty()) return std::string(when_empty);
  std::string joined;
  std::size_t shown = 0;
  for (const std::string& item : items) {
    if (shown == max_items) {
      return joined + " and " + std::to_string(static_cast<std::size_t>(items.size()) - shown) + " more";
    }
    if (!joined.empty()) joined += ", ";
    joined += item;
    ++shown;
  }
  return joined;
}

std::string_view RunStatusName(v1::RunStatus status) {
  switch (status) {
    case v1::RUN_STATUS_QUEUED: return "queued";
    case v1::RUN_STATUS_RUNNING: return "running";
    case v1::RUN_STATUS_SUCCEEDED: return "succeeded";
    case v1::RUN_STATUS_FAILED: return "failed";
    case v1::RUN_STATUS_CANCELLED: return "cancelled";
    default: return "unspecified";
  }
}

std::optional<v1::RunStatus> ParseRunStatus(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const v1::RunStatus status : {v1::RUN_STATUS_QUEUED, v1::RUN_STATUS_RUNNING,
                                     v1::RUN_STATUS_SUCCEEDED, v1::RUN_STATUS_FAILED,
                                     v1::RUN_STATUS_CANCELLED}) {
    if (lower == RunStatusName(status)) return status;
  }
  if (lower == "canceled") return v1::RUN_STATUS_CANCELLED;
  return std::nullopt;
}

std::string_view RunTriggerName(v1::RunTrigger trigger) {
  switch (trigger) {
    case v1::RUN_TRIGGER_MANUAL: return "manual";
    case v1::RUN_TRIGGER_SCHEDULE: return "schedule";
    case v1::RUN_TRIGGER_PUSH: return "push";
    case v1::RUN_TRIGGER_RESUME: return "resume";
    default: return "-";
  }
}

bool IsFinished(v1::RunStatus status) {
  return status == v1::RUN_STATUS_SUCCEEDED || status == v1::RUN_STATUS_FAILED ||
         status == v1::RUN_STATUS_CANCELLED;
}

// ---------------------------------------------------------------- JSON

Result<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return Internal("cannot print " + message.GetTypeName() + " as JSON: " +
                    std::string(status.message()));
  }
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

std::string CompactJson(std::string_view json) {
  std::string compact;
  compact.reserve(json.size());
  bool in_string = false;
  bool escaped = false;
  for (const char c : json) {
    if (in_string) {
      compact += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      compact += c;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      compact += c;
    }
  }
  return compact;
}

std::string JsonQuote(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': quoted += "\\\""; break;
      case '\\': quoted += "\\\\"; break;
      case '\n': quoted += "\\n"; break;
      case '\r': quoted += "\\r"; break;
      case '\t': quoted += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          quoted += buffer;
        } else {
          quoted += c;
        }
    }
  }
  return quoted + "\"";
}

}  // namespace ingestd::client
