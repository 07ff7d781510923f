#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/schema/schema_contract.hpp"
#include "core/schema/schema_update.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::schema {

inline constexpr int kSchemaEngineVersion = 11;

// Names of dlt's system tables and columns.
inline constexpr std::string_view kVersionTableName = "_dlt_version";
inline constexpr std::string_view kLoadsTableName = "_dlt_loads";
inline constexpr std::string_view kPipelineStateTableName = "_dlt_pipeline_state";
inline constexpr std::string_view kDltId = "_dlt_id";
inline constexpr std::string_view kDltLoadId = "_dlt_load_id";
inline constexpr std::string_view kDltParentId = "_dlt_parent_id";
inline constexpr std::string_view kDltListIdx = "_dlt_list_idx";
inline constexpr std::string_view kDltRootId = "_dlt_root_id";
inline constexpr std::string_view kDltPrefix = "_dlt";

/// True for `_dlt*` names, which contracts never restrict.
inline bool IsDltName(std::string_view name) { return name.substr(0, kDltPrefix.size()) == kDltPrefix; }

/// dlt's system tables, column for column (used by Schema::CreateDefault,
/// the runner, and destinations loading into a schema that lacks them).
TableSchema VersionTableSchema();
TableSchema LoadsTableSchema();
/// `_dlt_pipeline_state` with the `_dlt_id` row key dlt's normalizer adds.
TableSchema PipelineStateTableSchema();

/// Schema-wide settings (dlt's `settings`).
struct SchemaSettings {
  /// Type detectors for new columns; dlt's default is ["iso_timestamp"].
  std::vector<std::string> detections;
  /// hint name -> column name patterns; a pattern starting with `re:` is a
  /// regular expression, anything else must match the whole name exactly.
  std::vector<std::pair<std::string, std::vector<std::string>>> default_hints;
  /// column name pattern -> data type for new columns.
  std::vector<std::pair<std::string, DataType>> preferred_types;
  std::optional<SchemaContract> schema_contract;
  ExtraProperties extra;

  bool operator==(const SchemaSettings&) const = default;
};

/// The relational normalizer's configuration stored in the schema
/// (`normalizers.json.config`).
struct NormalizerConfig {
  std::optional<int> max_nesting;
  /// propagation.root: columns copied from every root row into its nested rows.
  std::vector<std::pair<std::string, std::string>> propagation_root;
  /// propagation.tables.<root table>: from column -> as column (`_dlt_id` -> `_dlt_root_id`).
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      propagation_tables;
  ExtraProperties extra;

  /// The propagation mapping for `table` ("from" -> "as"), or nullptr.
  const std::vector<std::pair<std::string, std::string>>* PropagationFor(std::string_view table) const;
  bool operator==(const NormalizerConfig&) const = default;
};

/// A dlt schema (stored-schema engine 11): tables with columns and hints,
/// settings, normalizer configuration and version bookkeeping. Schemas evolve
/// only by ApplyUpdate; BumpVersion recomputes the content hash and bumps the
/// version when the content changed.
class Schema {
 public:
  /// A fresh schema as dlt creates one: standard tables `_dlt_version` and
  /// `_dlt_loads`, the normalizer's default hints, detections
  /// ["iso_timestamp"], snake_case naming. Version 0 until first bumped.
  static Schema CreateDefault(std::string name);

  Schema() = default;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  std::int64_t version() const { return version_; }
  const std::string& version_hash() const { return version_hash_; }
  const std::vector<std::string>& previous_hashes() const { return previous_hashes_; }
  void SetVersion(std::int64_t version, std::string hash, std::vector<std::string> previous) {
    version_ = version;
    version_hash_ = std::move(hash);
    previous_hashes_ = std::move(previous);
  }

  const std::vector<TableSchema>& tables() const { return tables_; }
  const TableSchema* FindTable(std::string_view name) const;
  TableSchema* FindTable(std::string_view name);
  /// Adds a table; its name must be new (checked).
  TableSchema& AddTable(TableSchema table);

  /// The root of `table`'s parent chain (itself for root tables), or nullptr
  /// when the chain is broken.
  const TableSchema* RootTableOf(std::string_view table) const;
  /// Write disposition and merge strategy are inherited down the parent chain.
  WriteDisposition ResolveWriteDisposition(std::string_view table) const;
  std::optional<MergeStrategy> ResolveMergeStrategy(std::string_view table) const;
  /// The effective contract for `table`: the first contract set on the table,
  /// then on its parents, then in the schema's settings, used whole (entities
  /// it leaves unset are evolve, as in dlt); evolve when none is set and for
  /// `_dlt*` tables.
  ResolvedContract ResolveContract(std::string_view table) const;

  /// Merges a partial update: new tables, new columns, changed table hints.
  /// A column already complete with another data type is a conflict
  /// (kFailedPrecondition; dlt's CannotCoerceColumnException), as is a table
  /// whose parent differs. Does not bump the version.
  Status ApplyUpdate(const SchemaUpdate& update);

  /// Recomputes the content hash; when it differs from version_hash(), the
  /// version goes up by one (or becomes 1 for a never-versioned schema) and
  /// the old hash is pushed to previous_hashes (at most 10, newest first).
  /// Returns true when the version changed.
  bool BumpVersion();

  SchemaSettings settings;
  NormalizerConfig normalizer_config;
  std::string naming = "snake_case";
  /// Other `normalizers` keys dlt may store (allow_identifier_change_on_table_with_data,
  /// use_break_path_on_normalize, ...), kept verbatim.
  ExtraProperties normalizers_extra;
  std::optional<std::string> description;
  std::optional<std::string> imported_version_hash;
  ExtraProperties extra;

  bool operator==(const Schema& other) const;

 private:
  std::string name_;
  std::int64_t version_ = 0;
  std::string version_hash_;
  std::vector<std::string> previous_hashes_;
  std::vector<TableSchema> tables_;
  StringMap<std::uint32_t> table_index_;
};

}  // namespace ingestd::schema
