#include "core/schema/schema_json.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/common/base64.hpp"
#include "core/common/check.hpp"
#include "core/common/keccak.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"

namespace ingestd::schema {
namespace {

using rapidjson::Value;

constexpr std::string_view kRelationalModule = "dlt.common.normalizers.json.relational";
// Extra (unmodelled) values are copied recursively; hostile nesting must not
// exhaust the stack, and no real schema nests anywhere near this deep.
constexpr int kMaxExtraDepth = 64;
// dlt's InvalidSchemaName.MAXIMUM_SCHEMA_NAME_LENGTH.
constexpr std::size_t kMaxSchemaNameLength = 64;
// Parsing never recurses (iterative). Not kParseFullPrecisionFlag: RapidJSON's
// full-precision conversion reads past a table on some extreme numbers
// (found by fuzzing); integers are exact either way, and a float in an
// extra property may differ in its last bit.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag;

std::string_view KeyOf(const Value::Member& m) {
  INGESTD_CHECK(m.name.IsString());  // RapidJSON only produces string keys
  return {m.name.GetString(), m.name.GetStringLength()};
}

bool IsRootTable(const TableSchema& table) { return !table.parent || table.parent->empty(); }

// ---------------------------------------------------------------------------
// Writing (dlt's key order, so a diff against a dlt-written file is small)

// The JSON type of a raw value, which PrettyWriter needs for its layout.
rapidjson::Type RawType(std::string_view raw) {
  switch (raw.empty() ? '\0' : raw.front()) {
    case '{': return rapidjson::kObjectType;
    case '[': return rapidjson::kArrayType;
    case '"': return rapidjson::kStringType;
    case 't': return rapidjson::kTrueType;
    case 'f': return rapidjson::kFalseType;
    case 'n': return rapidjson::kNullType;
    default: return rapidjson::kNumberType;
  }
}

template <class W>
class SchemaWriter {
 public:
  // `root_defaults`: whether root tables get dlt's write_disposition and
  // resource defaults (stored schemas) or are written as they are (partial
  // tables of a SchemaUpdate, which state only what changed).
  explicit SchemaWriter(W& writer, bool root_defaults = true) : w_(writer), root_defaults_(root_defaults) {}
  static constexpr bool kPretty = std::is_same_v<W, rapidjson::PrettyWriter<rapidjson::StringBuffer>>;

  void WriteSchema(const Schema& schema) {
    w_.StartObject();
    Key("version");
    w_.Int64(schema.version());
    KeyString("version_hash", schema.version_hash());
    Key("engine_version");
    w_.Int(kSchemaEngineVersion);
    KeyString("name", schema.name());
    if (schema.description) KeyString("description", *schema.description);
    Key("tables");
    w_.StartObject();
    for (const TableSchema& table : schema.tables()) {
      Key(table.name());
      WriteTable(table);
    }
    w_.EndObject();
    Key("settings");
    WriteSettings(schema.settings);
    Key("normalizers");
    WriteNormalizers(schema);
    Key("previous_hashes");
    w_.StartArray();
    for (const std::string& hash : schema.previous_hashes()) String(hash);
    w_.EndArray();
    if (schema.imported_version_hash) KeyString("imported_version_hash", *schema.imported_version_hash);
    WriteExtra(schema.extra);
    w_.EndObject();
  }

  // One table object on its own (PartialTableToJson).
  void WriteSingleTable(const TableSchema& table) { WriteTable(table); }

 private:
  void Key(std::string_view key) { w_.Key(key.data(), key.size()); }
  void String(std::string_view value) { w_.String(value.data(), value.size()); }
  void KeyString(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void KeyBool(std::string_view key, bool value) {
    Key(key);
    w_.Bool(value);
  }
  void KeyInt(std::string_view key, int value) {
    Key(key);
    w_.Int(value);
  }
  void WriteExtra(const ExtraProperties& extra) {
    for (const auto& [key, raw] : extra) {
      Key(key);
      if constexpr (kPretty) {
        // Re-indent nested values so a pretty file reads as dlt's does.
        rapidjson::Document doc;
        doc.Parse<kParseFlags>(raw.data(), raw.size());
        if (!doc.HasParseError()) {
          doc.Accept(w_);
          continue;
        }
      }
      w_.RawValue(raw.data(), raw.size(), RawType(raw));
    }
  }
  void WriteStringMap(const std::vector<std::pair<std::string, std::string>>& map) {
    w_.StartObject();
    for (const auto& [key, value] : map) KeyString(key, value);
    w_.EndObject();
  }

  void WriteContract(const SchemaContract& contract) {
    w_.StartObject();
    for (ContractEntity entity :
         {ContractEntity::kTables, ContractEntity::kColumns, ContractEntity::kDataType}) {
      if (auto mode = contract.Get(entity)) {
        KeyString(ContractEntityName(entity), ContractModeName(*mode));
      }
    }
    w_.EndObject();
  }

  void WriteColumn(const ColumnSchema& column) {
    w_.StartObject();
    KeyString("name", column.name);
    if (column.data_type) KeyString("data_type", DataTypeName(*column.data_type));
    if (column.nullable) KeyBool("nullable", *column.nullable);
    if (column.precision) KeyInt("precision", *column.precision);
    if (column.scale) KeyInt("scale", *column.scale);
    if (column.timezone) KeyBool("timezone", *column.timezone);
    if (column.variant) KeyBool("variant", *column.variant);
    if (column.description) KeyString("description", *column.description);
    for (int i = 0; i < kColumnHintCount; ++i) {
      if (column.hints[i]) KeyBool(ColumnHintName(static_cast<ColumnHint>(i)), *column.hints[i]);
    }
    if (column.dedup_sort) KeyString("dedup_sort", *column.dedup_sort);
    WriteExtra(column.extra);
    w_.EndObject();
  }

  void WriteTable(const TableSchema& table) {
    const bool defaults = root_defaults_ && IsRootTable(table);
    w_.StartObject();
    KeyString("name", table.name());
    Key("columns");
    w_.StartObject();
    for (const ColumnSchema& column : table.columns()) {
      Key(column.name);
      WriteColumn(column);
    }
    w_.EndObject();
    // dlt's apply_defaults gives every root table a write disposition and a
    // resource before it hashes a loaded schema; writing them keeps our hash
    // and dlt's equal for tables built without them.
    if (table.write_disposition) {
      KeyString("write_disposition", WriteDispositionName(*table.write_disposition));
    } else if (defaults) {
      KeyString("write_disposition", WriteDispositionName(WriteDisposition::kAppend));
    }
    if (table.parent) KeyString("parent", *table.parent);
    if (table.resource) {
      KeyString("resource", *table.resource);
    } else if (defaults) {
      KeyString("resource", table.name());
    }
    if (table.description) KeyString("description", *table.description);
    if (table.schema_contract) {
      Key("schema_contract");
      WriteContract(*table.schema_contract);
    }
    if (table.table_format) KeyString("table_format", *table.table_format);
    if (table.file_format) KeyString("file_format", *table.file_format);
    if (table.merge_strategy) KeyString("x-merge-strategy", MergeStrategyName(*table.merge_strategy));
    if (table.seen_data || table.evolve_columns_once || table.max_nesting ||
        !table.normalizer_extra.empty()) {
      Key("x-normalizer");
      w_.StartObject();
      if (table.seen_data) KeyBool("seen-data", *table.seen_data);
      if (table.evolve_columns_once) KeyBool("evolve-columns-once", *table.evolve_columns_once);
      if (table.max_nesting) KeyInt("max_nesting", *table.max_nesting);
      WriteExtra(table.normalizer_extra);
      w_.EndObject();
    }
    WriteExtra(table.extra);
    w_.EndObject();
  }

  void WriteSettings(const SchemaSettings& settings) {
    w_.StartObject();
    if (!settings.detections.empty()) {
      Key("detections");
      w_.StartArray();
      for (const std::string& detection : settings.detections) String(detection);
      w_.EndArray();
    }
    if (!settings.default_hints.empty()) {
      Key("default_hints");
      w_.StartObject();
      for (const auto& [hint, patterns] : settings.default_hints) {
        Key(hint);
        w_.StartArray();
        for (const std::string& pattern : patterns) String(pattern);
        w_.EndArray();
      }
      w_.EndObject();
    }
    if (!settings.preferred_types.empty()) {
      Key("preferred_types");
      w_.StartObject();
      for (const auto& [pattern, type] : settings.preferred_types) KeyString(pattern, DataTypeName(type));
      w_.EndObject();
    }
    if (settings.schema_contract) {
      Key("schema_contract");
      WriteContract(*settings.schema_contract);
    }
    WriteExtra(settings.extra);
    w_.EndObject();
  }

  void WriteNormalizers(const Schema& schema) {
    const NormalizerConfig& config = schema.normalizer_config;
    w_.StartObject();
    KeyString("names", schema.naming);
    Key("json");
    w_.StartObject();
    KeyString("module", kRelationalModule);
    const bool has_propagation = !config.propagation_root.empty() || !config.propagation_tables.empty();
    if (config.max_nesting || has_propagation || !config.extra.empty()) {
      Key("config");
      w_.StartObject();
      if (config.max_nesting) KeyInt("max_nesting", *config.max_nesting);
      if (has_propagation) {
        Key("propagation");
        w_.StartObject();
        if (!config.propagation_root.empty()) {
          Key("root");
          WriteStringMap(config.propagation_root);
        }
        if (!config.propagation_tables.empty()) {
          Key("tables");
          w_.StartObject();
          for (const auto& [table, mapping] : config.propagation_tables) {
            Key(table);
            WriteStringMap(mapping);
          }
          w_.EndObject();
        }
        w_.EndObject();
      }
      WriteExtra(config.extra);
      w_.EndObject();
    }
    w_.EndObject();
    WriteExtra(schema.normalizers_extra);
    w_.EndObject();
  }

  W& w_;
  bool root_defaults_;
};

// ---------------------------------------------------------------------------
// Hashing: the bytes Python's json.dumpb(..., sort_keys=True) gives (orjson,
// dlt's default backend): no spaces, keys sorted by code point, non-ASCII
// written as UTF-8, control characters as \b \t \n \f \r or \u00xx.

void AppendHashString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

// A double as orjson writes it (Ryu's shortest digits and layout): "1.5",
// "100.0", "0.0001", "1e16", "1.5e-7".
void AppendHashDouble(std::string& out, double value) {
  char buf[64];
  // Shortest round-trip digits in scientific form: "-1.2345e+20".
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  INGESTD_CHECK(ec == std::errc());
  std::string_view text(buf, static_cast<std::size_t>(end - buf));
  if (!text.empty() && text.front() == '-') {
    out.push_back('-');
    text.remove_prefix(1);
  }
  std::size_t e_pos = text.find('e');
  INGESTD_CHECK(e_pos != std::string_view::npos);
  std::string digits;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::string_view exp_text = text.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
  auto parsed = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  INGESTD_CHECK(parsed.ec == std::errc());
  // value = 0.digits * 10^point
  const int length = static_cast<int>(digits.size());
  const int point = exponent + 1;
  const int k = point - length;
  if (k >= 0 && point <= 16) {
    out += digits;
    out.append(static_cast<std::size_t>(k), '0');
    out += ".0";
  } else if (point > 0 && point <= 16) {
    out.append(digits, 0, static_cast<std::size_t>(point));
    out.push_back('.');
    out.append(digits, static_cast<std::size_t>(point));
  } else if (point > -5 && point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (length > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out += std::to_string(point - 1);
  }
}

void AppendSorted(std::string& out, const Value& value,
                  const std::vector<std::string_view>* skip_keys = nullptr) {
  if (value.IsObject()) {
    std::vector<const Value::Member*> members;
    for (const auto& m : value.GetObject()) {
      std::string_view key = KeyOf(m);
      if (skip_keys && std::find(skip_keys->begin(), skip_keys->end(), key) != skip_keys->end()) {
        continue;
      }
      members.push_back(&m);
    }
    auto key_of = [](const Value::Member* m) { return KeyOf(*m); };
    // string_view compares bytes unsigned, i.e. by code point for UTF-8.
    std::stable_sort(members.begin(), members.end(),
                     [&](const auto* a, const auto* b) { return key_of(a) < key_of(b); });
    out.push_back('{');
    bool first = true;
    for (std::size_t i = 0; i < members.size(); ++i) {
      // A duplicated key keeps its last value, as a Python dict does.
      if (i + 1 < members.size() && key_of(members[i]) == key_of(members[i + 1])) continue;
      if (!first) out.push_back(',');
      first = false;
      AppendHashString(out, key_of(members[i]));
      out.push_back(':');
      AppendSorted(out, members[i]->value);
    }
    out.push_back('}');
  } else if (value.IsArray()) {
    out.push_back('[');
    bool first = true;
    for (const Value& item : value.GetArray()) {
      if (!first) out.push_back(',');
      first = false;
      AppendSorted(out, item);
    }
    out.push_back(']');
  } else if (value.IsString()) {
    AppendHashString(out, std::string_view(value.GetString(), value.GetStringLength()));
  } else if (value.IsBool()) {
    out += value.GetBool() ? "true" : "false";
  } else if (value.IsInt64()) {
    out += std::to_string(value.GetInt64());
  } else if (value.IsUint64()) {
    out += std::to_string(value.GetUint64());
  } else if (value.IsDouble()) {
    AppendHashDouble(out, value.GetDouble());
  } else {
    out += "null";
  }
}

// ---------------------------------------------------------------------------
// Parsing

std::string Join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out.push_back('.');
  out += key;
  return out;
}

Error At(std::string_view path, std::string_view message) {
  return InvalidArgument(std::string(path) + ": " + std::string(message));
}

Error WrongType(std::string_view path, std::string_view expected, const Value& v) {
  return At(path, "expected " + std::string(expected) + ", got " + std::string(JsonTypeName(v)));
}

template <class Names>
std::string OneOf(int count, Names name_of) {
  std::string out = "expected one of ";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += name_of(i);
  }
  return out;
}

// Every object we read must name each key once: Python would silently keep
// the last value, which hides a hand-edit mistake.
Status ExpectObject(const Value& v, std::string_view path) {
  if (!v.IsObject()) return WrongType(path, "an object", v);
  std::vector<std::string_view> keys;
  keys.reserve(v.MemberCount());
  for (const auto& m : v.GetObject()) keys.push_back(KeyOf(m));
  std::sort(keys.begin(), keys.end());
  auto dup = std::adjacent_find(keys.begin(), keys.end());
  if (dup != keys.end()) return At(path, "duplicate key '" + std::string(*dup) + "'");
  return OkStatus();
}

Result<std::string> AsString(const Value& v, std::string_view path) {
  if (!v.IsString()) return WrongType(path, "a string", v);
  return std::string(v.GetString(), v.GetStringLength());
}

Result<bool> AsBool(const Value& v, std::string_view path) {
  if (!v.IsBool()) return WrongType(path, "a boolean", v);
  return v.GetBool();
}

Result<std::int64_t> AsInt64(const Value& v, std::string_view path) {
  if (!v.IsInt64()) {
    if (v.IsNumber()) return At(path, "expected an integer, got a fractional or out-of-range number");
    return WrongType(path, "an integer", v);
  }
  return v.GetInt64();
}

Result<int> AsInt(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInt64(v, path));
  if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
    return At(path, "integer " + std::to_string(n) + " is out of range");
  }
  return static_cast<int>(n);
}

// Reads an optional property; null (which a dlt dict may hold) leaves it unset.
template <class Slot, class Parse>
Status SetOptional(Slot& slot, const Value& v, std::string_view path, Parse parse) {
  if (v.IsNull()) return OkStatus();
  auto parsed = parse(v, path);
  if (!parsed.ok()) return std::move(parsed).error();
  slot = std::move(parsed).value();
  return OkStatus();
}

bool DepthWithin(const Value& v, int depth) {
  if (depth < 0) return false;
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (!DepthWithin(m.value, depth - 1)) return false;
    }
  } else if (v.IsArray()) {
    for (const Value& item : v.GetArray()) {
      if (!DepthWithin(item, depth - 1)) return false;
    }
  }
  return true;
}

// The compact JSON text of a value ingestd does not model, kept verbatim.
Result<std::string> RawJson(const Value& v, std::string_view path) {
  if (!DepthWithin(v, kMaxExtraDepth)) {
    return At(path, "nested deeper than " + std::to_string(kMaxExtraDepth) + " levels");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status AddExtra(ExtraProperties& extra, std::string_view key, const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string raw, RawJson(v, path));
  extra.emplace_back(std::string(key), std::move(raw));
  return OkStatus();
}

Result<DataType> AsDataType(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string name, AsString(v, path));
  if (auto type = ParseDataType(name)) return *type;
  return At(path, "unknown data type '" + name + "' (" +
                      OneOf(kDataTypeCount,
                            [](int i) { return std::string(DataTypeName(static_cast<DataType>(i))); }) +
                      ")");
}

Result<ContractMode> AsContractMode(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string name, AsString(v, path));
  if (auto mode = ParseContractMode(name)) return *mode;
  return At(path, "unknown contract mode '" + name + "' (" + OneOf(4, [](int i) {
                    return std::string(ContractModeName(static_cast<ContractMode>(i)));
                  }) + ")");
}

// A contract is either the shorthand string (one mode for every entity) or an
// object naming some of tables, columns and data_type.
Result<SchemaContract> ParseContract(const Value& v, std::string_view path) {
  if (v.IsString()) {
    INGESTD_ASSIGN_OR_RETURN(ContractMode mode, AsContractMode(v, path));
    return SchemaContract::All(mode);
  }
  if (!v.IsObject()) return WrongType(path, "a contract mode string or an object", v);
  INGESTD_TRY(ExpectObject(v, path));
  SchemaContract contract;
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    std::string p = Join(path, key);
    std::optional<ContractMode>* slot = nullptr;
    if (key == ContractEntityName(ContractEntity::kTables)) {
      slot = &contract.tables;
    } else if (key == ContractEntityName(ContractEntity::kColumns)) {
      slot = &contract.columns;
    } else if (key == ContractEntityName(ContractEntity::kDataType)) {
      slot = &contract.data_type;
    } else {
      return At(p, "unknown contract entity (expected one of tables, columns, data_type)");
    }
    if (m.value.IsNull()) continue;
    INGESTD_ASSIGN_OR_RETURN(*slot, AsContractMode(m.value, p));
  }
  return contract;
}

Result<std::vector<std::string>> ParseStringArray(const Value& v, std::string_view path) {
  if (!v.IsArray()) return WrongType(path, "an array of strings", v);
  std::vector<std::string> out;
  out.reserve(v.Size());
  std::size_t index = 0;
  for (const Value& item : v.GetArray()) {
    INGESTD_ASSIGN_OR_RETURN(std::string s, AsString(item, Join(path, std::to_string(index++))));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseStringMap(const Value& v,
                                                                        std::string_view path) {
  INGESTD_TRY(ExpectObject(v, path));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    INGESTD_ASSIGN_OR_RETURN(std::string value, AsString(m.value, Join(path, key)));
    out.emplace_back(std::string(key), std::move(value));
  }
  return out;
}

Result<ColumnSchema> ParseColumn(std::string_view name, const Value& v, const std::string& path) {
  INGESTD_TRY(ExpectObject(v, path));
  ColumnSchema column;
  column.name = std::string(name);
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    const Value& value = m.value;
    std::string p = Join(path, key);
    if (key == "name") {
      INGESTD_ASSIGN_OR_RETURN(std::string stated, AsString(value, p));
      if (stated != name) {
        return At(p, "column name '" + stated + "' does not match its key '" + std::string(name) + "'");
      }
      continue;
    }
    // Optional properties may be null in a dlt dict; null means unset.
    const bool is_null = value.IsNull();
    if (key == "data_type") {
      INGESTD_TRY(SetOptional(column.data_type, value, p, AsDataType));
    } else if (key == "nullable") {
      INGESTD_TRY(SetOptional(column.nullable, value, p, AsBool));
    } else if (key == "precision") {
      INGESTD_TRY(SetOptional(column.precision, value, p, AsInt));
    } else if (key == "scale") {
      INGESTD_TRY(SetOptional(column.scale, value, p, AsInt));
    } else if (key == "timezone") {
      INGESTD_TRY(SetOptional(column.timezone, value, p, AsBool));
    } else if (key == "variant") {
      INGESTD_TRY(SetOptional(column.variant, value, p, AsBool));
    } else if (key == "description") {
      INGESTD_TRY(SetOptional(column.description, value, p, AsString));
    } else if (key == "dedup_sort") {
      if (is_null) continue;
      INGESTD_ASSIGN_OR_RETURN(std::string order, AsString(value, p));
      if (order != "asc" && order != "desc") {
        return At(p, "unknown sort order '" + order + "' (expected one of asc, desc)");
      }
      column.dedup_sort = std::move(order);
    } else if (auto hint = ParseColumnHint(key)) {
      if (is_null) continue;
      INGESTD_ASSIGN_OR_RETURN(bool set, AsBool(value, p));
      column.SetHint(*hint, set);
    } else {
      INGESTD_TRY(AddExtra(column.extra, key, value, p));
    }
  }
  return column;
}

Status ParseNormalizerHints(TableSchema& table, const Value& v, const std::string& path) {
  INGESTD_TRY(ExpectObject(v, path));
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    const Value& value = m.value;
    std::string p = Join(path, key);
    if (key == "seen-data") {
      INGESTD_TRY(SetOptional(table.seen_data, value, p, AsBool));
    } else if (key == "evolve-columns-once") {
      INGESTD_TRY(SetOptional(table.evolve_columns_once, value, p, AsBool));
    } else if (key == "max_nesting") {
      INGESTD_TRY(SetOptional(table.max_nesting, value, p, AsInt));
    } else {
      INGESTD_TRY(AddExtra(table.normalizer_extra, key, value, p));
    }
  }
  return OkStatus();
}

// `root_defaults` as in SchemaWriter.
Result<TableSchema> ParseTable(std::string_view name, const Value& v, const std::string& path,
                               bool root_defaults = true) {
  INGESTD_TRY(ExpectObject(v, path));
  TableSchema table{std::string(name)};
  bool has_columns = false;
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    const Value& value = m.value;
    std::string p = Join(path, key);
    if (key == "name") {
      INGESTD_ASSIGN_OR_RETURN(std::string stated, AsString(value, p));
      if (stated != name) {
        return At(p, "table name '" + stated + "' does not match its key '" + std::string(name) + "'");
      }
      continue;
    }
    if (key == "columns") {
      has_columns = true;
      INGESTD_TRY(ExpectObject(value, p));
      for (const auto& c : value.GetObject()) {
        std::string_view column_name = KeyOf(c);
        INGESTD_ASSIGN_OR_RETURN(ColumnSchema column, ParseColumn(column_name, c.value, Join(p, column_name)));
        table.AddColumn(std::move(column));  // keys are unique (ExpectObject)
      }
      continue;
    }
    const bool is_null = value.IsNull();
    if (key == "write_disposition") {
      if (is_null) continue;
      INGESTD_ASSIGN_OR_RETURN(std::string d, AsString(value, p));
      table.write_disposition = ParseWriteDisposition(d);
      if (!table.write_disposition) {
        return At(p, "unknown write disposition '" + d + "' (expected one of append, replace, merge, skip)");
      }
    } else if (key == "x-merge-strategy") {
      if (is_null) continue;
      INGESTD_ASSIGN_OR_RETURN(std::string s, AsString(value, p));
      table.merge_strategy = ParseMergeStrategy(s);
      if (!table.merge_strategy) {
        return At(p, "unknown merge strategy '" + s +
                         "' (expected one of delete-insert, upsert, scd2, insert-only)");
      }
    } else if (key == "parent") {
      INGESTD_TRY(SetOptional(table.parent, value, p, AsString));
    } else if (key == "resource") {
      INGESTD_TRY(SetOptional(table.resource, value, p, AsString));
    } else if (key == "description") {
      INGESTD_TRY(SetOptional(table.description, value, p, AsString));
    } else if (key == "schema_contract") {
      INGESTD_TRY(SetOptional(table.schema_contract, value, p, ParseContract));
    } else if (key == "table_format") {
      INGESTD_TRY(SetOptional(table.table_format, value, p, AsString));
    } else if (key == "file_format") {
      INGESTD_TRY(SetOptional(table.file_format, value, p, AsString));
    } else if (key == "x-normalizer") {
      if (!is_null) INGESTD_TRY(ParseNormalizerHints(table, value, p));
    } else {
      INGESTD_TRY(AddExtra(table.extra, key, value, p));
    }
  }
  if (!has_columns) return At(Join(path, "columns"), "missing (every table has a columns object)");
  // dlt's apply_defaults: root tables always have these two hints.
  if (root_defaults && IsRootTable(table)) {
    if (!table.write_disposition) table.write_disposition = WriteDisposition::kAppend;
    if (!table.resource) table.resource = std::string(name);
  }
  return table;
}

Status ParseSettings(SchemaSettings& settings, const Value& v, const std::string& path) {
  INGESTD_TRY(ExpectObject(v, path));
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    const Value& value = m.value;
    std::string p = Join(path, key);
    const bool is_null = value.IsNull();
    if (key == "detections") {
      INGESTD_TRY(SetOptional(settings.detections, value, p, ParseStringArray));
    } else if (key == "default_hints") {
      if (is_null) continue;
      INGESTD_TRY(ExpectObject(value, p));
      for (const auto& h : value.GetObject()) {
        std::string_view hint = KeyOf(h);
        INGESTD_ASSIGN_OR_RETURN(auto patterns, ParseStringArray(h.value, Join(p, hint)));
        settings.default_hints.emplace_back(std::string(hint), std::move(patterns));
      }
    } else if (key == "preferred_types") {
      if (is_null) continue;
      INGESTD_TRY(ExpectObject(value, p));
      for (const auto& t : value.GetObject()) {
        std::string_view pattern = KeyOf(t);
        INGESTD_ASSIGN_OR_RETURN(DataType type, AsDataType(t.value, Join(p, pattern)));
        settings.preferred_types.emplace_back(std::string(pattern), type);
      }
    } else if (key == "schema_contract") {
      INGESTD_TRY(SetOptional(settings.schema_contract, value, p, ParseContract));
    } else {
      INGESTD_TRY(AddExtra(settings.extra, key, value, p));
    }
  }
  return OkStatus();
}

Status ParsePropagation(NormalizerConfig& config, const Value& v, const std::string& path) {
  INGESTD_TRY(ExpectObject(v, path));
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    std::string p = Join(path, key);
    if (m.value.IsNull()) continue;
    if (key == "root") {
      INGESTD_ASSIGN_OR_RETURN(config.propagation_root, ParseStringMap(m.value, p));
    } else if (key == "tables") {
      INGESTD_TRY(ExpectObject(m.value, p));
      for (const auto& t : m.value.GetObject()) {
        std::string_view table = KeyOf(t);
        INGESTD_ASSIGN_OR_RETURN(auto mapping, ParseStringMap(t.value, Join(p, table)));
        config.propagation_tables.emplace_back(std::string(table), std::move(mapping));
      }
    } else {
      return At(p, "unknown propagation key (expected root or tables)");
    }
  }
  return OkStatus();
}

Status ParseNormalizers(Schema& schema, const Value& v, const std::string& path) {
  INGESTD_TRY(ExpectObject(v, path));
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    const Value& value = m.value;
    std::string p = Join(path, key);
    if (key == "names") {
      if (!value.IsNull()) {
        INGESTD_ASSIGN_OR_RETURN(schema.naming, AsString(value, p));
      }
    } else if (key == "json") {
      if (value.IsNull()) continue;
      INGESTD_TRY(ExpectObject(value, p));
      for (const auto& j : value.GetObject()) {
        std::string_view json_key = KeyOf(j);
        std::string jp = Join(p, json_key);
        if (json_key == "module") {
          INGESTD_ASSIGN_OR_RETURN(std::string module, AsString(j.value, jp));
          // ingestd implements only dlt's relational normalizer; a schema made
          // for another one would be normalized differently than it says.
          if (module != kRelationalModule && module != "relational") {
            return At(jp, "unsupported json normalizer '" + module + "' (ingestd implements only " +
                              std::string(kRelationalModule) + ")");
          }
        } else if (json_key == "config") {
          if (j.value.IsNull()) continue;
          INGESTD_TRY(ExpectObject(j.value, jp));
          for (const auto& c : j.value.GetObject()) {
            std::string_view config_key = KeyOf(c);
            std::string cp = Join(jp, config_key);
            if (config_key == "max_nesting") {
              INGESTD_TRY(SetOptional(schema.normalizer_config.max_nesting, c.value, cp, AsInt));
            } else if (config_key == "propagation") {
              if (!c.value.IsNull()) INGESTD_TRY(ParsePropagation(schema.normalizer_config, c.value, cp));
            } else {
              INGESTD_TRY(AddExtra(schema.normalizer_config.extra, config_key, c.value, cp));
            }
          }
        } else {
          return At(jp, "unknown key (expected module or config)");
        }
      }
    } else {
      INGESTD_TRY(AddExtra(schema.normalizers_extra, key, value, p));
    }
  }
  return OkStatus();
}

// dlt's is_valid_schema_name: a Python identifier of at most 64 characters.
// Non-ASCII letters are accepted as Python does; ASCII must be [A-Za-z0-9_].
Status CheckSchemaName(const std::string& name) {
  std::size_t code_points = 0;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) != 0x80) ++code_points;
  }
  const bool starts_with_digit = !name.empty() && name[0] >= '0' && name[0] <= '9';
  const bool bad_ascii = std::any_of(name.begin(), name.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c < 0x80 && !(std::isalnum(c) || c == '_');
  });
  if (name.empty() || starts_with_digit || bad_ascii || code_points > kMaxSchemaNameLength) {
    return At("name", "invalid schema name '" + name +
                          "' (must be an identifier: letters, digits and _, not starting with a "
                          "digit, at most 64 characters)");
  }
  return OkStatus();
}

}  // namespace

std::string SchemaToJson(const Schema& schema, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    // dlt writes schema files with two-space indentation.
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    SchemaWriter<decltype(writer)> schema_writer(writer);
    schema_writer.WriteSchema(schema);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    SchemaWriter<decltype(writer)> schema_writer(writer);
    schema_writer.WriteSchema(schema);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Schema> SchemaFromJson(std::string_view json) {
  rapidjson::Document parsed;
  parsed.Parse<kParseFlags>(json.data(), json.size());
  // Read through a const view: RapidJSON's non-const member iterators make
  // C++20 comparisons ambiguous under clang.
  const rapidjson::Document& doc = parsed;
  if (doc.HasParseError()) {
    return InvalidArgument("malformed schema JSON at byte offset " + std::to_string(doc.GetErrorOffset()) +
                           ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return InvalidArgument("schema JSON: expected an object, got " + std::string(JsonTypeName(doc)));
  INGESTD_TRY(ExpectObject(doc, "(root)"));

  // The engine version decides how everything else reads, so check it first.
  auto engine = doc.FindMember("engine_version");
  if (engine == doc.MemberEnd()) return At("engine_version", "missing");
  INGESTD_ASSIGN_OR_RETURN(std::int64_t engine_version, AsInt64(engine->value, "engine_version"));
  if (engine_version != kSchemaEngineVersion) {
    return At("engine_version", "unsupported schema engine version " + std::to_string(engine_version) +
                                    " (ingestd supports only engine version " +
                                    std::to_string(kSchemaEngineVersion) +
                                    "; load and save the schema with a current dlt to upgrade it)");
  }
  auto name_it = doc.FindMember("name");
  if (name_it == doc.MemberEnd()) return At("name", "missing (a schema needs a name)");
  INGESTD_ASSIGN_OR_RETURN(std::string name, AsString(name_it->value, "name"));
  INGESTD_TRY(CheckSchemaName(name));

  Schema schema;
  schema.set_name(name);
  std::int64_t version = 0;
  std::string version_hash;
  std::vector<std::string> previous_hashes;
  bool has_tables = false;
  for (const auto& m : doc.GetObject()) {
    std::string_view key = KeyOf(m);
    const Value& value = m.value;
    std::string p(key);
    const bool is_null = value.IsNull();
    if (key == "engine_version" || key == "name") {
      continue;  // checked above
    } else if (key == "version") {
      INGESTD_TRY(SetOptional(version, value, p, AsInt64));
    } else if (key == "version_hash") {
      INGESTD_TRY(SetOptional(version_hash, value, p, AsString));
    } else if (key == "previous_hashes") {
      INGESTD_TRY(SetOptional(previous_hashes, value, p, ParseStringArray));
    } else if (key == "imported_version_hash") {
      INGESTD_TRY(SetOptional(schema.imported_version_hash, value, p, AsString));
    } else if (key == "description") {
      INGESTD_TRY(SetOptional(schema.description, value, p, AsString));
    } else if (key == "tables") {
      has_tables = true;
      INGESTD_TRY(ExpectObject(value, p));
      for (const auto& t : value.GetObject()) {
        std::string_view table_name = KeyOf(t);
        INGESTD_ASSIGN_OR_RETURN(TableSchema table, ParseTable(table_name, t.value, Join(p, table_name)));
        schema.AddTable(std::move(table));  // keys are unique (ExpectObject)
      }
    } else if (key == "settings") {
      if (!is_null) INGESTD_TRY(ParseSettings(schema.settings, value, p));
    } else if (key == "normalizers") {
      if (!is_null) INGESTD_TRY(ParseNormalizers(schema, value, p));
    } else {
      INGESTD_TRY(AddExtra(schema.extra, key, value, p));
    }
  }
  if (!has_tables) return At("tables", "missing (a schema has a tables object)");
  // dlt refuses such a schema (SchemaCorruptedException).
  for (std::string_view required : {kVersionTableName, kLoadsTableName}) {
    if (schema.FindTable(required) == nullptr) {
      return At("tables", "schema '" + name + "' is corrupted: it must contain table " +
                              std::string(required) + " (dlt's system tables _dlt_version and _dlt_loads)");
    }
  }
  for (const TableSchema& table : schema.tables()) {
    if (table.parent && !table.parent->empty() && schema.FindTable(*table.parent) == nullptr) {
      return At(Join(Join("tables", table.name()), "parent"),
                "parent table '" + *table.parent + "' is not in the schema");
    }
  }
  schema.SetVersion(version, std::move(version_hash), std::move(previous_hashes));
  return schema;
}

std::string PartialTableToJson(const TableSchema& table) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  SchemaWriter<decltype(writer)> table_writer(writer, /*root_defaults=*/false);
  table_writer.WriteSingleTable(table);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<TableSchema> PartialTableFromJson(std::string_view json, std::string_view path) {
  rapidjson::Document parsed;
  parsed.Parse<kParseFlags>(json.data(), json.size());
  const rapidjson::Document& doc = parsed;
  if (doc.HasParseError()) {
    return At(path, "malformed table JSON at byte offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                        rapidjson::GetParseError_En(doc.GetParseError()));
  }
  INGESTD_TRY(ExpectObject(doc, path));
  auto name_it = doc.FindMember("name");
  if (name_it == doc.MemberEnd()) return At(Join(path, "name"), "missing (a table needs a name)");
  INGESTD_ASSIGN_OR_RETURN(std::string name, AsString(name_it->value, Join(path, "name")));
  return ParseTable(name, doc, std::string(path), /*root_defaults=*/false);
}

std::string ComputeVersionHash(const Schema& schema) {
  // Hash exactly what SchemaToJson stores, re-read so keys can be sorted.
  std::string stored = SchemaToJson(schema, false);
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(stored.data(), stored.size());
  // Only an extra property holding invalid JSON text could break this.
  INGESTD_CHECK(!doc.HasParseError() && doc.IsObject());
  static const std::vector<std::string_view> kUnhashed = {"version", "version_hash",
                                                          "imported_version_hash", "previous_hashes"};
  std::string content;
  content.reserve(stored.size());
  AppendSorted(content, doc, &kUnhashed);
  // dlt also feeds the table names (sorted) and each table's column names in
  // order, so reordering columns changes the hash although sorted JSON would not.
  std::vector<const TableSchema*> tables;
  for (const TableSchema& table : schema.tables()) tables.push_back(&table);
  std::sort(tables.begin(), tables.end(),
            [](const TableSchema* a, const TableSchema* b) { return a->name() < b->name(); });
  for (const TableSchema* table : tables) {
    content += table->name();
    for (const ColumnSchema& column : table->columns()) content += column.name;
  }
  return Base64Encode(Sha3_256(content));
}

}  // namespace ingestd::schema
