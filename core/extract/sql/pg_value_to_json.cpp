#include "core/extract/sql/pg_value_to_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/common/ascii.hpp"
#include "core/common/base64.hpp"
#include "core/extract/sql/pg_types.hpp"

namespace ingestd::extract::sql {
namespace {

constexpr std::size_t kMicrosecondDigits = 6;
// json/jsonb values are re-serialized: iterative (no recursion on deep
// nesting), numbers kept as their digits, encoding checked.
constexpr unsigned kEmbedParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;

void WriteString(JsonWriter& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void WriteDouble(JsonWriter& writer, std::string_view text) {
  double value = 0;
  // from_chars reads "Infinity" and "NaN" too; neither is a JSON number.
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    writer.Null();
    return;
  }
  writer.Double(value);
}

// A SAX handler that writes numbers as their digits: Writer::RawNumber
// would quote them (it is meant for numbers-as-strings round trips).
class DigitsKeepingWriter : public JsonWriter {
 public:
  using JsonWriter::JsonWriter;
  bool RawNumber(const char* digits, rapidjson::SizeType length, bool /*copy*/) {
    return RawValue(digits, length, rapidjson::kNumberType);
  }
};

void WriteEmbeddedJson(JsonWriter& writer, std::string_view text) {
  rapidjson::StringBuffer buffer;
  DigitsKeepingWriter compact(buffer);
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(stream);
  if (reader.Parse<kEmbedParseFlags>(input, compact).IsError() || !compact.IsComplete()) {
    // The server accepted it as json, so this is JSON RapidJSON refuses (a
    // lone surrogate escape); keep the text rather than fail the run.
    WriteString(writer, text);
    return;
  }
  // The type only matters for the writer's key/value bookkeeping: any non-string type.
  writer.RawValue(buffer.GetString(), buffer.GetSize(), rapidjson::kObjectType);
}

}  // namespace

std::string PgDateTimeToIso(std::string_view text) {
  if (text.empty() || !IsAsciiDigit(text.front()) || text.ends_with(" BC")) return std::string(text);
  std::string out;
  out.reserve(text.size() + 10);
  std::string_view time = text;
  if (const std::size_t space = text.find(' '); space != std::string_view::npos) {
    out.append(text.substr(0, space)).push_back('T');
    time = text.substr(space + 1);
  }
  constexpr std::size_t kHhMmSs = 8;
  if (time.size() < kHhMmSs || time[2] != ':' || time[5] != ':') return std::string(text);
  out.append(time.substr(0, kHhMmSs));
  std::size_t i = kHhMmSs;
  if (i < time.size() && time[i] == '.') {
    const std::size_t start = ++i;
    while (i < time.size() && IsAsciiDigit(time[i])) ++i;
    const std::size_t digits = i - start;
    out.push_back('.');
    out.append(time.substr(start, digits));
    if (digits < kMicrosecondDigits) out.append(kMicrosecondDigits - digits, '0');
  }
  if (i < time.size()) {
    if (time[i] != '+' && time[i] != '-') return std::string(text);
    std::string_view offset = time.substr(i);  // "+HH", "+HH:MM" or "+HH:MM:SS"
    out.append(offset);
    if (offset.size() == 3) out.append(":00");
  }
  return out;
}

std::optional<std::string> PgByteaHexToBytes(std::string_view text) {
  if (!text.starts_with("\\x") || text.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int hi = HexDigitValue(text[i]);
    const int lo = HexDigitValue(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes.push_back(static_cast<char>((hi << 4) | lo));
  }
  return bytes;
}

void WritePgValue(JsonWriter& writer, std::uint32_t type_oid, std::string_view text) {
  switch (type_oid) {
    case pg_oid::kInt2:
    case pg_oid::kInt4:
    case pg_oid::kInt8:
    case pg_oid::kOid:
      // The server's integer output is always an optional '-' and digits.
      writer.RawValue(text.data(), text.size(), rapidjson::kNumberType);
      return;
    case pg_oid::kFloat4:
    case pg_oid::kFloat8: WriteDouble(writer, text); return;
    case pg_oid::kNumeric:
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        writer.Null();
      } else {
        WriteString(writer, text);
      }
      return;
    case pg_oid::kBool: writer.Bool(text == "t"); return;
    case pg_oid::kTimestamp:
    case pg_oid::kTimestamptz:
    case pg_oid::kTime:
    case pg_oid::kTimetz: WriteString(writer, PgDateTimeToIso(text)); return;
    case pg_oid::kJson:
    case pg_oid::kJsonb: WriteEmbeddedJson(writer, text); return;
    case pg_oid::kBytea:
      if (std::optional<std::string> bytes = PgByteaHexToBytes(text)) {
        WriteString(writer, Base64Encode(*bytes));
      } else {
        WriteString(writer, text);  // not hex output; the session sets bytea_output hex
      }
      return;
    default: WriteString(writer, text); return;
  }
}

}  // namespace ingestd::extract::sql
