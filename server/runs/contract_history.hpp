#pragma once

#include <vector>

#include "core/catalog/catalog.hpp"
#include "core/common/result.hpp"
#include "core/pipeline/contract_overrides.hpp"

namespace ingestd::runs {

/// The overrides in force after a pipeline's AlterContract history (oldest
/// first): per table key (empty = pipeline-wide) the newest change wins; a
/// change with empty contract_json clears that key. kDataLoss when a stored
/// contract does not parse.
Result<pipeline::ContractOverrides> ContractOverridesFromHistory(const std::vector<catalog::ContractChange>& history);

}  // namespace ingestd::runs
