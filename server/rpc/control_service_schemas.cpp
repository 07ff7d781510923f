// GetSchema, ListSchemaVersions, DiffSchemas.

#include "server/rpc/control_service.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/schema/schema_diff.hpp"
#include "core/schema/schema_json.hpp"
#include "server/rpc/proto_mapping.hpp"
#include "server/rpc/request_validation.hpp"
#include "server/rpc/rpc_call.hpp"

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;

Error NoSchemaYet(std::string_view pipeline) {
  return NotFound("pipeline " + std::string(pipeline) + " has no schema yet: it has not run");
}

// "pipeline p has no schema version 7; its versions: 3, 2, 1".
Error VersionMissing(std::string_view pipeline, std::string what,
                     const std::vector<catalog::SchemaVersionRecord>& versions) {
  std::string list;
  for (const catalog::SchemaVersionRecord& v : versions) {
    if (!list.empty()) list += ", ";
    list += std::to_string(v.version);
  }
  return NotFound("pipeline " + std::string(pipeline) + " has no schema version " + what +
                  (list.empty() ? std::string("; it has no schema yet: it has not run") : "; its versions: " + list));
}

Status ValidateVersion(std::string_view field, std::int64_t version, std::string_view zero_means) {
  if (version < 0) {
    return InvalidArgument(std::string(field) + ": " + std::to_string(version) + " is not a version (0 means " +
                           std::string(zero_means) + ")");
  }
  return OkStatus();
}

// One stored version, parsed.
Result<schema::Schema> LoadSchema(catalog::Catalog& catalog, std::string_view pipeline, std::int64_t version,
                                  catalog::SchemaVersionRecord* record_out) {
  INGESTD_ASSIGN_OR_RETURN(catalog::SchemaVersionRecord record, catalog.GetSchemaVersion(pipeline, version));
  Result<schema::Schema> parsed = schema::SchemaFromJson(record.schema_json);
  if (!parsed.ok()) {
    return DataLoss("stored schema version " + std::to_string(record.version) + " of pipeline " +
                    std::string(pipeline) + " does not parse: " + parsed.error().message());
  }
  if (record_out != nullptr) *record_out = std::move(record);
  return parsed;
}

}  // namespace

grpc::ServerUnaryReactor* ControlService::GetSchema(grpc::CallbackServerContext* context,
                                                    const v1::GetSchemaRequest* request, v1::Schema* response) {
  UnaryCall call(ctx_, context, "GetSchema");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  if (Status valid = ValidateVersion("version", request->version(), "the newest"); !valid.ok()) {
    return call.Finish(valid);
  }
  return call.Post([this, request, response]() -> Status {
    const std::string& pipeline = request->pipeline();
    INGESTD_TRY(ctx_.catalog->GetPipeline(pipeline));
    catalog::SchemaVersionRecord record;
    Result<schema::Schema> schema = LoadSchema(*ctx_.catalog, pipeline, request->version(), &record);
    if (!schema.ok()) {
      if (schema.error().code() != ErrorCode::kNotFound) return schema.error();
      if (request->version() == 0) return NoSchemaYet(pipeline);
      INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::SchemaVersionRecord> versions,
                               ctx_.catalog->ListSchemaVersions(pipeline));
      return VersionMissing(pipeline, std::to_string(request->version()), versions);
    }
    *response = SchemaToProto(*schema, record);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::ListSchemaVersions(grpc::CallbackServerContext* context,
                                                             const v1::ListSchemaVersionsRequest* request,
                                                             v1::ListSchemaVersionsResponse* response) {
  UnaryCall call(ctx_, context, "ListSchemaVersions");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  return call.Post([this, request, response]() -> Status {
    INGESTD_TRY(ctx_.catalog->GetPipeline(request->pipeline()));
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::SchemaVersionRecord> versions,
                             ctx_.catalog->ListSchemaVersions(request->pipeline()));
    for (const catalog::SchemaVersionRecord& v : versions) *response->add_versions() = SchemaVersionToProto(v);
    return OkStatus();
  });
}

grpc::ServerUnaryReactor* ControlService::DiffSchemas(grpc::CallbackServerContext* context,
                                                      const v1::DiffSchemasRequest* request,
                                                      v1::DiffSchemasResponse* response) {
  UnaryCall call(ctx_, context, "DiffSchemas");
  if (Result<auth::Principal> principal = call.Authenticate(auth::Role::kRead); !principal.ok()) {
    return call.Finish(principal.error());
  }
  if (Status valid = RequireField("pipeline", request->pipeline()); !valid.ok()) return call.Finish(valid);
  if (Status valid = ValidateVersion("from_version", request->from_version(), "the one before to_version");
      !valid.ok()) {
    return call.Finish(valid);
  }
  if (Status valid = ValidateVersion("to_version", request->to_version(), "the newest"); !valid.ok()) {
    return call.Finish(valid);
  }
  return call.Post([this, request, response]() -> Status {
    const std::string& pipeline = request->pipeline();
    INGESTD_TRY(ctx_.catalog->GetPipeline(pipeline));
    // Newest first.
    INGESTD_ASSIGN_OR_RETURN(std::vector<catalog::SchemaVersionRecord> versions,
                             ctx_.catalog->ListSchemaVersions(pipeline));
    if (versions.empty()) return NoSchemaYet(pipeline);
    auto has = [&](std::int64_t version) {
      return std::any_of(versions.begin(), versions.end(),
                         [&](const catalog::SchemaVersionRecord& v) { return v.version == version; });
    };
    const std::int64_t to = request->to_version() == 0 ? versions.front().version : request->to_version();
    if (!has(to)) return VersionMissing(pipeline, std::to_string(to), versions);
    std::int64_t from = request->from_version();
    if (from == 0) {
      for (const catalog::SchemaVersionRecord& v : versions) {
        if (v.version < to) from = std::max(from, v.version);
      }
      if (from == 0) return VersionMissing(pipeline, "before " + std::to_string(to), versions);
    } else if (!has(from)) {
      return VersionMissing(pipeline, std::to_string(from), versions);
    }
    INGESTD_ASSIGN_OR_RETURN(schema::Schema older, LoadSchema(*ctx_.catalog, pipeline, from, nullptr));
    INGESTD_ASSIGN_OR_RETURN(schema::Schema newer, LoadSchema(*ctx_.catalog, pipeline, to, nullptr));
    response->set_from_version(from);
    response->set_to_version(to);
    for (const schema::SchemaChange& change : schema::DiffSchemas(older, newer)) {
      *response->add_changes() = SchemaChangeToProto(change);
    }
    return OkStatus();
  });
}

}  // namespace ingestd::rpc
