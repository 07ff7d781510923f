#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/pipeline/pipeline_spec.hpp"
#include "core/schema/schema_contract.hpp"

namespace ingestd::pipeline {

/// Contracts set on a running daemon (AlterContract) on top of what the
/// spec declares. They are data, applied to a copy of the spec before each
/// run, so the spec stays what the user wrote.
struct ContractOverrides {
  /// For every root table of the pipeline.
  std::optional<schema::SchemaContract> pipeline;
  /// By root table name (a resource's table_name, as written in the spec).
  std::map<std::string, schema::SchemaContract, std::less<>> tables;

  bool empty() const { return !pipeline && tables.empty(); }
};

/// `{"tables": "freeze", "columns": "evolve", "data_type": "discard_value"}`
/// (any subset) or a single mode string `"freeze"` (all three), as in
/// specs; kInvalidArgument naming the key and the allowed modes.
Result<schema::SchemaContract> ParseSchemaContractJson(std::string_view json);
/// The object form; unset entities are left out (`{}` when empty).
std::string SchemaContractToJson(const schema::SchemaContract& contract);

/// The contract a run uses for one resource: per entity, the table
/// override, else the pipeline override, else the spec's. When `resolve`
/// is true every unset entity becomes evolve (so clearing an override
/// really restores evolve for a table whose stored schema still carries an
/// older contract).
schema::SchemaContract EffectiveContract(const ResourceSpec& resource, const ContractOverrides& overrides,
                                         bool resolve);

/// Sets every resource's schema_contract to its EffectiveContract.
/// kInvalidArgument when an override names a table no resource fills.
Status ApplyContractOverrides(PipelineSpec& spec, const ContractOverrides& overrides, bool resolve);

}  // namespace ingestd::pipeline
