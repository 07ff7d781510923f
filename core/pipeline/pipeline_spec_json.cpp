// Parsing and validation of pipeline specs (pipeline_spec.hpp). Every error
// starts with the JSON path of the mistake: `resources[1].incremental.x`.
// The building blocks are in spec_json_parts.*, the rest_api source in
// rest_api_spec_json.cpp, spec files and their relative paths in
// spec_paths.cpp.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json/rapidjson.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/pipeline/spec_json_parts.hpp"
#include "core/schedule/schedule.hpp"

namespace ingestd::pipeline {
namespace {

using namespace spec_json;  // NOLINT(google-build-using-namespace): the parser's own vocabulary

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr std::size_t kMaxPipelineNameLength = 64;

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
  INGESTD_ASSIGN_OR_RETURN(dest.postgres_dsn, AsSecret(*o.Find("dsn"), o.PathOf("dsn")));
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
// Sources

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
  INGESTD_ASSIGN_OR_RETURN(Object o,
                           Object::Open(v, path, {"kind", "paths", "format", "csv", "http", "retry", "limits"}));
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
  // Client settings for the URLs among the paths.
  INGESTD_ASSIGN_OR_RETURN(files.http, ParseHttpOptions(o));
  return files;
}

// "table" or "schema.table": one or two non-empty parts.
bool IsTableName(std::string_view name) {
  std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) return !name.empty();
  std::string_view schema = name.substr(0, dot);
  std::string_view table = name.substr(dot + 1);
  return !schema.empty() && !table.empty() && table.find('.') == std::string_view::npos;
}

Result<extract::sql::SqlConfig> ParseSqlSource(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"kind", "dsn", "table", "query", "columns", "chunk_size"}));
  extract::sql::SqlConfig sql;
  INGESTD_ASSIGN_OR_RETURN(const Value* dsn, o.Require("dsn"));
  INGESTD_ASSIGN_OR_RETURN(sql.dsn, AsSecret(*dsn, o.PathOf("dsn")));
  const Value* table = o.Find("table");
  const Value* query = o.Find("query");
  if (table != nullptr && query != nullptr) {
    return At(path, "set one of \"table\" and \"query\", not both");
  }
  if (table == nullptr && query == nullptr) {
    return At(path, "missing required key \"table\" or \"query\"");
  }
  if (table != nullptr) {
    std::string p = o.PathOf("table");
    INGESTD_ASSIGN_OR_RETURN(std::string name, AsNonEmptyString(*table, p));
    if (!IsTableName(name)) return At(p, "expected \"table\" or \"schema.table\", got " + Quoted(name));
    sql.table = std::move(name);
  } else {
    INGESTD_ASSIGN_OR_RETURN(sql.query, AsNonEmptyString(*query, o.PathOf("query")));
  }
  if (const Value* x = o.Find("columns")) {
    std::string p = o.PathOf("columns");
    if (sql.query) return At(p, "only with \"table\" (a query selects its own columns)");
    if (!x->IsArray()) return WrongType(p, "an array of column names", *x);
    if (x->Size() == 0) return At(p, "expected at least one column (leave the key out for all columns)");
    for (std::size_t i = 0; i < x->Size(); ++i) {
      std::string item_path = Index(p, i);
      INGESTD_ASSIGN_OR_RETURN(std::string column, AsNonEmptyString((*x)[i], item_path));
      if (std::find(sql.columns.begin(), sql.columns.end(), column) != sql.columns.end()) {
        return At(item_path, "duplicate column " + Quoted(column));
      }
      sql.columns.push_back(std::move(column));
    }
  }
  if (const Value* x = o.Find("chunk_size")) {
    INGESTD_ASSIGN_OR_RETURN(std::int64_t n, AsInteger(*x, o.PathOf("chunk_size"), 1,
                                                       std::numeric_limits<std::int32_t>::max()));
    sql.chunk_size = static_cast<std::size_t>(n);
  }
  return sql;
}

Result<SourceSpec> ParseSource(const Value& v, const std::string& path) {
  if (!v.IsObject()) return WrongType(path, "an object", v);
  auto kind_it = v.FindMember("kind");
  if (kind_it == v.MemberEnd()) {
    return At(path, "missing required key \"kind\" (one of \"files\", \"sql\", \"push\")");
  }
  std::string kind_path = Join(path, "kind");
  if (kind_it->value.IsString() && std::string_view(kind_it->value.GetString()) == "rest_api") {
    return At(kind_path, "rest_api resources are declared in the top-level \"rest_api\" object (dlt's config shape)");
  }
  INGESTD_ASSIGN_OR_RETURN(std::string kind, AsEnum(kind_it->value, kind_path, {"files", "sql", "push"}));
  if (kind == "push") {
    // The records arrive through the daemon (PushRecords); nothing to configure.
    INGESTD_TRY(Object::Open(v, path, {"kind"}));
    return SourceSpec(PushConfig{});
  }
  if (kind == "sql") {
    INGESTD_ASSIGN_OR_RETURN(extract::sql::SqlConfig sql, ParseSqlSource(v, path));
    return SourceSpec(std::move(sql));
  }
  INGESTD_ASSIGN_OR_RETURN(extract::FilesConfig files, ParseFilesSource(v, path));
  return SourceSpec(std::move(files));
}

Result<ResourceSpec> ParseResource(const Value& v, const std::string& path) {
  std::vector<std::string_view> allowed = {"name"};
  allowed.insert(allowed.end(), TableHints::Keys().begin(), TableHints::Keys().end());
  allowed.push_back("incremental");
  allowed.push_back("source");
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, allowed));
  ResourceSpec r;
  INGESTD_ASSIGN_OR_RETURN(const Value* name, o.Require("name"));
  INGESTD_ASSIGN_OR_RETURN(r.name, AsNonEmptyString(*name, o.PathOf("name")));
  INGESTD_ASSIGN_OR_RETURN(TableHints hints, ParseTableHints(o));
  hints.ApplyTo(r);
  if (const Value* x = o.Find("incremental")) {
    INGESTD_ASSIGN_OR_RETURN(r.incremental, ParseIncremental(*x, o.PathOf("incremental")));
  }
  INGESTD_ASSIGN_OR_RETURN(const Value* source, o.Require("source"));
  INGESTD_ASSIGN_OR_RETURN(r.source, ParseSource(*source, o.PathOf("source")));

  // The sql source pushes the cursor filter down into SQL: it must name a column.
  if (r.incremental && std::holds_alternative<extract::sql::SqlConfig>(r.source)) {
    auto cursor = extract::CursorPath::Parse(r.incremental->cursor_path);
    if (!cursor.ok() || !cursor->TopLevelField()) {
      return At(Join(o.PathOf("incremental"), "cursor_path"),
                "the sql source needs a plain column name, got " + Quoted(r.incremental->cursor_path));
    }
  }
  INGESTD_TRY(CheckUpsertHasKey(r, o.PathOf("write_disposition")));
  return r;
}

// ---------------------------------------------------------------------------
// Schedule

Result<ScheduleSpec> ParseSchedule(const Value& v, const std::string& path) {
  INGESTD_ASSIGN_OR_RETURN(Object o, Object::Open(v, path, {"cron", "interval_seconds", "timeout_seconds"}));
  ScheduleSpec schedule;
  const Value* cron = o.Find("cron");
  const Value* interval = o.Find("interval_seconds");
  if (cron != nullptr && interval != nullptr) return At(path, "set one of \"cron\" and \"interval_seconds\", not both");
  if (cron == nullptr && interval == nullptr) return At(path, "missing required key \"cron\" or \"interval_seconds\"");
  if (cron != nullptr) {
    std::string p = o.PathOf("cron");
    INGESTD_ASSIGN_OR_RETURN(schedule.cron, AsNonEmptyString(*cron, p));
    if (auto parsed = schedule::Schedule::ParseCron(schedule.cron); !parsed.ok()) {
      return At(p, parsed.error().message());
    }
  } else {
    std::string p = o.PathOf("interval_seconds");
    INGESTD_ASSIGN_OR_RETURN(schedule.interval_seconds, AsNumber(*interval, p));
    if (auto parsed = schedule::Schedule::Every(schedule.interval_seconds); !parsed.ok()) {
      return At(p, parsed.error().message());
    }
  }
  if (const Value* x = o.Find("timeout_seconds")) {
    std::string p = o.PathOf("timeout_seconds");
    INGESTD_ASSIGN_OR_RETURN(schedule.timeout_seconds, AsNumber(*x, p));
    if (schedule.timeout_seconds <= 0) return At(p, "expected a positive number of seconds, got " + CompactJson(*x));
  }
  return schedule;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxPipelineNameLength) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

// Where each resource came from, for duplicate-name errors.
struct NamedAt {
  std::string name;
  std::string path;
};

Status CheckUniqueName(std::vector<NamedAt>& seen, const std::string& name, const std::string& name_path,
                       const std::string& resource_path) {
  for (const NamedAt& other : seen) {
    if (other.name == name) {
      return At(name_path, "duplicate resource name " + Quoted(name) + " (also " + other.path + ")");
    }
  }
  seen.push_back({name, resource_path});
  return {};
}

}  // namespace

Result<PipelineSpec> ParsePipelineSpec(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(json.data(), json.size());
  if (doc.HasParseError()) {
    return InvalidJson("pipeline spec", json, doc.GetParseError(), doc.GetErrorOffset());
  }
  INGESTD_ASSIGN_OR_RETURN(
      Object root, Object::Open(doc, "", {"name", "destination", "dataset_name", "options", "resources", "rest_api", "schedule"}));
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

  if (const Value* x = root.Find("schedule")) {
    INGESTD_ASSIGN_OR_RETURN(spec.schedule, ParseSchedule(*x, "schedule"));
  }

  const Value* rest_api = root.Find("rest_api");
  const Value* resources = root.Find("resources");
  if (resources == nullptr && rest_api == nullptr) {
    return At("", "missing required key \"resources\" (or \"rest_api\")");
  }
  std::vector<NamedAt> names;
  if (resources != nullptr) {
    if (!resources->IsArray()) return WrongType("resources", "an array of resources", *resources);
    if (resources->Size() == 0 && rest_api == nullptr) return At("resources", "expected at least one resource");
    for (std::size_t i = 0; i < resources->Size(); ++i) {
      std::string path = Index("resources", i);
      INGESTD_ASSIGN_OR_RETURN(ResourceSpec r, ParseResource((*resources)[i], path));
      INGESTD_TRY(CheckUniqueName(names, r.name, Join(path, "name"), path));
      spec.resources.push_back(std::move(r));
    }
  }
  if (rest_api != nullptr) {
    INGESTD_ASSIGN_OR_RETURN(std::vector<ResourceSpec> rest, ParseRestApi(*rest_api, "rest_api"));
    for (std::size_t i = 0; i < rest.size(); ++i) {
      std::string path = Index("rest_api.resources", i);
      // A string resource is its own name; an object has a name key.
      const Value& declared = (*rest_api)["resources"][i];
      INGESTD_TRY(CheckUniqueName(names, rest[i].name, declared.IsString() ? path : Join(path, "name"), path));
      spec.resources.push_back(std::move(rest[i]));
    }
  }
  return spec;
}

}  // namespace ingestd::pipeline
