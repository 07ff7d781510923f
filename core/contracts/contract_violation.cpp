#include "core/contracts/contract_violation.hpp"

namespace ingestd::contracts {

std::string ContractViolation::Describe() const {
  std::string out = "table " + table;
  if (!column.empty()) out += ", column " + column;
  out += ": ";
  out += schema::ContractEntityName(entity);
  out += " contract is ";
  out += schema::ContractModeName(mode);
  switch (entity) {
    case schema::ContractEntity::kTables: out += " (new table"; break;
    case schema::ContractEntity::kColumns: out += " (new column"; break;
    case schema::ContractEntity::kDataType: out += " (value does not fit the column's type"; break;
  }
  if (!observed_type.empty()) out += ", value of type " + observed_type;
  if (!sample.empty()) out += " " + sample;
  out += " at item " + std::to_string(item_index);
  if (!path.empty()) out += ", path " + path;
  out += ")";
  return out;
}

}  // namespace ingestd::contracts
