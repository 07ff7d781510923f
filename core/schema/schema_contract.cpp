#include "core/schema/schema_contract.hpp"

namespace ingestd::schema {

std::string_view ContractModeName(ContractMode mode) {
  switch (mode) {
    case ContractMode::kEvolve: return "evolve";
    case ContractMode::kFreeze: return "freeze";
    case ContractMode::kDiscardRow: return "discard_row";
    case ContractMode::kDiscardValue: return "discard_value";
  }
  return "evolve";
}

std::string_view ContractEntityName(ContractEntity entity) {
  switch (entity) {
    case ContractEntity::kTables: return "tables";
    case ContractEntity::kColumns: return "columns";
    case ContractEntity::kDataType: return "data_type";
  }
  return "tables";
}

std::optional<ContractMode> ParseContractMode(std::string_view name) {
  if (name == "evolve") return ContractMode::kEvolve;
  if (name == "freeze") return ContractMode::kFreeze;
  if (name == "discard_row") return ContractMode::kDiscardRow;
  if (name == "discard_value") return ContractMode::kDiscardValue;
  return std::nullopt;
}

std::optional<ContractMode> SchemaContract::Get(ContractEntity entity) const {
  switch (entity) {
    case ContractEntity::kTables: return tables;
    case ContractEntity::kColumns: return columns;
    case ContractEntity::kDataType: return data_type;
  }
  return std::nullopt;
}

ResolvedContract ResolvedContract::From(const SchemaContract& contract) {
  return {contract.tables.value_or(ContractMode::kEvolve),
          contract.columns.value_or(ContractMode::kEvolve),
          contract.data_type.value_or(ContractMode::kEvolve)};
}

ContractMode ResolvedContract::Get(ContractEntity entity) const {
  switch (entity) {
    case ContractEntity::kTables: return tables;
    case ContractEntity::kColumns: return columns;
    case ContractEntity::kDataType: return data_type;
  }
  return ContractMode::kEvolve;
}

}  // namespace ingestd::schema
