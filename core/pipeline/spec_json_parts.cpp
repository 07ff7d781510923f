#include "core/pipeline/spec_json_parts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/check.hpp"
#include "core/json/json_type_name.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::pipeline::spec_json {

// ---------------------------------------------------------------------------
// Paths and messages

std::string_view KeyOf(const Value::Member& m) {
  INGESTD_CHECK(m.name.IsString());  // RapidJSON only produces string keys
  return {m.name.GetString(), m.name.GetStringLength()};
}

std::string Join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out.push_back('.');
  out += key;
  return out;
}

std::string Index(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

Error At(std::string_view path, std::string_view message) {
  if (path.empty()) return InvalidArgument("pipeline spec: " + std::string(message));
  return InvalidArgument(std::string(path) + ": " + std::string(message));
}

Error WrongType(std::string_view path, std::string_view expected, const Value& v) {
  return At(path, "expected " + std::string(expected) + ", got " + std::string(JsonTypeName(v)));
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string List(const std::vector<std::string_view>& names, bool quote) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += quote ? Quoted(names[i]) : std::string(names[i]);
  }
  return out;
}

std::string CompactJson(const Value& v) {
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(text);
  v.Accept(writer);
  return std::string(text.GetString(), text.GetSize());
}

Error InvalidJson(std::string_view what, std::string_view text, rapidjson::ParseErrorCode code, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return InvalidArgument(std::string(what) + ": invalid JSON at line " + std::to_string(line) + ", column " +
                         std::to_string(offset - line_start + 1) + ": " + rapidjson::GetParseError_En(code));
}

Result<Object> Object::Open(const Value& v, std::string path, std::vector<std::string_view> allowed,
                            const std::vector<KnownKey>& rejected) {
  if (!v.IsObject()) return WrongType(path, "an object", v);
  std::vector<std::string_view> seen;
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      for (const KnownKey& known : rejected) {
        if (known.key == key) return At(Join(path, key), known.message);
      }
      return At(Join(path, key), "unknown key (allowed: " + List(allowed, false) + ")");
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return At(path, "duplicate key " + Quoted(key));
    }
    seen.push_back(key);
  }
  return Object(v, std::move(path));
}

const Value* Object::Find(std::string_view key) const {
  auto it = v_->FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
  return it == v_->MemberEnd() ? nullptr : &it->value;
}

Result<const Value*> Object::Require(std::string_view key) const {
  if (const Value* v = Find(key)) return v;
  return At(path_, "missing required key " + Quoted(key));
}

// ---------------------------------------------------------------------------
// Scalars

Result<std::string> AsString(const Value& v, std::string_view path) {
  if (!v.IsString()) return WrongType(path, "a string", v);
  return std::string(v.GetString(), v.GetStringLength());
}

Result<std::string> AsNonEmptyString(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string s, AsString(v, path));
  if (s.empty()) return At(path, "must not be empty");
  return s;
}

Result<bool> AsBool(const Value& v, std::string_view path) {
  if (!v.IsBool()) return WrongType(path, "a boolean", v);
  return v.GetBool();
}

Result<std::int64_t> AsInteger(const Value& v, std::string_view path, std::int64_t min, std::int64_t max) {
  std::string expected = min == 0 ? "a non-negative integer" : min == 1 ? "a positive integer" : "an integer";
  if (!v.IsInt64()) {
    if (!v.IsNumber()) return WrongType(path, expected, v);
    return At(path, "expected " + expected + ", got " + CompactJson(v));
  }
  std::int64_t n = v.GetInt64();
  if (n < min) return At(path, "expected " + expected + ", got " + std::to_string(n));
  if (n > max) return At(path, "expected " + expected + " of at most " + std::to_string(max) + ", got " + std::to_string(n));
  return n;
}

Result<double> AsNumber(const Value& v, std::string_view path) {
  if (!v.IsNumber()) return WrongType(path, "a number", v);
  double d = v.GetDouble();
  if (!std::isfinite(d)) return At(path, "expected a finite number, got " + CompactJson(v));
  return d;
}

Result<std::string> AsEnum(const Value& v, std::string_view path, const std::vector<std::string_view>& allowed) {
  std::string expected = "one of " + List(allowed, true);
  if (!v.IsString()) return WrongType(path, expected, v);
  std::string s(v.GetString(), v.GetStringLength());
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    return At(path, "expected " + expected + ", got " + Quoted(s));
  }
  return s;
}

Result<std::vector<std::string>> AsColumnList(const Value& v, std::string_view path) {
  if (v.IsString()) {
    INGESTD_ASSIGN_OR_RETURN(std::string name, AsNonEmptyString(v, path));
    return std::vector<std::string>{std::move(name)};
  }
  if (!v.IsArray()) return WrongType(path, "a column name or an array of column names", v);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.Size(); ++i) {
    std::string p = Index(path, i);
    INGESTD_ASSIGN_OR_RETURN(std::string name, AsNonEmptyString(v[i], p));
    if (std::find(out.begin(), out.end(), name) != out.end()) return At(p, "duplicate column " + Quoted(name));
    out.push_back(std::move(name));
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> AsStringMap(const Value& v, std::string_view path) {
  if (!v.IsObject()) return WrongType(path, "an object of strings", v);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : v.GetObject()) {
    std::string_view key = KeyOf(m);
    for (const auto& [k, unused] : out) {
      if (k == key) return At(path, "duplicate key " + Quoted(key));
    }
    INGESTD_ASSIGN_OR_RETURN(std::string value, AsString(m.value, Join(path, key)));
    out.emplace_back(std::string(key), std::move(value));
  }
  return out;
}

Result<std::string> AsSecret(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string s, AsNonEmptyString(v, path));
  std::string_view text = s;
  if ((text.starts_with("env:") || text.starts_with("file:")) && text.substr(text.find(':') + 1).empty()) {
    return At(path, "secret reference " + Quoted(text) + " names nothing (use env:VARIABLE or file:/path/to/secret)");
  }
  return s;
}

// ---------------------------------------------------------------------------
// Resource hints

Result<Disposition> ParseWriteDisposition(const Value& v, const std::string& path) {
  static const std::vector<std::string_view> kDispositions = {"append", "replace", "merge"};
  static const std::vector<std::string_view> kStrategies = {"delete-insert", "upsert", "scd2"};
  Disposition out;
  if (v.IsString()) {
    INGESTD_ASSIGN_OR_RETURN(std::string d, AsEnum(v, path, kDispositions));
    out.disposition = *schema::ParseWriteDisposition(d);
    return out;
  }
  if (!v.IsObject()) {
    return WrongType(path, "one of \"append\", \"replace\", \"merge\" or an object {disposition, strategy}", v);
  }
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"disposition", "strategy"}));
  INGESTD_ASSIGN_OR_RETURN(const Value* d, o.Require("disposition"));
  INGESTD_ASSIGN_OR_RETURN(std::string disposition, AsEnum(*d, o.PathOf("disposition"), kDispositions));
  out.disposition = *schema::ParseWriteDisposition(disposition);
  if (const Value* s = o.Find("strategy")) {
    std::string p = o.PathOf("strategy");
    INGESTD_ASSIGN_OR_RETURN(std::string strategy, AsEnum(*s, p, kStrategies));
    if (out.disposition != schema::WriteDisposition::kMerge) {
      return At(p, "a merge strategy needs disposition \"merge\", got " + Quoted(disposition));
    }
    out.strategy = *schema::ParseMergeStrategy(strategy);
  }
  return out;
}

namespace {

Result<schema::ContractMode> ParseContractMode(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string mode, AsEnum(v, path, {"evolve", "freeze", "discard_row", "discard_value"}));
  return *schema::ParseContractMode(mode);
}

// The boolean column hints a spec may set (the others are dlt's internal ones).
constexpr schema::ColumnHint kUserHints[] = {
    schema::ColumnHint::kPartition, schema::ColumnHint::kCluster,  schema::ColumnHint::kPrimaryKey,
    schema::ColumnHint::kSort,      schema::ColumnHint::kUnique,   schema::ColumnHint::kMergeKey,
    schema::ColumnHint::kHardDelete,
};

Result<schema::ColumnSchema> ParseColumn(const Value& v, const std::string& path, std::string name) {
  std::vector<std::string_view> allowed = {"data_type", "nullable", "precision", "scale",
                                           "timezone",  "description", "dedup_sort"};
  for (schema::ColumnHint hint : kUserHints) allowed.push_back(schema::ColumnHintName(hint));
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed));
  schema::ColumnSchema column;
  column.name = std::move(name);
  if (const Value* x = o.Find("data_type")) {
    std::vector<std::string_view> types;
    for (int i = 0; i < schema::kDataTypeCount; ++i) {
      types.push_back(schema::DataTypeName(static_cast<schema::DataType>(i)));
    }
    INGESTD_ASSIGN_OR_RETURN(std::string type, AsEnum(*x, o.PathOf("data_type"), types));
    column.data_type = schema::ParseDataType(type);
  }
  if (const Value* x = o.Find("nullable")) {
    INGESTD_ASSIGN_OR_RETURN(column.nullable, AsBool(*x, o.PathOf("nullable")));
  }
  if (const Value* x = o.Find("precision")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n,
                             AsInteger(*x, o.PathOf("precision"), 1, std::numeric_limits<int>::max()));
    column.precision = static_cast<int>(n);
  }
  if (const Value* x = o.Find("scale")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("scale"), 0, std::numeric_limits<int>::max()));
    column.scale = static_cast<int>(n);
  }
  if (const Value* x = o.Find("timezone")) {
    INGESTD_ASSIGN_OR_RETURN(column.timezone, AsBool(*x, o.PathOf("timezone")));
  }
  if (const Value* x = o.Find("description")) {
    INGESTD_ASSIGN_OR_RETURN(column.description, AsString(*x, o.PathOf("description")));
  }
  if (const Value* x = o.Find("dedup_sort")) {
    INGESTD_ASSIGN_OR_RETURN(column.dedup_sort, AsEnum(*x, o.PathOf("dedup_sort"), {"asc", "desc"}));
  }
  for (schema::ColumnHint hint : kUserHints) {
    std::string_view key = schema::ColumnHintName(hint);
    if (const Value* x = o.Find(key)) {
      INGESTD_ASSIGN_OR_RETURN(bool b, AsBool(*x, o.PathOf(key)));
      column.SetHint(hint, b);
    }
  }
  return column;
}

}  // namespace

Result<schema::SchemaContract> ParseSchemaContract(const Value& v, const std::string& path) {
  if (v.IsString()) {
    INGESTD_ASSIGN_OR_RETURN(schema::ContractMode mode, ParseContractMode(v, path));
    return schema::SchemaContract::All(mode);
  }
  if (!v.IsObject()) {
    return WrongType(path, "a contract mode (\"evolve\", \"freeze\", \"discard_row\", \"discard_value\") or an object", v);
  }
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"tables", "columns", "data_type"}));
  schema::SchemaContract contract;
  if (const Value* x = o.Find("tables")) {
    INGESTD_ASSIGN_OR_RETURN(contract.tables, ParseContractMode(*x, o.PathOf("tables")));
  }
  if (const Value* x = o.Find("columns")) {
    INGESTD_ASSIGN_OR_RETURN(contract.columns, ParseContractMode(*x, o.PathOf("columns")));
  }
  if (const Value* x = o.Find("data_type")) {
    INGESTD_ASSIGN_OR_RETURN(contract.data_type, ParseContractMode(*x, o.PathOf("data_type")));
  }
  return contract;
}

Result<std::vector<schema::ColumnSchema>> ParseColumns(const Value& v, const std::string& path) {
  if (!v.IsObject()) return WrongType(path, "an object of column name -> column hints", v);
  std::vector<schema::ColumnSchema> columns;
  for (const auto& m : v.GetObject()) {
    std::string_view name = KeyOf(m);
    std::string p = Join(path, name);
    if (name.empty()) return At(path, "a column name must not be empty");
    for (const schema::ColumnSchema& c : columns) {
      if (c.name == name) return At(path, "duplicate key " + Quoted(name));
    }
    INGESTD_ASSIGN_OR_RETURN(schema::ColumnSchema column, ParseColumn(m.value, p, std::string(name)));
    columns.push_back(std::move(column));
  }
  return columns;
}

const std::vector<std::string_view>& TableHints::Keys() {
  static const std::vector<std::string_view> kKeys = {"table_name", "write_disposition", "primary_key",
                                                      "merge_key",  "columns",           "max_table_nesting",
                                                      "schema_contract"};
  return kKeys;
}

TableHints TableHints::Merge(const TableHints& defaults, const TableHints& over) {
  TableHints out = defaults;
  if (over.table_name) out.table_name = over.table_name;
  if (over.write_disposition) out.write_disposition = over.write_disposition;
  if (over.primary_key) out.primary_key = over.primary_key;
  if (over.merge_key) out.merge_key = over.merge_key;
  if (over.max_table_nesting) out.max_table_nesting = over.max_table_nesting;
  if (over.schema_contract) out.schema_contract = over.schema_contract;
  if (over.columns) {
    if (!out.columns) {
      out.columns = over.columns;
    } else {
      for (const schema::ColumnSchema& column : *over.columns) {
        auto it = std::find_if(out.columns->begin(), out.columns->end(),
                               [&](const schema::ColumnSchema& c) { return c.name == column.name; });
        if (it == out.columns->end()) {
          out.columns->push_back(column);
        } else {
          schema::MergeColumnProperties(*it, column);
        }
      }
    }
  }
  return out;
}

void TableHints::ApplyTo(ResourceSpec& r) const {
  r.table_name = table_name.value_or(r.name);
  if (write_disposition) {
    r.write_disposition = write_disposition->disposition;
    r.merge_strategy = write_disposition->strategy;
  }
  if (primary_key) r.primary_key = *primary_key;
  if (merge_key) r.merge_key = *merge_key;
  if (columns) r.columns = *columns;
  if (max_table_nesting) r.max_table_nesting = max_table_nesting;
  if (schema_contract) r.schema_contract = schema_contract;
}

Result<TableHints> ParseTableHints(const Object& o) {
  TableHints h;
  if (const Value* x = o.Find("table_name")) {
    INGESTD_ASSIGN_OR_RETURN(h.table_name, AsNonEmptyString(*x, o.PathOf("table_name")));
  }
  if (const Value* x = o.Find("write_disposition")) {
    INGESTD_ASSIGN_OR_RETURN(h.write_disposition, ParseWriteDisposition(*x, o.PathOf("write_disposition")));
  }
  if (const Value* x = o.Find("primary_key")) {
    INGESTD_ASSIGN_OR_RETURN(h.primary_key, AsColumnList(*x, o.PathOf("primary_key")));
  }
  if (const Value* x = o.Find("merge_key")) {
    INGESTD_ASSIGN_OR_RETURN(h.merge_key, AsColumnList(*x, o.PathOf("merge_key")));
  }
  if (const Value* x = o.Find("columns")) {
    INGESTD_ASSIGN_OR_RETURN(h.columns, ParseColumns(*x, o.PathOf("columns")));
  }
  if (const Value* x = o.Find("max_table_nesting")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n,
                             AsInteger(*x, o.PathOf("max_table_nesting"), 0, std::numeric_limits<int>::max()));
    h.max_table_nesting = static_cast<int>(n);
  }
  if (const Value* x = o.Find("schema_contract")) {
    INGESTD_ASSIGN_OR_RETURN(h.schema_contract, ParseSchemaContract(*x, o.PathOf("schema_contract")));
  }
  return h;
}

Status CheckUpsertHasKey(const ResourceSpec& r, std::string_view path) {
  if (r.merge_strategy != schema::MergeStrategy::kUpsert) return {};
  if (!r.primary_key.empty()) return {};
  if (std::any_of(r.columns.begin(), r.columns.end(),
                  [](const schema::ColumnSchema& c) { return c.HasHint(schema::ColumnHint::kPrimaryKey); })) {
    return {};
  }
  return At(path, "strategy \"upsert\" needs a primary key (set primary_key, or primary_key: true on a column)");
}

// ---------------------------------------------------------------------------
// Incremental

Result<std::optional<extract::CursorValue>> ParseCursorValue(const Value& v, std::string_view path) {
  if (v.IsNull()) return std::optional<extract::CursorValue>();
  if (!v.IsString() && !v.IsNumber() && !v.IsBool()) {
    return WrongType(path, "a number, a string, a boolean or null", v);
  }
  auto value = extract::CursorValue::FromJson(CompactJson(v));
  if (!value.ok()) return At(path, value.error().message());
  return std::optional<extract::CursorValue>(*std::move(value));
}

const std::vector<std::string_view>& IncrementalKeys() {
  static const std::vector<std::string_view> kKeys = {
      "cursor_path", "initial_value", "end_value", "last_value_func", "primary_key", "on_cursor_value_missing",
      "range_start", "range_end"};
  return kKeys;
}

Result<extract::IncrementalConfig> ParseIncrementalKeys(const Object& o) {
  extract::IncrementalConfig config;
  INGESTD_ASSIGN_OR_RETURN(const Value* cursor, o.Require("cursor_path"));
  std::string cursor_path = o.PathOf("cursor_path");
  INGESTD_ASSIGN_OR_RETURN(config.cursor_path, AsNonEmptyString(*cursor, cursor_path));
  if (auto parsed = extract::CursorPath::Parse(config.cursor_path); !parsed.ok()) {
    return At(cursor_path, parsed.error().message());
  }
  if (const Value* x = o.Find("initial_value")) {
    INGESTD_ASSIGN_OR_RETURN(config.initial_value, ParseCursorValue(*x, o.PathOf("initial_value")));
  }
  if (const Value* x = o.Find("end_value")) {
    INGESTD_ASSIGN_OR_RETURN(config.end_value, ParseCursorValue(*x, o.PathOf("end_value")));
  }
  if (const Value* x = o.Find("last_value_func")) {
    INGESTD_ASSIGN_OR_RETURN(std::string f, AsEnum(*x, o.PathOf("last_value_func"), {"max", "min"}));
    config.last_value_func = f == "min" ? extract::LastValueFunc::kMin : extract::LastValueFunc::kMax;
  }
  if (const Value* x = o.Find("primary_key")) {
    INGESTD_ASSIGN_OR_RETURN(config.primary_key, AsColumnList(*x, o.PathOf("primary_key")));
  }
  if (const Value* x = o.Find("on_cursor_value_missing")) {
    INGESTD_ASSIGN_OR_RETURN(std::string m,
                             AsEnum(*x, o.PathOf("on_cursor_value_missing"), {"raise", "include", "exclude"}));
    config.on_cursor_value_missing = m == "include"   ? extract::OnCursorValueMissing::kInclude
                                     : m == "exclude" ? extract::OnCursorValueMissing::kExclude
                                                      : extract::OnCursorValueMissing::kRaise;
  }
  if (const Value* x = o.Find("range_start")) {
    INGESTD_ASSIGN_OR_RETURN(std::string b, AsEnum(*x, o.PathOf("range_start"), {"closed", "open"}));
    config.range_start = b == "open" ? extract::RangeBound::kOpen : extract::RangeBound::kClosed;
  }
  if (const Value* x = o.Find("range_end")) {
    INGESTD_ASSIGN_OR_RETURN(std::string b, AsEnum(*x, o.PathOf("range_end"), {"open", "closed"}));
    config.range_end = b == "closed" ? extract::RangeBound::kClosed : extract::RangeBound::kOpen;
  }
  if (config.end_value) {
    std::string end_path = o.PathOf("end_value");
    if (!config.initial_value) return At(end_path, "needs initial_value");
    auto cmp = config.end_value->Compare(*config.initial_value);
    if (!cmp.ok()) {
      return At(end_path, "is " + std::string(config.end_value->KindName()) + " but initial_value is " +
                              std::string(config.initial_value->KindName()));
    }
    bool max = config.last_value_func == extract::LastValueFunc::kMax;
    if ((max ? *cmp : -*cmp) <= 0) {
      return At(end_path, "must be " + std::string(max ? "greater" : "less") + " than initial_value " +
                              config.initial_value->ToJson() + " (last_value_func \"" +
                              std::string(extract::LastValueFuncName(config.last_value_func)) + "\"), got " +
                              config.end_value->ToJson());
    }
  }
  return config;
}

Result<extract::IncrementalConfig> ParseIncremental(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, IncrementalKeys()));
  return ParseIncrementalKeys(o);
}

// ---------------------------------------------------------------------------
// URLs

std::optional<std::string> CheckAbsoluteHttpUrl(std::string_view url) {
  auto lower_starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  std::size_t rest = 0;
  if (lower_starts("https://")) {
    rest = 8;
  } else if (lower_starts("http://")) {
    rest = 7;
  } else {
    return "expected an absolute http:// or https:// URL";
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
  }
  std::string_view authority = url.substr(rest);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain user:password@ (put credentials in auth)";
  }
  if (authority.empty() || authority.front() == ':') return "has no host";
  return std::nullopt;
}

}  // namespace ingestd::pipeline::spec_json
