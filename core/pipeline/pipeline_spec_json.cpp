// Parsing and validation of pipeline specs (pipeline_spec.hpp). Every error
// starts with the JSON path of the mistake: `resources[1].incremental.x`.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/check.hpp"
#include "core/json/json_type_name.hpp"
#include "core/json/rapidjson.hpp"
#include "core/pipeline/pipeline_spec.hpp"

namespace ingestd::pipeline {
namespace {

using rapidjson::Value;

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr std::size_t kMaxPipelineNameLength = 64;

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

// An object whose keys are checked once against the allowed set: unknown
// keys (a typo must not be silently ignored) and duplicates are errors.
class Object {
 public:
  static Result<Object> Open(const Value& v, std::string path, std::vector<std::string_view> allowed) {
    if (!v.IsObject()) return WrongType(path, "an object", v);
    std::vector<std::string_view> seen;
    for (const auto& m : v.GetObject()) {
      std::string_view key = KeyOf(m);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return At(Join(path, key), "unknown key (allowed: " + List(allowed, false) + ")");
      }
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return At(path, "duplicate key " + Quoted(key));
      }
      seen.push_back(key);
    }
    return Object(v, std::move(path));
  }

  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return Join(path_, key); }

  /// The member, or nullptr when absent.
  const Value* Find(std::string_view key) const {
    auto it = v_->FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
    return it == v_->MemberEnd() ? nullptr : &it->value;
  }
  Result<const Value*> Require(std::string_view key) const {
    if (const Value* v = Find(key)) return v;
    return At(path_, "missing required key " + Quoted(key));
  }

 private:
  Object(const Value& v, std::string path) : v_(&v), path_(std::move(path)) {}
  const Value* v_;
  std::string path_;
};

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

// An integer in [min, max].
Result<std::int64_t> AsInteger(const Value& v, std::string_view path, std::int64_t min,
                               std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
  std::string expected = min == 0 ? "a non-negative integer" : min == 1 ? "a positive integer" : "an integer";
  if (!v.IsInt64()) {
    if (!v.IsNumber()) return WrongType(path, expected, v);
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> writer(text);
    v.Accept(writer);
    return At(path, "expected " + expected + ", got " + std::string(text.GetString(), text.GetSize()));
  }
  std::int64_t n = v.GetInt64();
  if (n < min) return At(path, "expected " + expected + ", got " + std::to_string(n));
  if (n > max) return At(path, "expected " + expected + " of at most " + std::to_string(max) + ", got " + std::to_string(n));
  return n;
}

// One of a fixed set of strings.
Result<std::string> AsEnum(const Value& v, std::string_view path, const std::vector<std::string_view>& allowed) {
  std::string expected = "one of " + List(allowed, true);
  if (!v.IsString()) return WrongType(path, expected, v);
  std::string s(v.GetString(), v.GetStringLength());
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    return At(path, "expected " + expected + ", got " + Quoted(s));
  }
  return s;
}

// A key: one column name or a list of them. An empty list means none.
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

// ---------------------------------------------------------------------------
// Destination and options

Result<DestinationSpec> ParseDestination(const Value& v, const std::string& path) {
  if (!v.IsObject()) return WrongType(path, "an object", v);
  DestinationSpec dest;
  auto kind_it = v.FindMember("kind");
  if (kind_it != v.MemberEnd()) {
    INGESTD_ASSIGN_OR_RETURN(std::string kind, AsEnum(kind_it->value, Join(path, "kind"), {"sqlite", "postgres"}));
    dest.kind = kind == "postgres" ? DestinationKind::kPostgres : DestinationKind::kSqlite;
  }
  if (dest.kind == DestinationKind::kSqlite) {
    INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"kind", "path"}));
    if (const Value* p = o.Find("path")) {
      INGESTD_ASSIGN_OR_RETURN(dest.sqlite_path, AsNonEmptyString(*p, o.PathOf("path")));
    }
    return dest;
  }
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"kind", "dsn"}));
  if (o.Find("dsn") == nullptr) return At(path, "missing required key \"dsn\" (kind \"postgres\")");
  std::string dsn_path = o.PathOf("dsn");
  INGESTD_ASSIGN_OR_RETURN(dest.postgres_dsn, AsNonEmptyString(*o.Find("dsn"), dsn_path));
  std::string_view dsn = dest.postgres_dsn;
  if ((dsn.starts_with("env:") || dsn.starts_with("file:")) && dsn.substr(dsn.find(':') + 1).empty()) {
    return At(dsn_path, "secret reference " + Quoted(dsn) +
                            " names nothing (use env:VARIABLE or file:/path/to/secret)");
  }
  return dest;
}

Result<PipelineOptions> ParseOptions(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(
      Object o, Object::Open(v, path, {"buffer_max_items", "file_max_items", "file_max_bytes", "max_identifier_length"}));
  PipelineOptions options;
  if (const Value* x = o.Find("buffer_max_items")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("buffer_max_items"), 1));
    options.buffer_max_items = static_cast<std::size_t>(n);
  }
  if (const Value* x = o.Find("file_max_items")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("file_max_items"), 1));
    options.file_max_items = static_cast<std::uint64_t>(n);
  }
  if (const Value* x = o.Find("file_max_bytes")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("file_max_bytes"), 1));
    options.file_max_bytes = static_cast<std::uint64_t>(n);
  }
  if (const Value* x = o.Find("max_identifier_length")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("max_identifier_length"), 1));
    options.max_identifier_length = static_cast<std::size_t>(n);
  }
  return options;
}

// ---------------------------------------------------------------------------
// Resource parts

struct Disposition {
  schema::WriteDisposition disposition = schema::WriteDisposition::kAppend;
  std::optional<schema::MergeStrategy> strategy;
};

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

Result<schema::ContractMode> ParseContractMode(const Value& v, std::string_view path) {
  INGESTD_ASSIGN_OR_RETURN(std::string mode,
                           AsEnum(v, path, {"evolve", "freeze", "discard_row", "discard_value"}));
  return *schema::ParseContractMode(mode);
}

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

// A JSON scalar as a cursor value; null means unset.
Result<std::optional<extract::CursorValue>> ParseCursorValue(const Value& v, std::string_view path) {
  if (v.IsNull()) return std::optional<extract::CursorValue>();
  if (!v.IsString() && !v.IsNumber() && !v.IsBool()) {
    return WrongType(path, "a number, a string, a boolean or null", v);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  auto value = extract::CursorValue::FromJson(std::string_view(buffer.GetString(), buffer.GetSize()));
  if (!value.ok()) return At(path, value.error().message());
  return std::optional<extract::CursorValue>(*std::move(value));
}

Result<extract::IncrementalConfig> ParseIncremental(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path,
                                                  {"cursor_path", "initial_value", "end_value", "last_value_func",
                                                   "primary_key", "on_cursor_value_missing", "range_start",
                                                   "range_end"}));
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

Result<extract::CsvOptions> ParseCsvOptions(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"delimiter", "header"}));
  extract::CsvOptions csv;
  if (const Value* x = o.Find("delimiter")) {
    std::string p = o.PathOf("delimiter");
    INGESTD_ASSIGN_OR_RETURN(std::string d, AsString(*x, p));
    if (d.size() != 1 || d[0] == '"' || d[0] == '\r' || d[0] == '\n') {
      return At(p, "expected one ASCII character other than '\"', CR and LF, got " + Quoted(d));
    }
    if (static_cast<unsigned char>(d[0]) >= 0x80) return At(p, "expected one ASCII character, got " + Quoted(d));
    csv.delimiter = d[0];
  }
  if (const Value* x = o.Find("header")) {
    INGESTD_ASSIGN_OR_RETURN(csv.header, AsBool(*x, o.PathOf("header")));
  }
  return csv;
}

Result<extract::FilesConfig> ParseFilesSource(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"kind", "paths", "format", "csv"}));
  extract::FilesConfig files;
  INGESTD_ASSIGN_OR_RETURN(const Value* paths, o.Require("paths"));
  std::string paths_path = o.PathOf("paths");
  if (!paths->IsArray()) return WrongType(paths_path, "an array of paths or glob patterns", *paths);
  if (paths->Size() == 0) return At(paths_path, "expected at least one path or glob pattern");
  for (std::size_t i = 0; i < paths->Size(); ++i) {
    INGESTD_ASSIGN_OR_RETURN(std::string p, AsNonEmptyString((*paths)[i], Index(paths_path, i)));
    files.paths.push_back(std::move(p));
  }
  if (const Value* x = o.Find("format")) {
    INGESTD_ASSIGN_OR_RETURN(std::string f, AsEnum(*x, o.PathOf("format"), {"auto", "json", "jsonl", "csv"}));
    files.format = *extract::ParseFileFormat(f);
  }
  if (const Value* x = o.Find("csv")) {
    INGESTD_ASSIGN_OR_RETURN(files.csv, ParseCsvOptions(*x, o.PathOf("csv")));
  }
  return files;
}

Result<SourceSpec> ParseSource(const Value& v, const std::string& path) {
  if (!v.IsObject()) return WrongType(path, "an object", v);
  auto kind_it = v.FindMember("kind");
  if (kind_it == v.MemberEnd()) return At(path, "missing required key \"kind\" (one of \"files\")");
  INGESTD_ASSIGN_OR_RETURN(std::string kind, AsEnum(kind_it->value, Join(path, "kind"), {"files"}));
  INGESTD_ASSIGN_OR_RETURN(extract::FilesConfig files, ParseFilesSource(v, path));
  return SourceSpec(std::move(files));
}

bool HasPrimaryKey(const ResourceSpec& r) {
  if (!r.primary_key.empty()) return true;
  return std::any_of(r.columns.begin(), r.columns.end(),
                     [](const schema::ColumnSchema& c) { return c.HasHint(schema::ColumnHint::kPrimaryKey); });
}

Result<ResourceSpec> ParseResource(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path,
                                                  {"name", "table_name", "write_disposition", "primary_key",
                                                   "merge_key", "columns", "max_table_nesting", "schema_contract",
                                                   "incremental", "source"}));
  ResourceSpec r;
  INGESTD_ASSIGN_OR_RETURN(const Value* name, o.Require("name"));
  INGESTD_ASSIGN_OR_RETURN(r.name, AsNonEmptyString(*name, o.PathOf("name")));
  r.table_name = r.name;
  if (const Value* x = o.Find("table_name")) {
    INGESTD_ASSIGN_OR_RETURN(r.table_name, AsNonEmptyString(*x, o.PathOf("table_name")));
  }
  if (const Value* x = o.Find("write_disposition")) {
    INGESTD_ASSIGN_OR_RETURN(Disposition d, ParseWriteDisposition(*x, o.PathOf("write_disposition")));
    r.write_disposition = d.disposition;
    r.merge_strategy = d.strategy;
  }
  if (const Value* x = o.Find("primary_key")) {
    INGESTD_ASSIGN_OR_RETURN(r.primary_key, AsColumnList(*x, o.PathOf("primary_key")));
  }
  if (const Value* x = o.Find("merge_key")) {
    INGESTD_ASSIGN_OR_RETURN(r.merge_key, AsColumnList(*x, o.PathOf("merge_key")));
  }
  if (const Value* x = o.Find("columns")) {
    INGESTD_ASSIGN_OR_RETURN(r.columns, ParseColumns(*x, o.PathOf("columns")));
  }
  if (const Value* x = o.Find("max_table_nesting")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n,
                             AsInteger(*x, o.PathOf("max_table_nesting"), 0, std::numeric_limits<int>::max()));
    r.max_table_nesting = static_cast<int>(n);
  }
  if (const Value* x = o.Find("schema_contract")) {
    INGESTD_ASSIGN_OR_RETURN(r.schema_contract, ParseSchemaContract(*x, o.PathOf("schema_contract")));
  }
  if (const Value* x = o.Find("incremental")) {
    INGESTD_ASSIGN_OR_RETURN(r.incremental, ParseIncremental(*x, o.PathOf("incremental")));
  }
  INGESTD_ASSIGN_OR_RETURN(const Value* source, o.Require("source"));
  INGESTD_ASSIGN_OR_RETURN(r.source, ParseSource(*source, o.PathOf("source")));

  if (r.merge_strategy == schema::MergeStrategy::kUpsert && !HasPrimaryKey(r)) {
    return At(o.PathOf("write_disposition"),
              "strategy \"upsert\" needs a primary key (set primary_key, or primary_key: true on a column)");
  }
  return r;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxPipelineNameLength) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

// "line 3, column 7" of a byte offset, for JSON syntax errors.
std::string LineColumn(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

std::filesystem::path Resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute()) return path;
  return base / path;
}

}  // namespace

Result<PipelineSpec> ParsePipelineSpec(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) {
    return InvalidArgument("pipeline spec: invalid JSON at " + LineColumn(json, doc.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(doc.GetParseError()));
  }
  INGESTD_ASSIGN_OR_RETURN(Object root,
                           Object::Open(doc, "", {"name", "destination", "dataset_name", "options", "resources"}));
  PipelineSpec spec;
  INGESTD_ASSIGN_OR_RETURN(const Value* name, root.Require("name"));
  INGESTD_ASSIGN_OR_RETURN(spec.name, AsString(*name, "name"));
  if (!IsIdentifier(spec.name)) {
    return At("name", Quoted(spec.name) +
                          " is not a valid pipeline name (ASCII letters, digits and _, not starting with a digit, "
                          "1 to " + std::to_string(kMaxPipelineNameLength) + " characters)");
  }
  if (const Value* x = root.Find("destination")) {
    INGESTD_ASSIGN_OR_RETURN(spec.destination, ParseDestination(*x, "destination"));
  }
  spec.dataset_name = spec.name + "_dataset";
  if (const Value* x = root.Find("dataset_name")) {
    INGESTD_ASSIGN_OR_RETURN(spec.dataset_name, AsNonEmptyString(*x, "dataset_name"));
  }
  if (const Value* x = root.Find("options")) {
    INGESTD_ASSIGN_OR_RETURN(spec.options, ParseOptions(*x, "options"));
  }
  INGESTD_ASSIGN_OR_RETURN(const Value* resources, root.Require("resources"));
  if (!resources->IsArray()) return WrongType("resources", "an array of resources", *resources);
  if (resources->Size() == 0) return At("resources", "expected at least one resource");
  for (std::size_t i = 0; i < resources->Size(); ++i) {
    std::string path = Index("resources", i);
    INGESTD_ASSIGN_OR_RETURN(ResourceSpec r, ParseResource((*resources)[i], path));
    for (std::size_t j = 0; j < spec.resources.size(); ++j) {
      if (spec.resources[j].name == r.name) {
        return At(Join(path, "name"), "duplicate resource name " + Quoted(r.name) + " (also resources[" +
                                          std::to_string(j) + "])");
      }
    }
    spec.resources.push_back(std::move(r));
  }
  return spec;
}

Result<PipelineSpec> LoadPipelineSpecFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open the pipeline spec");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return DataLoss(path + ": read error");
  auto spec = ParsePipelineSpec(text.str());
  if (!spec.ok()) return std::move(spec).error().WithContext(path);
  std::filesystem::path base = std::filesystem::path(path).parent_path();
  if (base.empty()) return spec;  // the spec is in the working directory
  if (spec->destination.sqlite_path) {
    spec->destination.sqlite_path = Resolve(base, *spec->destination.sqlite_path).string();
  }
  for (ResourceSpec& r : spec->resources) {
    if (auto* files = std::get_if<extract::FilesConfig>(&r.source)) {
      for (std::string& p : files->paths) p = Resolve(base, p).string();
    }
  }
  return spec;
}

}  // namespace ingestd::pipeline
