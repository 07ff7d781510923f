#pragma once

#include <cstdint>
#include <string>

#include "core/schema/schema_contract.hpp"

namespace ingestd::contracts {

/// One place where data broke a schema contract. Discards are recorded, never
/// silent; a freeze becomes an error carrying the same facts.
struct ContractViolation {
  std::string table;
  std::string column;  // empty when a whole table was refused
  schema::ContractEntity entity = schema::ContractEntity::kColumns;
  schema::ContractMode mode = schema::ContractMode::kFreeze;
  std::string observed_type;  // dlt type of the offending value ("text", "json", ...)
  std::string sample;         // the value, truncated to kMaxSampleBytes
  std::uint64_t item_index = 0;  // 0-based position of the item in the normalizer's input
  std::string path;              // where in the item: `labels[2].name`

  static constexpr std::size_t kMaxSampleBytes = 64;

  /// "table issues, column labels__name: columns contract is freeze (new
  /// column, value of type text "bug" at item 12, path labels[0].name)".
  std::string Describe() const;
};

}  // namespace ingestd::contracts
