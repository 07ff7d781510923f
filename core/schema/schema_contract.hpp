#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"

namespace ingestd::schema {

/// What happens when data would change the schema (dlt's schema contracts).
enum class ContractMode : std::uint8_t {
  kEvolve,        // accept the change
  kFreeze,        // fail the run with an error naming the table, column and rule
  kDiscardRow,    // drop the row (and its nested rows); record a violation
  kDiscardValue,  // drop the value (or the new table's rows); record a violation
};

/// The three things a contract governs.
enum class ContractEntity : std::uint8_t {
  kTables,    // a new table appears
  kColumns,   // a new column appears on an existing table
  kDataType,  // a value needs a variant column, or a column's type would change
};

std::string_view ContractModeName(ContractMode mode);      // "evolve", "freeze", ...
std::string_view ContractEntityName(ContractEntity entity);  // "tables", "columns", "data_type"
std::optional<ContractMode> ParseContractMode(std::string_view name);

/// A contract as written: each entity may be unset. A partial contract is
/// completed with evolve, not with a parent's or the schema's contract
/// (Schema::ResolveContract, dlt's expand_schema_contract_settings).
struct SchemaContract {
  std::optional<ContractMode> tables;
  std::optional<ContractMode> columns;
  std::optional<ContractMode> data_type;

  /// The shorthand: one mode for all three entities.
  static SchemaContract All(ContractMode mode) { return {mode, mode, mode}; }

  bool empty() const { return !tables && !columns && !data_type; }
  std::optional<ContractMode> Get(ContractEntity entity) const;
  bool operator==(const SchemaContract&) const = default;
};

/// A fully resolved contract: every entity has a mode (unset means evolve).
struct ResolvedContract {
  ContractMode tables = ContractMode::kEvolve;
  ContractMode columns = ContractMode::kEvolve;
  ContractMode data_type = ContractMode::kEvolve;

  static ResolvedContract From(const SchemaContract& contract);
  ContractMode Get(ContractEntity entity) const;
  bool AllEvolve() const {
    return tables == ContractMode::kEvolve && columns == ContractMode::kEvolve &&
           data_type == ContractMode::kEvolve;
  }
};

}  // namespace ingestd::schema
