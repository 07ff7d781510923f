// The wire format of normalize jobs and their outcomes (declared in
// normalize_job.hpp). One compact JSON object per message:
//
//   job:     {"id", "input_path", "root_table", "output_dir", "file_tag",
//             "schema_json" (the stored schema as a JSON string), "load_id",
//             "max_identifier_length", "row_id_seed", "now_unix_seconds",
//             "file_options": {"file_max_rows", "file_max_bytes"}}
//   outcome: {"error": {"code": "invalid_argument", "message"}}
//         or {"result": {"id", "tables": [{"table", "files", "rows"}],
//             "update": [<partial table, PartialTableToJson>...],
//             "violations": [{"table", "column", "entity", "mode",
//             "observed_type", "sample", "item_index", "path"}...],
//             "violation_total", "items", "rows", "bytes"}}
//
// Integers are exact uint64; doubles use the shortest round-trip text.

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/schema/schema_json.hpp"
#include "core/workers/normalize_job.hpp"
#include "core/workers/wire_json.hpp"

namespace ingestd::workers {
namespace {

using rapidjson::Value;
using wire::JsonWriter;
using wire::ObjectReader;
using wire::WriteKey;
using wire::WriteString;

constexpr ErrorCode kAllErrorCodes[] = {
    ErrorCode::kInvalidArgument, ErrorCode::kNotFound,         ErrorCode::kFailedPrecondition,
    ErrorCode::kResourceExhausted, ErrorCode::kUnavailable,    ErrorCode::kDeadlineExceeded,
    ErrorCode::kCancelled,       ErrorCode::kDataLoss,         ErrorCode::kInternal,
    ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
};

constexpr schema::ContractEntity kAllEntities[] = {
    schema::ContractEntity::kTables, schema::ContractEntity::kColumns, schema::ContractEntity::kDataType};

void KeyString(JsonWriter& w, std::string_view key, std::string_view value) {
  WriteKey(w, key);
  WriteString(w, value);
}

void KeyUint64(JsonWriter& w, std::string_view key, std::uint64_t value) {
  WriteKey(w, key);
  w.Uint64(value);
}

void WriteJob(JsonWriter& w, const NormalizeJob& job) {
  w.StartObject();
  KeyUint64(w, "id", job.id);
  KeyString(w, "input_path", job.input_path);
  KeyString(w, "root_table", job.root_table);
  KeyString(w, "output_dir", job.output_dir);
  KeyString(w, "file_tag", job.file_tag);
  KeyString(w, "schema_json", job.schema_json);
  KeyString(w, "load_id", job.load_id);
  KeyUint64(w, "max_identifier_length", job.max_identifier_length);
  KeyUint64(w, "row_id_seed", job.row_id_seed);
  WriteKey(w, "now_unix_seconds");
  wire::WriteDouble(w, job.now_unix_seconds);
  WriteKey(w, "file_options");
  w.StartObject();
  KeyUint64(w, "file_max_rows", job.file_options.file_max_rows);
  KeyUint64(w, "file_max_bytes", job.file_options.file_max_bytes);
  w.EndObject();
  w.EndObject();
}

void WriteViolation(JsonWriter& w, const contracts::ContractViolation& v) {
  w.StartObject();
  KeyString(w, "table", v.table);
  KeyString(w, "column", v.column);
  KeyString(w, "entity", schema::ContractEntityName(v.entity));
  KeyString(w, "mode", schema::ContractModeName(v.mode));
  KeyString(w, "observed_type", v.observed_type);
  KeyString(w, "sample", v.sample);
  KeyUint64(w, "item_index", v.item_index);
  KeyString(w, "path", v.path);
  w.EndObject();
}

void WriteResult(JsonWriter& w, const NormalizeJobResult& r) {
  w.StartObject();
  KeyUint64(w, "id", r.id);
  WriteKey(w, "tables");
  w.StartArray();
  for (const package::TableFiles& t : r.tables) {
    w.StartObject();
    KeyString(w, "table", t.table);
    WriteKey(w, "files");
    w.StartArray();
    for (const std::string& f : t.files) WriteString(w, f);
    w.EndArray();
    KeyUint64(w, "rows", t.rows);
    w.EndObject();
  }
  w.EndArray();
  WriteKey(w, "update");
  w.StartArray();
  for (const schema::TableSchema& t : r.update.tables) {
    const std::string text = schema::PartialTableToJson(t);
    w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
  }
  w.EndArray();
  WriteKey(w, "violations");
  w.StartArray();
  for (const contracts::ContractViolation& v : r.violations) WriteViolation(w, v);
  w.EndArray();
  KeyUint64(w, "violation_total", r.violation_total);
  KeyUint64(w, "items", r.items);
  KeyUint64(w, "rows", r.rows);
  KeyUint64(w, "bytes", r.bytes);
  w.EndObject();
}

Result<std::size_t> SizeField(ObjectReader& r, std::string_view key) {
  INGESTD_ASSIGN_OR_RETURN(std::uint64_t v, r.Uint64(key));
  if (v > std::numeric_limits<std::size_t>::max()) return InvalidArgument(r.PathOf(key) + ": out of range");
  return static_cast<std::size_t>(v);
}

Result<NormalizeJob> ParseJob(const Value& v, std::string path) {
  INGESTD_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Create(v, std::move(path)));
  NormalizeJob job;
  INGESTD_ASSIGN_OR_RETURN(job.id, r.Uint64("id"));
  INGESTD_ASSIGN_OR_RETURN(job.input_path, r.String("input_path"));
  INGESTD_ASSIGN_OR_RETURN(job.root_table, r.String("root_table"));
  INGESTD_ASSIGN_OR_RETURN(job.output_dir, r.String("output_dir"));
  INGESTD_ASSIGN_OR_RETURN(job.file_tag, r.String("file_tag"));
  INGESTD_ASSIGN_OR_RETURN(job.schema_json, r.String("schema_json"));
  INGESTD_ASSIGN_OR_RETURN(job.load_id, r.String("load_id"));
  INGESTD_ASSIGN_OR_RETURN(job.max_identifier_length, SizeField(r, "max_identifier_length"));
  INGESTD_ASSIGN_OR_RETURN(job.row_id_seed, r.Uint64("row_id_seed"));
  INGESTD_ASSIGN_OR_RETURN(job.now_unix_seconds, r.Double("now_unix_seconds"));
  INGESTD_ASSIGN_OR_RETURN(const Value* file_options, r.Object("file_options"));
  INGESTD_ASSIGN_OR_RETURN(ObjectReader f, ObjectReader::Create(*file_options, r.PathOf("file_options")));
  INGESTD_ASSIGN_OR_RETURN(job.file_options.file_max_rows, f.Uint64("file_max_rows"));
  INGESTD_ASSIGN_OR_RETURN(job.file_options.file_max_bytes, f.Uint64("file_max_bytes"));
  INGESTD_TRY(f.Finish());
  INGESTD_TRY(r.Finish());
  if (job.input_path.empty()) return InvalidArgument(r.PathOf("input_path") + ": must not be empty");
  if (job.root_table.empty()) return InvalidArgument(r.PathOf("root_table") + ": must not be empty");
  if (job.output_dir.empty()) return InvalidArgument(r.PathOf("output_dir") + ": must not be empty");
  return job;
}

Result<contracts::ContractViolation> ParseViolation(const Value& v, std::string path) {
  INGESTD_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Create(v, std::move(path)));
  contracts::ContractViolation out;
  INGESTD_ASSIGN_OR_RETURN(out.table, r.String("table"));
  INGESTD_ASSIGN_OR_RETURN(out.column, r.String("column"));
  INGESTD_ASSIGN_OR_RETURN(std::string entity, r.String("entity"));
  bool entity_known = false;
  for (schema::ContractEntity e : kAllEntities) {
    if (schema::ContractEntityName(e) == entity) {
      out.entity = e;
      entity_known = true;
    }
  }
  if (!entity_known) {
    return InvalidArgument(r.PathOf("entity") + ": unknown contract entity '" + entity +
                           "' (expected one of tables, columns, data_type)");
  }
  INGESTD_ASSIGN_OR_RETURN(std::string mode, r.String("mode"));
  auto parsed_mode = schema::ParseContractMode(mode);
  if (!parsed_mode) return InvalidArgument(r.PathOf("mode") + ": unknown contract mode '" + mode + "'");
  out.mode = *parsed_mode;
  INGESTD_ASSIGN_OR_RETURN(out.observed_type, r.String("observed_type"));
  INGESTD_ASSIGN_OR_RETURN(out.sample, r.String("sample"));
  INGESTD_ASSIGN_OR_RETURN(out.item_index, r.Uint64("item_index"));
  INGESTD_ASSIGN_OR_RETURN(out.path, r.String("path"));
  INGESTD_TRY(r.Finish());
  return out;
}

Result<package::TableFiles> ParseTableFiles(const Value& v, std::string path) {
  INGESTD_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Create(v, std::move(path)));
  package::TableFiles out;
  INGESTD_ASSIGN_OR_RETURN(out.table, r.String("table"));
  INGESTD_ASSIGN_OR_RETURN(const Value* files, r.Array("files"));
  std::size_t index = 0;
  for (const Value& f : files->GetArray()) {
    const std::string file_path = r.PathOf("files") + "." + std::to_string(index++);
    if (!f.IsString()) return wire::WrongType(file_path, "a string", f);
    out.files.emplace_back(f.GetString(), f.GetStringLength());
  }
  INGESTD_ASSIGN_OR_RETURN(out.rows, r.Uint64("rows"));
  INGESTD_TRY(r.Finish());
  return out;
}

Result<NormalizeJobResult> ParseResult(const Value& v, std::string path) {
  INGESTD_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Create(v, std::move(path)));
  NormalizeJobResult out;
  INGESTD_ASSIGN_OR_RETURN(out.id, r.Uint64("id"));
  INGESTD_ASSIGN_OR_RETURN(const Value* tables, r.Array("tables"));
  std::size_t index = 0;
  for (const Value& t : tables->GetArray()) {
    INGESTD_ASSIGN_OR_RETURN(package::TableFiles files,
                             ParseTableFiles(t, r.PathOf("tables") + "." + std::to_string(index++)));
    out.tables.push_back(std::move(files));
  }
  INGESTD_ASSIGN_OR_RETURN(const Value* update, r.Array("update"));
  index = 0;
  for (const Value& t : update->GetArray()) {
    const std::string table_path = r.PathOf("update") + "." + std::to_string(index++);
    if (!t.IsObject()) return wire::WrongType(table_path, "an object", t);
    // The table parser works on text; partial tables are small.
    INGESTD_ASSIGN_OR_RETURN(schema::TableSchema table,
                             schema::PartialTableFromJson(wire::ToJsonText(t), table_path));
    for (const schema::TableSchema& seen : out.update.tables) {
      if (seen.name() == table.name()) {
        return InvalidArgument(table_path + ": table " + table.name() + " appears twice in the update");
      }
    }
    out.update.tables.push_back(std::move(table));
  }
  INGESTD_ASSIGN_OR_RETURN(const Value* violations, r.Array("violations"));
  index = 0;
  for (const Value& item : violations->GetArray()) {
    INGESTD_ASSIGN_OR_RETURN(contracts::ContractViolation violation,
                             ParseViolation(item, r.PathOf("violations") + "." + std::to_string(index++)));
    out.violations.push_back(std::move(violation));
  }
  INGESTD_ASSIGN_OR_RETURN(out.violation_total, r.Uint64("violation_total"));
  INGESTD_ASSIGN_OR_RETURN(out.items, r.Uint64("items"));
  INGESTD_ASSIGN_OR_RETURN(out.rows, r.Uint64("rows"));
  INGESTD_ASSIGN_OR_RETURN(out.bytes, r.Uint64("bytes"));
  INGESTD_TRY(r.Finish());
  return out;
}

// An Error read off the wire (Result<Error> cannot exist: its two
// constructors would collide).
struct WireError {
  ErrorCode code;
  std::string message;
};

Result<WireError> ParseError(const Value& v, std::string path) {
  INGESTD_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Create(v, std::move(path)));
  INGESTD_ASSIGN_OR_RETURN(std::string code_name, r.String("code"));
  INGESTD_ASSIGN_OR_RETURN(std::string message, r.String("message"));
  INGESTD_TRY(r.Finish());
  for (ErrorCode code : kAllErrorCodes) {
    if (ErrorCodeName(code) == code_name) return WireError{code, std::move(message)};
  }
  return InvalidArgument(r.PathOf("code") + ": unknown error code '" + code_name + "'");
}

}  // namespace

std::string NormalizeJobToJson(const NormalizeJob& job) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  WriteJob(writer, job);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<NormalizeJob> NormalizeJobFromJson(std::string_view json) {
  rapidjson::Document doc;
  INGESTD_TRY(wire::ParseExact(doc, json, "normalize job"));
  auto job = ParseJob(doc, "job");
  if (!job.ok()) return std::move(job).error().WithContext("normalize job");
  return job;
}

std::string NormalizeJobOutcomeToJson(const Result<NormalizeJobResult>& outcome) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  if (outcome.ok()) {
    WriteKey(writer, "result");
    WriteResult(writer, *outcome);
  } else {
    WriteKey(writer, "error");
    writer.StartObject();
    KeyString(writer, "code", ErrorCodeName(outcome.error().code()));
    KeyString(writer, "message", outcome.error().message());
    writer.EndObject();
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Result<NormalizeJobResult>> NormalizeJobOutcomeFromJson(std::string_view json) {
  rapidjson::Document doc;
  INGESTD_TRY(wire::ParseExact(doc, json, "normalize job outcome"));
  const auto parse = [&doc]() -> Result<Result<NormalizeJobResult>> {
    INGESTD_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Create(doc, "outcome"));
    const Value* result = r.Optional("result");
    const Value* error = r.Optional("error");
    INGESTD_TRY(r.Finish());
    if ((result == nullptr) == (error == nullptr)) {
      return InvalidArgument("outcome: expected exactly one of result and error");
    }
    if (error != nullptr) {
      INGESTD_ASSIGN_OR_RETURN(WireError e, ParseError(*error, r.PathOf("error")));
      return Result<NormalizeJobResult>(Error(e.code, std::move(e.message)));
    }
    INGESTD_ASSIGN_OR_RETURN(NormalizeJobResult parsed, ParseResult(*result, r.PathOf("result")));
    return Result<NormalizeJobResult>(std::move(parsed));
  };
  auto outcome = parse();
  if (!outcome.ok()) return std::move(outcome).error().WithContext("normalize job outcome");
  return outcome;
}

}  // namespace ingestd::workers
