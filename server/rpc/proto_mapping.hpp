#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"
#include "core/pipeline/contract_overrides.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/schema/schema.hpp"
#include "core/schema/schema_contract.hpp"
#include "core/schema/schema_diff.hpp"
#include "core/state/pipeline_state.hpp"
#include "ingestd/v1/control.pb.h"

namespace ingestd::rpc {

/// Domain types in their API form and back (STYLE.md section 3: only this
/// file and run_proto see both worlds). Pure: no I/O, no clock.

// ---- contracts ----

/// Unset entities stay empty strings.
ingestd::v1::SchemaContract ContractToProto(const schema::SchemaContract& contract);
/// Empty fields are unset. kInvalidArgument starting with `<field>.tables`
/// (etc.) and listing the modes for an unknown one.
Result<schema::SchemaContract> ContractFromProto(const ingestd::v1::SchemaContract& contract, std::string_view field);
/// A stored change as the API's record; kDataLoss when its contract does
/// not parse.
Result<ingestd::v1::ContractChangeRecord> ContractChangeToProto(const catalog::ContractChange& change);

/// The root tables of the spec (each resource's table_name, first
/// occurrence), in resource order, with the resource that fills each.
std::vector<const pipeline::ResourceSpec*> RootTableResources(const pipeline::PipelineSpec& spec);

/// GetContract's answer: per root table the spec's contract, the override
/// in force for it (table override per entity, else pipeline override) and
/// the effective one (pipeline::EffectiveContract, unresolved).
Result<ingestd::v1::GetContractResponse> ContractResponse(const pipeline::PipelineSpec& spec,
                                                          const pipeline::ContractOverrides& overrides,
                                                          const std::vector<catalog::ContractChange>& history);

// ---- pipelines ----

/// What the daemon knows of a pipeline besides its catalog record.
struct PipelineFacts {
  /// The parsed stored spec; null when it does not parse (a spec stored by
  /// another version): destination, dataset and resources stay empty.
  const pipeline::PipelineSpec* spec = nullptr;
  /// Human form of the schedule; empty without one.
  std::string schedule;
  std::optional<double> next_run_at;
  std::optional<catalog::RunRecord> last_run;
  std::optional<double> last_success_at;
};

ingestd::v1::Pipeline PipelineToProto(const catalog::PipelineRecord& record, const PipelineFacts& facts,
                                      bool with_spec_json);

/// "cron */5 * * * *", "every 300 s" (schedule::Schedule::Describe); empty
/// when the spec has no schedule or it does not parse.
std::string DescribeSchedule(const pipeline::PipelineSpec& spec);

// ---- schemas ----

/// `<col>` for a variant column `<col>__v_<type>`, else "".
std::string VariantOf(const schema::ColumnSchema& column);
ingestd::v1::Column ColumnToProto(const schema::ColumnSchema& column);
ingestd::v1::Table TableToProto(const schema::Schema& schema, const schema::TableSchema& table);
/// The schema with its tables (user tables first, then `_dlt_*` ones, each
/// in schema order) and the stored document verbatim.
ingestd::v1::Schema SchemaToProto(const schema::Schema& schema, const catalog::SchemaVersionRecord& record);
ingestd::v1::SchemaVersion SchemaVersionToProto(const catalog::SchemaVersionRecord& record);
ingestd::v1::SchemaChange SchemaChangeToProto(const schema::SchemaChange& change);

// ---- state ----

/// `state` null: before the first run (version 0, nothing else).
ingestd::v1::GetStateResponse StateToProto(std::string_view pipeline, const state::PipelineState* state);

}  // namespace ingestd::rpc
