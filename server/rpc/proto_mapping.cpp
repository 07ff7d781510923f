#include "server/rpc/proto_mapping.hpp"

#include <array>
#include <utility>

#include "core/schedule/schedule.hpp"
#include "core/schema/data_type.hpp"
#include "core/schema/table_schema.hpp"
#include "server/runs/run_proto.hpp"

namespace ingestd::rpc {
namespace {

namespace v1 = ingestd::v1;

constexpr std::string_view kModeList = R"("evolve", "freeze", "discard_row", "discard_value")";

std::string ModeText(const std::optional<schema::ContractMode>& mode) {
  return mode ? std::string(schema::ContractModeName(*mode)) : std::string();
}

Result<std::optional<schema::ContractMode>> ModeFromProto(const std::string& value, std::string_view field) {
  if (value.empty()) return std::optional<schema::ContractMode>();
  std::optional<schema::ContractMode> mode = schema::ParseContractMode(value);
  if (!mode) {
    return InvalidArgument(std::string(field) + ": unknown mode \"" + value + "\"; expected one of " +
                           std::string(kModeList) + " (or empty to leave it unset)");
  }
  return mode;
}

}  // namespace

// ---------------------------------------------------------------- contracts

v1::SchemaContract ContractToProto(const schema::SchemaContract& contract) {
  v1::SchemaContract out;
  out.set_tables(ModeText(contract.tables));
  out.set_columns(ModeText(contract.columns));
  out.set_data_type(ModeText(contract.data_type));
  return out;
}

Result<schema::SchemaContract> ContractFromProto(const v1::SchemaContract& contract, std::string_view field) {
  const std::string prefix = field.empty() ? std::string() : std::string(field) + ".";
  schema::SchemaContract out;
  INGESTD_ASSIGN_OR_RETURN(out.tables, ModeFromProto(contract.tables(), prefix + "tables"));
  INGESTD_ASSIGN_OR_RETURN(out.columns, ModeFromProto(contract.columns(), prefix + "columns"));
  INGESTD_ASSIGN_OR_RETURN(out.data_type, ModeFromProto(contract.data_type(), prefix + "data_type"));
  return out;
}

Result<v1::ContractChangeRecord> ContractChangeToProto(const catalog::ContractChange& change) {
  v1::ContractChangeRecord out;
  out.set_table(change.table);
  if (!change.contract_json.empty()) {
    Result<schema::SchemaContract> contract = pipeline::ParseSchemaContractJson(change.contract_json);
    if (!contract.ok()) {
      return DataLoss("stored contract change of pipeline " + change.pipeline +
                      (change.table.empty() ? std::string() : " table " + change.table) +
                      " does not parse: " + contract.error().message());
    }
    *out.mutable_contract() = ContractToProto(*contract);
  }
  out.set_changed_by(change.changed_by);
  if (change.changed_at > 0) *out.mutable_changed_at() = runs::TimestampFromUnix(change.changed_at);
  return out;
}

std::vector<const pipeline::ResourceSpec*> RootTableResources(const pipeline::PipelineSpec& spec) {
  std::vector<const pipeline::ResourceSpec*> out;
  for (const pipeline::ResourceSpec& resource : spec.resources) {
    bool seen = false;
    for (const pipeline::ResourceSpec* r : out) seen = seen || r->table_name == resource.table_name;
    if (!seen) out.push_back(&resource);
  }
  return out;
}

Result<v1::GetContractResponse> ContractResponse(const pipeline::PipelineSpec& spec,
                                                 const pipeline::ContractOverrides& overrides,
                                                 const std::vector<catalog::ContractChange>& history) {
  v1::GetContractResponse out;
  out.set_pipeline(spec.name);
  if (overrides.pipeline) *out.mutable_pipeline_override() = ContractToProto(*overrides.pipeline);
  for (const pipeline::ResourceSpec* resource : RootTableResources(spec)) {
    v1::TableContract* table = out.add_tables();
    table->set_table(resource->table_name);
    if (resource->schema_contract) *table->mutable_from_spec() = ContractToProto(*resource->schema_contract);
    // The overrides alone: what EffectiveContract gives for a resource
    // that declares no contract.
    pipeline::ResourceSpec bare;
    bare.name = resource->name;
    bare.table_name = resource->table_name;
    schema::SchemaContract override_contract = pipeline::EffectiveContract(bare, overrides, /*resolve=*/false);
    if (!override_contract.empty()) *table->mutable_override() = ContractToProto(override_contract);
    *table->mutable_effective() = ContractToProto(pipeline::EffectiveContract(*resource, overrides, false));
  }
  for (const catalog::ContractChange& change : history) {
    INGESTD_ASSIGN_OR_RETURN(*out.add_history(), ContractChangeToProto(change));
  }
  return out;
}

// ---------------------------------------------------------------- pipelines

std::string DescribeSchedule(const pipeline::PipelineSpec& spec) {
  if (!spec.schedule) return {};
  Result<schedule::Schedule> parsed = spec.schedule->cron.empty()
                                          ? schedule::Schedule::Every(spec.schedule->interval_seconds)
                                          : schedule::Schedule::ParseCron(spec.schedule->cron);
  return parsed.ok() ? parsed->Describe() : std::string();
}

v1::Pipeline PipelineToProto(const catalog::PipelineRecord& record, const PipelineFacts& facts,
                             bool with_spec_json) {
  v1::Pipeline out;
  out.set_name(record.name);
  out.set_version(record.version);
  if (with_spec_json) out.set_spec_json(record.spec_json);
  if (facts.spec != nullptr) {
    out.set_destination(std::string(pipeline::DestinationKindName(facts.spec->destination.kind)));
    out.set_dataset_name(facts.spec->dataset_name);
    for (const pipeline::ResourceSpec& resource : facts.spec->resources) out.add_resources(resource.name);
  }
  out.set_paused(record.paused);
  out.set_schedule(facts.schedule);
  if (facts.next_run_at && !record.paused) *out.mutable_next_run_at() = runs::TimestampFromUnix(*facts.next_run_at);
  if (record.created_at > 0) *out.mutable_created_at() = runs::TimestampFromUnix(record.created_at);
  if (record.updated_at > 0) *out.mutable_updated_at() = runs::TimestampFromUnix(record.updated_at);
  if (facts.last_run) *out.mutable_last_run() = runs::RunToProto(*facts.last_run, /*with_summary=*/false);
  if (facts.last_success_at && *facts.last_success_at > 0) {
    *out.mutable_last_success_at() = runs::TimestampFromUnix(*facts.last_success_at);
  }
  return out;
}

// ---------------------------------------------------------------- schemas

std::string VariantOf(const schema::ColumnSchema& column) {
  if (!column.IsVariant()) return {};
  constexpr std::string_view kMarker = "__v_";
  if (column.data_type) {
    std::string suffix = std::string(kMarker) + std::string(schema::VariantSuffix(*column.data_type));
    if (column.name.size() > suffix.size() &&
        column.name.compare(column.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return column.name.substr(0, column.name.size() - suffix.size());
    }
  }
  std::size_t at = column.name.rfind(kMarker);
  return at == std::string::npos || at == 0 ? std::string() : column.name.substr(0, at);
}

v1::Column ColumnToProto(const schema::ColumnSchema& column) {
  using schema::ColumnHint;
  v1::Column out;
  out.set_name(column.name);
  if (column.data_type) out.set_data_type(std::string(schema::DataTypeName(*column.data_type)));
  out.set_nullable(column.IsNullable());
  out.set_primary_key(column.HasHint(ColumnHint::kPrimaryKey));
  out.set_merge_key(column.HasHint(ColumnHint::kMergeKey));
  out.set_unique(column.HasHint(ColumnHint::kUnique));
  out.set_partition(column.HasHint(ColumnHint::kPartition));
  out.set_sort(column.HasHint(ColumnHint::kSort));
  out.set_row_key(column.HasHint(ColumnHint::kRowKey));
  out.set_parent_key(column.HasHint(ColumnHint::kParentKey));
  out.set_root_key(column.HasHint(ColumnHint::kRootKey));
  out.set_precision(column.precision.value_or(0));
  out.set_scale(column.scale.value_or(0));
  out.set_variant_of(VariantOf(column));
  return out;
}

v1::Table TableToProto(const schema::Schema& schema, const schema::TableSchema& table) {
  v1::Table out;
  out.set_name(table.name());
  out.set_parent(table.parent.value_or(""));
  // Nested tables inherit disposition and strategy from their root (dlt
  // stores them on root tables only); the API shows what applies.
  const schema::WriteDisposition disposition = schema.ResolveWriteDisposition(table.name());
  out.set_write_disposition(std::string(schema::WriteDispositionName(disposition)));
  if (disposition == schema::WriteDisposition::kMerge) {
    schema::MergeStrategy strategy =
        schema.ResolveMergeStrategy(table.name()).value_or(schema::MergeStrategy::kDeleteInsert);
    out.set_merge_strategy(std::string(schema::MergeStrategyName(strategy)));
  }
  for (const schema::ColumnSchema& column : table.columns()) *out.add_columns() = ColumnToProto(column);
  if (table.schema_contract) *out.mutable_schema_contract() = ContractToProto(*table.schema_contract);
  if (!table.parent) out.set_resource(table.resource.value_or(""));
  return out;
}

v1::Schema SchemaToProto(const schema::Schema& schema, const catalog::SchemaVersionRecord& record) {
  v1::Schema out;
  out.set_name(schema.name());
  out.set_version(record.version);
  out.set_version_hash(record.version_hash);
  out.set_engine_version(static_cast<std::uint32_t>(schema::kSchemaEngineVersion));
  for (bool dlt : {false, true}) {
    for (const schema::TableSchema& table : schema.tables()) {
      if (schema::IsDltName(table.name()) == dlt) *out.add_tables() = TableToProto(schema, table);
    }
  }
  out.set_schema_json(record.schema_json);
  if (record.created_at > 0) *out.mutable_created_at() = runs::TimestampFromUnix(record.created_at);
  return out;
}

v1::SchemaVersion SchemaVersionToProto(const catalog::SchemaVersionRecord& record) {
  v1::SchemaVersion out;
  out.set_version(record.version);
  out.set_version_hash(record.version_hash);
  if (record.created_at > 0) *out.mutable_created_at() = runs::TimestampFromUnix(record.created_at);
  out.set_run_id(record.run_id);
  return out;
}

v1::SchemaChange SchemaChangeToProto(const schema::SchemaChange& change) {
  using Kind = schema::SchemaChange::Kind;
  v1::SchemaChange out;
  switch (change.kind) {
    case Kind::kTableAdded: out.set_kind(v1::SchemaChange::TABLE_ADDED); break;
    case Kind::kTableRemoved: out.set_kind(v1::SchemaChange::TABLE_REMOVED); break;
    case Kind::kColumnAdded: out.set_kind(v1::SchemaChange::COLUMN_ADDED); break;
    case Kind::kColumnRemoved: out.set_kind(v1::SchemaChange::COLUMN_REMOVED); break;
    case Kind::kColumnChanged: out.set_kind(v1::SchemaChange::COLUMN_CHANGED); break;
    case Kind::kTableChanged: out.set_kind(v1::SchemaChange::TABLE_CHANGED); break;
  }
  out.set_table(change.table);
  out.set_column(change.column);
  out.set_before(change.before);
  out.set_after(change.after);
  return out;
}

// ---------------------------------------------------------------- state

v1::GetStateResponse StateToProto(std::string_view pipeline, const state::PipelineState* state) {
  v1::GetStateResponse out;
  out.set_pipeline(std::string(pipeline));
  if (state == nullptr) return out;
  out.set_version(state->version());
  out.set_version_hash(state->version_hash());
  out.set_state_json(state->ToJson());
  for (const state::ResourceStateEntry& entry : state->ListResources()) {
    v1::ResourceState* r = out.add_resources();
    r->set_source(entry.source);
    r->set_resource(entry.resource);
    r->set_state_json(entry.json);
  }
  return out;
}

}  // namespace ingestd::rpc
