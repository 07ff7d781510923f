#include "server/runs/contract_history.hpp"

#include <string>
#include <utility>

namespace ingestd::runs {

Result<pipeline::ContractOverrides> ContractOverridesFromHistory(const std::vector<catalog::ContractChange>& history) {
  pipeline::ContractOverrides overrides;
  for (const catalog::ContractChange& change : history) {
    std::optional<schema::SchemaContract> contract;
    if (!change.contract_json.empty()) {
      Result<schema::SchemaContract> parsed = pipeline::ParseSchemaContractJson(change.contract_json);
      if (!parsed.ok()) {
        return DataLoss("stored contract change of pipeline " + change.pipeline +
                        (change.table.empty() ? std::string(" (pipeline-wide)") : " for table " + change.table) +
                        " does not parse: " + parsed.error().message());
      }
      contract = std::move(parsed).value();
    }
    if (change.table.empty()) {
      overrides.pipeline = contract;
    } else if (contract) {
      overrides.tables.insert_or_assign(change.table, *contract);
    } else {
      overrides.tables.erase(change.table);
    }
  }
  return overrides;
}

}  // namespace ingestd::runs
