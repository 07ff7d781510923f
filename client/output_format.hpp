#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "core/common/result.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::client {

/// How a command prints its result on stdout (`-o table|json`).
enum class OutputFormat { kTable, kJson };

/// "table" or "json"; nullopt for anything else.
std::optional<OutputFormat> ParseOutputFormat(std::string_view text);

/// Rows printed as aligned columns, kubectl style:
///
///     NAME    VERSION  DESTINATION
///     github  3        postgres
///
/// Columns are separated by two spaces and padded to the widest cell (in
/// UTF-8 characters); the last column is not padded, so lines carry no
/// trailing blanks. A table without rows prints its header only.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);

  /// One row; it must have as many cells as there are headers.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }

  /// Writes the header and the rows, each line starting with `indent`.
  void Render(std::ostream& out, std::string_view indent = "") const;
  std::string ToString(std::string_view indent = "") const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

/// "Key:  value" lines with the values aligned, for `describe`:
///
///     Name:     github
///     Version:  3
class DetailList {
 public:
  void Add(std::string key, std::string value);
  void Render(std::ostream& out, std::string_view indent = "") const;
  std::string ToString(std::string_view indent = "") const;

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// Display width of UTF-8 text (code points; no East Asian width rules).
std::size_t DisplayWidth(std::string_view text);

/// UTC ISO-8601 to the second, "2024-05-01T12:00:03Z"; "-" when unset (the
/// API's "not yet"). ingestctl shows every time this way.
std::string FormatTimestamp(const google::protobuf::Timestamp& time);
bool IsSet(const google::protobuf::Timestamp& time);
/// Seconds from `from` to `to` (negative when `to` is earlier).
double SecondsBetween(const google::protobuf::Timestamp& from, const google::protobuf::Timestamp& to);

/// "0.4s", "12.3s", "2m03s", "1h02m05s".
std::string FormatDuration(double seconds);
/// "512 B", "3.4 KiB", "12.0 MiB", "1.5 GiB".
std::string FormatBytes(std::uint64_t bytes);
/// A rate: one decimal below 100 ("12.5"), whole numbers above ("1234").
std::string FormatRate(double per_second);
/// "yes" / "no".
std::string_view YesNo(bool value);

/// `text` on one line: line breaks and other control characters become spaces.
std::string OneLine(std::string_view text);
/// At most `max_width` characters; longer text ends with "...".
std::string Truncate(std::string_view text, std::size_t max_width);
/// "a, b, c", or `when_empty` for no items. Past `max_items` items the
/// rest is counted: "a, b, c and 57 more" (a first run's column list).
std::string JoinList(const google::protobuf::RepeatedPtrField<std::string>& items,
                     std::string_view when_empty = "-", std::size_t max_items = SIZE_MAX);

/// Lower-case names, as `--status` accepts them: "queued", "running",
/// "succeeded", "failed", "cancelled" ("unspecified" for 0).
std::string_view RunStatusName(v1::RunStatus status);
std::optional<v1::RunStatus> ParseRunStatus(std::string_view name);
/// "manual", "schedule", "push", "resume".
std::string_view RunTriggerName(v1::RunTrigger trigger);
/// Succeeded, failed or cancelled: the run will not change any more.
bool IsFinished(v1::RunStatus status);

/// The message as protobuf JSON (`-o json`): field names as in the .proto
/// (preserve_proto_field_names), every field printed even when it has its
/// default value (so scripts see `"paused": false` rather than nothing),
/// enums by name, indented, ending with a newline.
Result<std::string> ToJson(const google::protobuf::Message& message);

/// JSON text without the whitespace between tokens (strings kept as they
/// are), for one-line display. Not a validator: other text passes through.
std::string CompactJson(std::string_view json);

/// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace ingestd::client
