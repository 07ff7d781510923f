#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/schema/schema.hpp"

namespace ingestd::schema {

/// Serializes `schema` in dlt's stored-schema format, engine version 11
/// (what dlt writes to `schemas/<name>.schema.json` and `_dlt_version`), so
/// dlt itself can read it: `version`, `version_hash`, `engine_version`,
/// `name`, `description`, `tables` (columns as an ordered object keyed by
/// name), `settings`, `normalizers` ({names, json: {module, config}}),
/// `previous_hashes`. Unset optional properties are omitted; extra (`x-*`,
/// unknown) properties are written back verbatim.
std::string SchemaToJson(const Schema& schema, bool pretty = false);

/// Parses a stored schema (engine 11; "complex" accepted as json). Unknown
/// keys are kept as extra properties. Errors name the JSON path of the
/// problem ("tables.orders.columns.id.data_type: unknown type 'int'").
Result<Schema> SchemaFromJson(std::string_view json);

/// dlt's version hash: base64(sha3_256(compact sorted-key JSON of the stored
/// schema without version, version_hash, imported_version_hash and
/// previous_hashes, followed by each table name in sorted order and its
/// column names in column order)).
std::string ComputeVersionHash(const Schema& schema);

}  // namespace ingestd::schema
