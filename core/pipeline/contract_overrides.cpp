#include "core/pipeline/contract_overrides.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/json/rapidjson.hpp"
#include "core/pipeline/spec_json_parts.hpp"

namespace ingestd::pipeline {
namespace {

constexpr schema::ContractEntity kEntities[] = {schema::ContractEntity::kTables, schema::ContractEntity::kColumns,
                                                schema::ContractEntity::kDataType};

std::optional<schema::ContractMode>& Slot(schema::SchemaContract& contract, schema::ContractEntity entity) {
  switch (entity) {
    case schema::ContractEntity::kTables: return contract.tables;
    case schema::ContractEntity::kColumns: return contract.columns;
    case schema::ContractEntity::kDataType: return contract.data_type;
  }
  return contract.tables;
}

}  // namespace

Result<schema::SchemaContract> ParseSchemaContractJson(std::string_view json) {
  // The spec parser's own reader, so an override accepts exactly what a
  // spec's `schema_contract` accepts, with the same messages.
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return spec_json::InvalidJson("schema_contract", json, doc.GetParseError(), doc.GetErrorOffset());
  }
  return spec_json::ParseSchemaContract(doc, "schema_contract");
}

std::string SchemaContractToJson(const schema::SchemaContract& contract) {
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer> writer(text);
  writer.StartObject();
  for (schema::ContractEntity entity : kEntities) {
    if (auto mode = contract.Get(entity)) {
      std::string_view key = schema::ContractEntityName(entity);
      std::string_view value = schema::ContractModeName(*mode);
      writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
  }
  writer.EndObject();
  return std::string(text.GetString(), text.GetSize());
}

schema::SchemaContract EffectiveContract(const ResourceSpec& resource, const ContractOverrides& overrides,
                                         bool resolve) {
  const schema::SchemaContract* table = nullptr;
  if (auto it = overrides.tables.find(resource.table_name); it != overrides.tables.end()) table = &it->second;
  const schema::SchemaContract* layers[] = {
      table,
      overrides.pipeline ? &*overrides.pipeline : nullptr,
      resource.schema_contract ? &*resource.schema_contract : nullptr,
  };
  schema::SchemaContract out;
  for (schema::ContractEntity entity : kEntities) {
    std::optional<schema::ContractMode>& slot = Slot(out, entity);
    for (const schema::SchemaContract* layer : layers) {
      if (layer != nullptr && layer->Get(entity)) {
        slot = layer->Get(entity);
        break;
      }
    }
    if (!slot && resolve) slot = schema::ContractMode::kEvolve;
  }
  return out;
}

Status ApplyContractOverrides(PipelineSpec& spec, const ContractOverrides& overrides, bool resolve) {
  // Check every override first so that an error leaves the spec untouched.
  for (const auto& [table, unused] : overrides.tables) {
    const bool known = std::any_of(spec.resources.begin(), spec.resources.end(),
                                   [&](const ResourceSpec& r) { return r.table_name == table; });
    if (known) continue;
    std::vector<std::string_view> roots;
    for (const ResourceSpec& r : spec.resources) {
      if (std::find(roots.begin(), roots.end(), r.table_name) == roots.end()) roots.push_back(r.table_name);
    }
    return InvalidArgument("contract override for table " + spec_json::Quoted(table) + ": no resource of pipeline " +
                           spec_json::Quoted(spec.name) + " fills it (root tables: " + spec_json::List(roots, true) +
                           ")");
  }
  for (ResourceSpec& r : spec.resources) {
    // Without an override for it the resource keeps its contract as
    // written (unset stays unset, so the stored schema's rules still apply).
    if (!resolve && !overrides.pipeline && overrides.tables.find(r.table_name) == overrides.tables.end()) continue;
    r.schema_contract = EffectiveContract(r, overrides, resolve);
  }
  return OkStatus();
}

}  // namespace ingestd::pipeline
