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
/// `previous_hashes`. Tables and columns repeat their `name`, as dlt's
/// to_dict does. Unset optional properties are omitted, except that root
/// tables always get `write_disposition` ("append") and `resource` (the table
/// name): dlt adds both on load (apply_defaults) before hashing. Extra (`x-*`,
/// unknown) properties are written back verbatim and must hold valid JSON.
/// `pretty` indents by two spaces, as dlt's schema files are.
std::string SchemaToJson(const Schema& schema, bool pretty = false);

/// Parses a stored schema (engine 11; "complex" accepted as json; a contract
/// may be the shorthand string). Unknown keys are kept as extra properties;
/// null on a modelled optional property means unset. Root tables get dlt's
/// defaults as above. Every error is kInvalidArgument and names the JSON path
/// of the problem ("tables.orders.columns.id.data_type: unknown data type
/// 'int' (...)"); malformed JSON reports the byte offset.
Result<Schema> SchemaFromJson(std::string_view json);

/// One partial table of a SchemaUpdate as compact JSON: the table object
/// SchemaToJson writes, except that root tables do not get dlt's
/// write_disposition and resource defaults (a partial table states only what
/// changed), so PartialTableFromJson gives back an equal TableSchema.
std::string PartialTableToJson(const TableSchema& table);

/// Parses PartialTableToJson's output (the table's name is its `name` key).
/// Errors are kInvalidArgument naming the JSON path below `path`.
Result<TableSchema> PartialTableFromJson(std::string_view json, std::string_view path = "table");

/// dlt's version hash: base64(sha3_256(compact sorted-key JSON of the stored
/// schema without version, version_hash, imported_version_hash and
/// previous_hashes, followed by each table name in sorted order and its
/// column names in column order)).
std::string ComputeVersionHash(const Schema& schema);

}  // namespace ingestd::schema
